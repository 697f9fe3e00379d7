// Issue 7, wedges: nothing a remote drive or a caller sends may leave a call that never settles.
// A hang is turned into a failure by a timeout (test/helpers/hostile.ts); the hung work is left
// behind, holding no timer, and teardown() bounds every close.
import { once } from 'node:events'
import type Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { driveJson } from '../../src/cli/json.js'
import { formatDrives } from '../../src/cli/output.js'
import { type Candidate, MultiDrive, MultiDriveError } from '../../src/index.js'
import { collect } from '../helpers/assert.js'
import {
  appendRaw,
  BAD_POINTER_CODE,
  codeOf,
  connectedReplica,
  describe,
  FORGED_POINTERS,
  forgedPointerSetup,
  hooks,
  isolated,
  keyOf,
  localDrive,
  outcome,
  peer,
  STUCK_EVENT,
  STUCK_STATE,
  settle,
  stuckEvents,
  stuckOf,
  track,
  UNDECODABLE
} from '../helpers/hostile.js'

const test = suite('hostile: wedges')
hooks(test)

// ---- case 1: a batch left open by a write that threw ---------------------------------------------------

/** Metadata that passes as a plain object but does not serialise. */
function unserialisable(): [string, Record<string, unknown>][] {
  const cyclic: Record<string, unknown> = { name: 'loop' }
  cyclic.self = cyclic
  return [
    ['a cycle', cyclic],
    ['a BigInt', { size: 10n }],
    [
      'a throwing toJSON',
      {
        toJSON() {
          throw new Error('no JSON for you')
        }
      }
    ]
  ]
}

for (const [what, metadata] of unserialisable()) {
  test(`multi.writeFile(path, data, { metadata }) with ${what} in metadata: EINVAL, and later writes still settle`, async () => {
    const p = await peer('victim')
    const { multi } = track(new MultiDrive(p.drive))
    await multi.ready()
    const bad = await outcome(multi.writeFile('/bad', 'x', { metadata }))
    // Whatever the first call did, the writer must not stay locked: later writes, ours and plain ones.
    const [later, plain] = await Promise.all([
      outcome(multi.writeFile('/later', 'fine')),
      outcome(p.drive.put('/plain', Buffer.from('plain')))
    ])
    assert.equal(
      { bad: codeOf(bad), later: describe(later), plainPut: describe(plain) },
      { bad: 'EINVAL', later: 'resolved', plainPut: 'resolved' }
    )
    assert.is(await multi.readFile('/later', 'utf-8'), 'fine')
    assert.is((await outcome(multi.stat('/bad'))).status, 'rejected', 'the bad write left a file behind')
  })
}

test('multi.setMetadata(path, key, value) with a value that does not serialise: EINVAL, and later writes still settle', async () => {
  const p = await peer('victim')
  const { multi } = track(new MultiDrive(p.drive))
  await multi.ready()
  await multi.writeFile('/f', 'content')
  const bad = await outcome(multi.setMetadata('/f', 'size', 10n))
  const later = await outcome(multi.writeFile('/later', 'fine'))
  assert.equal({ bad: codeOf(bad), later: describe(later) }, { bad: 'EINVAL', later: 'resolved' })
  assert.is((await multi.stat('/f')).metadata, null, 'the bad metadata was stored')
})

// ---- case 2: a block that is not a Hyperbee node -----------------------------------------------------

/** A hostile drive with two good files, then a block of raw bytes; a victim with a synced replica. */
async function rawBlockSetup() {
  const h = await peer('hostile')
  await h.drive.put('/a', Buffer.from('A'))
  await h.drive.put('/b', Buffer.from('B'))
  const bad = await appendRaw(h.drive, UNDECODABLE)
  const v = await peer('victim')
  const { replica } = await connectedReplica(v, h)
  const victim = track(new MultiDrive(v.drive))
  const events = stuckEvents(victim.multi)
  await victim.multi.ready()
  return { h, v, replica, bad, events, ...victim }
}

/** Starts adding a drive without waiting for it to be indexed; resolves once it is added. */
async function startAdding(multi: MultiDrive, drive: Hyperdrive): Promise<void> {
  const added = once(multi, 'drive-add')
  multi.addDrive(drive).catch(() => {})
  await settle(added, "'drive-add'")
}

test('multi.addDrive(drive) whose log holds a block that is not a Hyperbee node: settles, indexed up to that block', async () => {
  const { multi, replica, bad } = await rawBlockSetup()
  const added = await outcome(multi.addDrive(replica))
  assert.equal(
    { addDrive: describe(added), indexed: multi.version[keyOf(replica)] },
    { addDrive: 'resolved', indexed: bad },
    'addDrive must settle with every record before the bad block indexed'
  )
  assert.is(await multi.readFile('/a', 'utf-8'), 'A')
  assert.is(await multi.readFile('/b', 'utf-8'), 'B')
})

test(`multi.stats shows a drive stuck at its bad block (state '${STUCK_STATE}', seq, reason) and '${STUCK_EVENT}' is emitted`, async () => {
  const { multi, replica, bad, events } = await rawBlockSetup()
  const emitted = once(multi, STUCK_EVENT)
  await startAdding(multi, replica)
  const event = await outcome(emitted)
  const stuck = stuckOf(multi, replica)
  assert.ok(
    stuck !== null,
    `no '${STUCK_EVENT}' (${describe(event)}); stats of the drive: ${JSON.stringify(multi.stats[keyOf(replica)])}`
  )
  assert.is(stuck.seq, bad)
  assert.type(stuck.reason, 'string')
  assert.ok(stuck.reason.length > 0, 'no reason given')
  assert.equal(
    events.map((e) => [e.drive, e.seq]),
    [[keyOf(replica), bad]]
  )
})

