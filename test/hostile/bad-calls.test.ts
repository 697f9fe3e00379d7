// Issue 7, wrong answers to bad calls: a caller's mistake is a coded error at the call, and what
// close() cancels says so, losing nothing that resolved.
import Hyperbee from 'hyperbee'
import Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive, MultiDriveError } from '../../src/index.js'
import {
  codeOf,
  connectedReplica,
  describe,
  hooks,
  localDrive,
  outcome,
  peer,
  settle,
  track
} from '../helpers/hostile.js'

const test = suite('hostile: bad calls')
hooks(test)

// ---- case 9: what addDrive accepts ---------------------------------------------------------------------

test('multi.addDrive(bee) fails with EINVAL for a Hyperbee, and the real drive can be added after it', async () => {
  const h = await peer('hostile')
  await h.drive.put('/a', Buffer.from('A'))
  const v = await peer('victim')
  const { replica } = await connectedReplica(v, h)
  const { multi } = track(new MultiDrive(v.drive))
  await multi.ready()
  // The drive's own db: a Hyperbee with the drive's key, `ready`, `batch` and `core`.
  const bee = await outcome(multi.addDrive(replica.db as unknown as Hyperdrive))
  const real = await outcome(multi.addDrive(replica))
  const read = await outcome(multi.readFile('/a', 'utf-8'))
  assert.equal(
    { bee: codeOf(bee), real: describe(real), read: read.status === 'resolved' ? read.value : describe(read) },
    { bee: 'EINVAL', real: 'resolved', read: 'A' }
  )
})

test('multi.addDrive(x) fails with EINVAL for anything else that has ready, batch and core', async () => {
  const v = await peer('victim')
  const other = await localDrive(v, 'other')
  const { multi } = track(new MultiDrive(v.drive))
  await multi.ready()
  const fakes: [string, unknown][] = [
    ['a duck', { ready: async () => {}, batch: () => ({}), core: other.core, key: other.key }],
    ['a bare Hyperbee', new Hyperbee(v.store.get({ name: 'bee' }))]
  ]
  const codes: Record<string, string> = {}
  for (const [what, fake] of fakes) codes[what] = codeOf(await outcome(multi.addDrive(fake as Hyperdrive)))
  assert.equal(codes, { 'a duck': 'EINVAL', 'a bare Hyperbee': 'EINVAL' })
})

test('new MultiDrive(bee) fails with EINVAL for a Hyperbee as the primary', async () => {
  const v = await peer('victim')
  let thrown: unknown = null
  try {
    track(new MultiDrive(v.drive.db as unknown as Hyperdrive))
  } catch (err) {
    thrown = err
  }
  assert.ok(thrown instanceof MultiDriveError, `the constructor threw ${String(thrown)}`)
  assert.is(thrown.code, 'EINVAL')
})

test('multi.addDrive(drive) fails with EINVAL for a closed drive', async () => {
  const h = await peer('hostile')
  await h.drive.put('/a', Buffer.from('A'))
  const v = await peer('victim')
  const { replica } = await connectedReplica(v, h)
  await replica.close()
  const { multi } = track(new MultiDrive(v.drive))
  await multi.ready()
  const added = await outcome(multi.addDrive(replica))
  assert.is(codeOf(added), 'EINVAL', `addDrive(closed drive): ${describe(added)}`)
  assert.is(multi.hasDrive(replica.key), undefined, 'the closed drive was added anyway')
})

// ---- case 10: calls in flight when close() starts -----------------------------------------------------

test('multi.close() while writeFile, mkdir and verify are in flight: each resolves or fails with ECLOSED, and no resolved write is lost', async () => {
  const p = await peer('victim')
  const { multi } = track(new MultiDrive(p.drive))
  await multi.ready()
  for (let i = 0; i < 50; i++) await multi.writeFile(`/before/${i}`, `before ${i}`)
  // The first write holds the writer's lock when close() starts: its batch is appended already.
  const appended = new Promise<void>((resolve) => p.drive.core.once('append', () => resolve()))
  const first = multi.writeFile('/first', 'first')
  await settle(appended, 'the first append')
  // Handled from the start: close() may reject them before the test looks at them.
  const handled = <T>(op: Promise<T>) => {
    op.catch(() => {})
    return op
  }
  const writes = Array.from({ length: 20 }, (_, i) => ({
    path: `/w/${i}`,
    op: handled(multi.writeFile(`/w/${i}`, `w ${i}`))
  }))
  const dirs = Array.from({ length: 5 }, (_, i) => handled(multi.mkdir(`/dir${i}`)))
  const verifying = multi.verify()
  const closing = multi.close()

  const [firstOutcome, closed, verified] = await Promise.all([outcome(first), outcome(closing), outcome(verifying)])
  const writeOutcomes = await Promise.all(writes.map(({ op }) => outcome(op)))
  const dirOutcomes = await Promise.all(dirs.map((op) => outcome(op)))
  const bad = (o: (typeof writeOutcomes)[number]) => o.status !== 'resolved' && codeOf(o) !== 'ECLOSED'
  assert.equal(
    {
      first: describe(firstOutcome),
      close: describe(closed),
      verify: verified.status === 'resolved' || codeOf(verified) === 'ECLOSED' ? 'ok' : describe(verified),
      writes: writeOutcomes.filter(bad).map(describe),
      mkdirs: dirOutcomes.filter(bad).map(describe)
    },
    { first: 'resolved', close: 'resolved', verify: 'ok', writes: [], mkdirs: [] },
    'close() waits for the write that holds the lock; what it cancels fails with ECLOSED'
  )

  // Nothing that resolved was lost: the writer drive, reopened, has every such file.
  const reopened = new Hyperdrive(p.store.namespace('own'))
  await reopened.ready()
  const lost: string[] = []
  for (const [i, { path }] of writes.entries()) {
    if (writeOutcomes[i]?.status !== 'resolved') continue
    if ((await reopened.get(path))?.toString() !== `w ${i}`) lost.push(path)
  }
  if ((await reopened.get('/first'))?.toString() !== 'first' && firstOutcome.status === 'resolved') lost.push('/first')
  await reopened.close()
  assert.equal(lost, [], 'writes that resolved before close() are missing from the drive')
})

// ---- case 11: sizes --------------------------------------------------------------------------------------

test('multi.truncate(path, 2 ** 40) fails with EINVAL and leaves the file as it was', async () => {
  const p = await peer('victim')
  const { multi } = track(new MultiDrive(p.drive))
  await multi.ready()
  await multi.writeFile('/f', 'content')
  const truncated = await outcome(multi.truncate('/f', 2 ** 40))
  assert.is(codeOf(truncated), 'EINVAL', `truncate: ${describe(truncated)}`)
  assert.is(await multi.readFile('/f', 'utf-8'), 'content')
})

test('multi.write(fd, buf, 0, len, 2 ** 40) fails with EINVAL and leaves the file as it was', async () => {
  const p = await peer('victim')
  const { multi } = track(new MultiDrive(p.drive))
  await multi.ready()
  await multi.writeFile('/f', 'content')
  const fd = await multi.open('/f', 'r+')
  const written = await outcome(multi.write(fd, Buffer.from('x'), 0, 1, 2 ** 40))
  const closed = await outcome(multi.close(fd))
  assert.equal({ write: codeOf(written), close: describe(closed) }, { write: 'EINVAL', close: 'resolved' })
  assert.is(await multi.readFile('/f', 'utf-8'), 'content')
})

test.run()
