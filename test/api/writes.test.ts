// Writes are group-committed: what is queued while a group is written joins the next one (one
// blobs append, one records append, one index commit), and each write resolves once indexed.
import Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Writes } from '../../src/api/writes.js'
import type { DrivePath } from '../../src/events/types.js'
import { MultiDrive } from '../../src/index.js'
import { rejects } from '../helpers/assert.js'
import { cleanup, keyOf, peer } from '../helpers/peers.js'

const test = suite('writes')
test.after.each(cleanup)

async function single() {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  return { a, multi }
}

test('multi.writeFile() x 64 at once: one append of records, every file indexed when its promise resolves', async () => {
  const { a, multi } = await single()
  let appends = 0
  a.drive.core.on('append', () => appends++)
  const names = Array.from({ length: 64 }, (_, i) => `f${String(i).padStart(2, '0')}`)
  await Promise.all(names.map((name) => multi.writeFile(`/burst/${name}`, name)))
  assert.ok(appends <= 2, `${appends} appends for 64 concurrent writes`)
  assert.equal(await multi.readdir('/burst'), names)
  for (const name of names) assert.is(await multi.readFile(`/burst/${name}`, 'utf-8'), name)
  const verified = await multi.verify()
  assert.ok(verified.ok, JSON.stringify(verified.differences))
  await multi.close()
})

test('concurrent writes to one path: the later one dominates, no conflict', async () => {
  const { a, multi } = await single()
  await Promise.all(['one', 'two', 'three'].map((text) => multi.writeFile('/same', text)))
  assert.is(await multi.readFile('/same', 'utf-8'), 'three')
  const who = await multi.whoWins('/same')
  assert.is(who.conflict, false)
  assert.is(who.winner?.drive, keyOf(a.drive))
  await multi.close()
})

test('a write refused inside a group fails alone; its group lands', async () => {
  const { multi } = await single()
  await multi.mkdir('/dir')
  const outcomes = await Promise.allSettled([
    multi.writeFile('/ok1', '1'),
    multi.writeFile('/dir', 'a file over a directory'),
    multi.writeFile('/ok2', '2')
  ])
  assert.equal(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'fulfilled']
  )
  await rejects(Promise.reject((outcomes[1] as PromiseRejectedResult).reason), 'EISDIR')
  assert.equal(await multi.readdir('/'), ['dir', 'ok1', 'ok2'])
  await multi.close()
})

test('touching writes queued together keep their order: mkdir then a file under it', async () => {
  const { multi } = await single()
  await Promise.all([multi.mkdir('/d'), multi.writeFile('/d/f', 'x'), multi.rmdir('/d', { recursive: true })])
  assert.is(await multi.exists('/d/f'), false)
  await rejects(multi.stat('/d'), 'ENOENT')
  await multi.close()
})

test('metadata that does not serialise is EINVAL, and the drive still takes writes', async () => {
  const { a, multi } = await single()
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  const throwing = {
    toJSON: () => {
      throw new Error('no')
    }
  }
  const huge = { text: 'x'.repeat(64 * 1024) }
  for (const metadata of [cycle, { big: 1n }, { throwing }, huge]) {
    await rejects(multi.writeFile('/bad', 'x', { metadata: metadata as Record<string, unknown> }), 'EINVAL')
  }
  await multi.writeFile('/good', 'still writable')
  await a.drive.put('/plain', Buffer.from('and so is the drive'))
  assert.is(await multi.readFile('/good', 'utf-8'), 'still writable')
  await multi.close()
})

test('multi.close() with writes queued: the group under way lands, the queued ones reject ECLOSED', async () => {
  const { a, multi } = await single()
  const writes = Array.from({ length: 300 }, (_, i) => multi.writeFile(`/q/${i}`, String(i)))
  const closing = multi.close()
  const outcomes = await Promise.allSettled(writes)
  await closing
  const failed = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[]
  for (const f of failed) assert.is(f.reason?.code, 'ECLOSED', String(f.reason))
  // Everything that resolved is in the drive (closed with the MultiDrive: opened again).
  const drive = new Hyperdrive(a.store.namespace('own'))
  let landed = 0
  for (const [i, o] of outcomes.entries()) {
    if (o.status !== 'fulfilled') continue
    landed++
    assert.is((await drive.get(`/q/${i}`))?.toString(), String(i))
  }
  assert.is(landed + failed.length, 300)
  assert.ok(failed.length > 0, 'close() waited for every queued write instead of cancelling them')
  await drive.close()
})

test('a removal the drive has nothing to remove for appends nothing; the index follows what landed', async () => {
  const { a, multi } = await single()
  await multi.writeFile('/before', 'x')
  // The index thinks the writer has a dir marker at /p: the write removes it, and Hyperbee appends
  // nothing for a key it does not hold. The file of the same group must land at its own seq.
  const writes = (multi as unknown as { writes: Writes }).writes
  await Promise.all([
    writes.custom('/p' as DrivePath, async () => [{ type: 'delete', path: '/p' as DrivePath, sub: 'dirs' }]),
    multi.writeFile('/after', 'y')
  ])
  await multi.writeFile('/later', 'z')
  assert.is(String(await multi.readFile('/after')), 'y')
  assert.is(String(await multi.readFile('/later')), 'z')
  assert.is(multi.stats[keyOf(a.drive)]?.indexed, a.drive.core.length)
  assert.ok((await multi.verify()).ok)
})

test('content that fails to append: the write rejects with the error, nothing is indexed, the drive still takes writes', async () => {
  const { a, multi } = await single()
  for (let i = 0; i < 20; i++) await multi.writeFile(`/warm/${i}`, 'x')
  const blobs = await a.drive.getBlobs()
  const append = blobs.core.append
  const eio = new Error('EIO: no space left')
  blobs.core.append = () => Promise.reject(eio)
  try {
    const outcomes = await Promise.allSettled([multi.writeFile('/lost/1', 'a'), multi.writeFile('/lost/2', 'b')])
    assert.equal(
      outcomes.map((o) => (o.status === 'rejected' ? o.reason === eio : 'resolved')),
      [true, true]
    )
  } finally {
    blobs.core.append = append
  }
  assert.is(await multi.exists('/lost/1'), false)
  await multi.writeFile('/kept', 'k')
  assert.is(String(await multi.readFile('/kept')), 'k')
  assert.ok((await multi.verify()).ok)
})

test.run()