test('GET /drives and `multidrive drives` show where a drive is stuck, and why', async () => {
  const { multi, replica, bad } = await rawBlockSetup()
  const emitted = once(multi, STUCK_EVENT)
  await startAdding(multi, replica)
  await settle(emitted, `'${STUCK_EVENT}'`)
  const json = driveJson(keyOf(replica), multi.stats[keyOf(replica)], { writer: false, peers: 0 })
  assert.equal([json.state, json.stuck?.seq], [STUCK_STATE, bad])
  assert.ok(formatDrives([json]).includes(`stuck at seq ${bad}: ${json.stuck?.reason}`), formatDrives([json]))
})

test('multi.flush() settles while a drive is stuck, and new writes of other drives are still indexed', async () => {
  const { multi, replica, v } = await rawBlockSetup()
  await startAdding(multi, replica)
  const flushed = await outcome(multi.flush())
  assert.is(describe(flushed), 'resolved', 'flush() with a stuck drive')
  assert.is(describe(await outcome(multi.writeFile('/mine', 'mine'))), 'resolved', 'a write of ours')
  await v.drive.put('/plain', Buffer.from('plain'))
  assert.is(describe(await outcome(multi.flush())), 'resolved', 'flush() after a plain write')
  assert.equal(await multi.readdir('/'), ['a', 'b', 'mine', 'plain'])
})

test('multi.update() settles while a drive is stuck on a bad block', async () => {
  const { multi, replica } = await rawBlockSetup()
  await startAdding(multi, replica)
  // update() is the spec's (fetch the peers' lengths, then index): called as the spec names it.
  const updatable = multi as MultiDrive & { update(): Promise<void> }
  const updated = await outcome(Promise.resolve().then(() => updatable.update()))
  assert.is(updated.status, 'resolved', `update: ${describe(updated)}`)
})

// ---- case 3: options and comparators -----------------------------------------------------------------

/** What the constructor does with given options: the error it throws, or null. */
async function construct(options: Record<string, unknown>): Promise<unknown> {
  const p = await peer('victim')
  try {
    track(new MultiDrive(p.drive, options as never))
    return null
  } catch (err) {
    return err
  }
}

for (const resolve of ['bogus', 42, {}, ['causal']]) {
  test(`new MultiDrive(primary, { resolve: ${JSON.stringify(resolve)} }) fails with EINVAL`, async () => {
    const err = await construct({ resolve })
    assert.ok(err instanceof MultiDriveError, `the constructor threw ${String(err)}`)
    assert.is(err.code, 'EINVAL')
  })
}

for (const [name, value] of [
  ['now', 'soon'],
  ['now', 1_700_000_000_000],
  ['index', 42]
] as const) {
  test(`new MultiDrive(primary, { ${name}: ${JSON.stringify(value)} }) fails with EINVAL`, async () => {
    const err = await construct({ [name]: value })
    assert.ok(err instanceof MultiDriveError, `the constructor threw ${String(err)}`)
    assert.is(err.code, 'EINVAL')
  })
}

test("resolve: a comparator that throws: multi.addDrive(drive) settles, and the comparator's error reaches the caller or 'error'", async () => {
  const p = await peer('victim')
  const other = await localDrive(p, 'other')
  await p.drive.put('/x', Buffer.from('mine'))
  await other.put('/x', Buffer.from('theirs'))
  const boom = new Error('comparator bug')
  const resolve = (_a: Candidate, _b: Candidate): number => {
    throw boom
  }
  const { multi, errors } = track(new MultiDrive(p.drive, { resolve }))
  await multi.ready()
  const added = await outcome(multi.addDrive(other))
  const isBoom = (err: unknown) => err === boom || (err as { cause?: unknown } | null)?.cause === boom
  assert.ok(added.status !== 'hung', 'addDrive never settles')
  assert.ok(
    (added.status === 'rejected' && isBoom(added.error)) || errors.some(isBoom),
    `the comparator's error reached nobody (addDrive ${describe(added)}, 'error' events: ${errors.length})`
  )
  const flushed = await outcome(multi.flush())
  assert.ok(flushed.status !== 'hung', 'flush never settles')
})

// ---- case 4: forged blob pointers --------------------------------------------------------------------

for (const [kind, what] of FORGED_POINTERS.entries()) {
  test(`multi.readFile / get / createReadStream of a forged blob pointer (${what}) fail with ${BAD_POINTER_CODE}`, async () => {
    const { multi, path } = await forgedPointerSetup(kind)
    assert.is(await multi.readFile('/real', 'utf-8'), 'hello')
    const [read, got, streamed] = await Promise.all([
      outcome(multi.readFile(path)),
      outcome(multi.get(path)),
      outcome(collect(multi.createReadStream(path)))
    ])
    assert.equal(
      { readFile: codeOf(read), get: codeOf(got), createReadStream: codeOf(streamed) },
      { readFile: BAD_POINTER_CODE, get: BAD_POINTER_CODE, createReadStream: BAD_POINTER_CODE }
    )
  })
}

for (const [kind, what] of FORGED_POINTERS.entries()) {
  test(`multi.download(folder) settles when the winning entry holds a forged blob pointer (${what})`, async () => {
    // In a child process: a download can hold the event loop for good, which no timer here could end.
    const result = await isolated('forged-download', [String(kind)])
    assert.ok(
      result.status === 'resolved' || result.code === BAD_POINTER_CODE,
      `download: ${result.status === 'hung' ? 'never settled (or held the event loop)' : JSON.stringify(result)}`
    )
  })
}

test.run()
