// The index is persistent and event-sourced: a restart resumes from the checkpoints, a truncated
// drive (a new fork) is rescanned, and a new resolver rebuilds the index.
import { join } from 'node:path'
import Hyperdrive from 'hyperdrive'
import { MemoryLevel } from 'memory-level'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SUB_ENCODERS } from '../../src/events/records.js'
import { type Comparator, MultiDrive } from '../../src/index.js'
import { rejects } from '../helpers/assert.js'
import { cleanup, fill, keyOf, localDrive, peer, replicate, synced, tmp } from '../helpers/peers.js'

const test = suite('restart')
test.after.each(cleanup)

test('reopening a LevelDB index resumes from its checkpoints: nothing already indexed is read again', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const index = join(await tmp(), 'index')
  const stop = replicate(a, b)
  const bOnA = await a.open(b.drive.key)
  for (let i = 0; i < 20; i++) await b.drive.put(`/b/${i}.txt`, Buffer.from(`b${i}`))
  await synced(bOnA, b.drive)

  const first = new MultiDrive(a.drive, { index })
  await first.ready()
  await first.addDrive(bOnA)
  for (let i = 0; i < 30; i++) await first.writeFile(`/a/${i}.txt`, `a${i}`)
  const version = first.version
  // The replica's records were read from it; the writer's own appends are indexed as written.
  assert.ok((first.stats[keyOf(bOnA)]?.nodesRead ?? 0) >= 20)
  await first.close()

  const own = new Hyperdrive(a.store.namespace('own'))
  const replica = await a.open(b.drive.key)
  const second = new MultiDrive(own, { index })
  await second.ready()
  await second.addDrive(replica)
  assert.equal(second.version, version)
  assert.is(second.stats[keyOf(own)]?.nodesRead, 0)
  assert.is(second.stats[keyOf(replica)]?.nodesRead, 0)
  assert.is((await second.readdir('/a')).length, 30)
  assert.is(await second.readFile('/b/7.txt', 'utf8'), 'b7')

  // Only what is new is read.
  await b.drive.put('/b/new.txt', Buffer.from('new'))
  await synced(replica, b.drive)
  await second.flush()
  assert.is(second.stats[keyOf(replica)]?.nodesRead, 1)
  assert.is(await second.readFile('/b/new.txt', 'utf8'), 'new')
  assert.ok((await second.verify()).ok)
  stop()
  await second.close()
})

test('a truncated drive (new fork) is rescanned, here and on a replica', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const stop = replicate(a, b)
  const ma = new MultiDrive(a.drive)
  const aOnB = await b.open(a.drive.key)
  const mb = new MultiDrive(b.drive)
  await mb.ready()
  await mb.addDrive(aOnB)
  for (let i = 1; i <= 3; i++) await ma.writeFile(`/f${i}`, `v${i}`)
  const mark = a.drive.core.length
  await ma.writeFile('/f4', 'v4')
  await ma.writeFile('/f2', 'overwritten')
  await synced(aOnB, a.drive)
  await mb.flush()
  assert.equal(await mb.readdir('/'), ['f1', 'f2', 'f3', 'f4'])

  await a.drive.truncate(mark)
  await ma.flush()
  assert.equal(await ma.readdir('/'), ['f1', 'f2', 'f3'])
  assert.is(await ma.readFile('/f2', 'utf8'), 'v2')
  await ma.writeFile('/g', 'after the fork')

  await synced(aOnB, a.drive)
  await mb.flush()
  for (const multi of [ma, mb]) {
    assert.equal(await multi.readdir('/'), ['f1', 'f2', 'f3', 'g'])
    assert.is(await multi.readFile('/f2', 'utf8'), 'v2')
    assert.equal(multi.version[keyOf(a.drive)], a.drive.core.length)
    const verified = await multi.verify()
    assert.ok(verified.ok, JSON.stringify(verified.differences))
  }
  stop()
  await ma.close()
  await mb.close()
})

test('an index built with another resolver rebuilds itself', async () => {
  let clock = 5_000
  const a = await peer('a')
  const b = await peer('b')
  const index = join(await tmp(), 'index')
  const stop = replicate(a, b)
  const mb = new MultiDrive(b.drive, { now: () => clock })
  await mb.writeFile('/f', 'from b, later wall clock')
  const bOnA = await a.open(b.drive.key)
  await synced(bOnA, b.drive)
  // a saw b's write, but its clock is behind: causal says a wins, wall-clock says b wins.
  clock = 1_000
  const causal = new MultiDrive(a.drive, { index, now: () => clock })
  await causal.ready()
  await causal.addDrive(bOnA)
  await causal.writeFile('/f', 'from a, saw b')
  assert.is(await causal.readFile('/f', 'utf8'), 'from a, saw b')
  await causal.close()

  const wall = new MultiDrive(new Hyperdrive(a.store.namespace('own')), { index, resolve: 'wall-clock' })
  await wall.ready()
  await wall.addDrive(await a.open(b.drive.key))
  assert.is(await wall.readFile('/f', 'utf8'), 'from b, later wall clock')
  assert.ok(Object.values(wall.stats).every((s) => s.nodesRead > 0))
  stop()
  await wall.close()
  await mb.close()
})

test('a persistent index remembers drives not added again until they are removed', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const index = join(await tmp(), 'index')
  const stop = replicate(a, b)
  await b.drive.put('/from-b.txt', Buffer.from('b'))
  const bOnA = await a.open(b.drive.key)
  await synced(bOnA, b.drive)
  const first = new MultiDrive(a.drive, { index })
  await first.ready()
  await first.addDrive(bOnA)
  await first.close()

  const second = new MultiDrive(new Hyperdrive(a.store.namespace('own')), { index })
  await second.ready()
  assert.equal(await second.readdir('/'), ['from-b.txt'])
  assert.is(second.hasDrive(b.drive.key), undefined)
  await rejects(second.readFile('/from-b.txt'), 'EUNKNOWNDRIVE')
  assert.ok(await second.removeDrive(b.drive.key))
  assert.equal(await second.readdir('/'), [])
  assert.equal(Object.keys(second.version), [keyOf(a.drive)])
  stop()
  await second.close()
})

test('a replica without its blocks and without peers waits for peers, then gets indexed', async () => {
  const a = await peer('a')
  const b = await peer('b')
  for (let i = 0; i < 5; i++) await a.drive.put(`/f${i}`, Buffer.from(String(i)))
  const replica = await b.open(a.drive.key)
  let stop = replicate(a, b)
  await synced(replica, a.drive) // the length is known, the blocks are not downloaded
  stop()
  const multi = new MultiDrive(b.drive)
  await multi.ready()
  await multi.addDrive(replica) // resolves: nothing to read it from
  assert.is(multi.stats[keyOf(replica)]?.state, 'waitingForPeers')
  assert.equal(await multi.readdir('/'), [])
  stop = replicate(a, b)
  await multi.flush()
  assert.equal(await multi.readdir('/'), ['f0', 'f1', 'f2', 'f3', 'f4'])
  assert.is(multi.stats[keyOf(replica)]?.state, 'live')
  stop()
  await multi.close()
})

test('a crash midway through removeDrive, then addDrive on restart: the drive is fully indexed', async () => {
  const a = await peer('a')
  const other = await localDrive(a, 'other')
  await fill(other, 600)
  const db = new MemoryLevel()
  const multi = new MultiDrive(a.drive, { index: db })
  await multi.ready()
  await multi.addDrive(other)
  // Crash: the process dies after the first batch of the removal committed.
  const batch = db.batch.bind(db)
  let crashed = false
  db.batch = ((ops: never) => {
    if (crashed) return Promise.reject(new Error('crash'))
    return batch(ops)
  }) as typeof db.batch
  const sub = multi.changes$.subscribe(() => {
    crashed = true
  })
  await multi.removeDrive(other.key).catch(() => {})
  sub.unsubscribe()
  assert.ok(crashed)
  await multi.close().catch(() => {})
  db.batch = batch

  const restarted = new MultiDrive(new Hyperdrive(a.store.namespace('own')), { index: db })
  await restarted.ready()
  await restarted.addDrive(other)
  assert.is((await restarted.readdir('/f')).length, 600, 'files of the re-added drive are missing')
  const verified = await restarted.verify()
  assert.ok(verified.ok, `${verified.differences.length} differences`)
  await restarted.close()
})

test('a comparator that changes (same source, other captured value) rebuilds the index', async () => {
  const a = await peer('a')
  const other = await localDrive(a, 'other')
  await a.drive.put('/f', Buffer.from('a'))
  await other.put('/f', Buffer.from('other'))
  const prefer =
    (key: string): Comparator =>
    (x, y) =>
      x.drive === key ? -1 : y.drive === key ? 1 : 0
  const db = new MemoryLevel()
  const first = new MultiDrive(a.drive, { index: db, resolve: prefer(keyOf(a.drive)) })
  await first.ready()
  await first.addDrive(other)
  assert.is(await first.readFile('/f', 'utf8'), 'a')
  await first.close()

  const own = new Hyperdrive(a.store.namespace('own'))
  const second = new MultiDrive(own, { index: db, resolve: prefer(keyOf(other)) })
  await second.ready()
  await second.addDrive(await localDrive(a, 'other'))
  assert.is(await second.readFile('/f', 'utf8'), 'other', "the index still holds the old comparator's winner")
  await second.close()
})

test('a crash while a resolver change empties the index, then a restart with the old resolver: nothing lost', async () => {
  const a = await peer('a')
  await fill(a.drive, 5)
  const db = new MemoryLevel()
  const first = new MultiDrive(a.drive, { index: db })
  await first.ready()
  assert.is((await first.readdir('/f')).length, 5)
  await first.close()

  // Restart with another resolver; the process dies while the old index is being emptied.
  const clear = db.clear.bind(db)
  let clears = 0
  db.clear = ((...args: Parameters<typeof clear>) =>
    ++clears === 3 ? Promise.reject(new Error('crash')) : clear(...args)) as typeof db.clear
  const own = new Hyperdrive(a.store.namespace('own'))
  const second = new MultiDrive(own, { index: db, resolve: 'wall-clock' })
  await second.ready().then(
    () => assert.unreachable('the crash should have failed open()'),
    () => {}
  )
  db.clear = clear
  await own.close()

  // Restart with the resolver that built the index.
  const third = new MultiDrive(new Hyperdrive(a.store.namespace('own')), { index: db })
  await third.ready()
  assert.equal(await third.readdir('/f'), ['0000', '0001', '0002', '0003', '0004'])
  assert.ok(await third.exists('/f/0000'), 'listed, but its winner was emptied: the half-cleared index is trusted')
  const verified = await third.verify()
  assert.ok(verified.ok, `the half-emptied index is trusted: ${verified.differences.length} differences`)
  await third.close()
})

test('keys that are not valid UTF-8 in a remote drive: a rescan and the log agree', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const stop = replicate(a, b)
  const bOnA = await a.open(b.drive.key)
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  await multi.addDrive(bOnA)
  const prefix = SUB_ENCODERS.files.prefix as Buffer
  const raw = (byte: number) => Buffer.concat([prefix, Buffer.from([0x2f, byte])])
  const entry = { executable: false, linkname: null, blob: null, metadata: null }
  // Two distinct keys that both decode to '/\ufffd'; the later one is then deleted, the first stays.
  await b.drive.db.put(raw(0xfe), entry, { keyEncoding: 'binary' })
  await b.drive.db.put(raw(0xff), entry, { keyEncoding: 'binary' })
  await b.drive.db.del(raw(0xff), { keyEncoding: 'binary' })
  const mark = b.drive.core.length
  await b.drive.put('/dummy', Buffer.from('dummy'))
  await synced(bOnA, b.drive)
  await multi.flush()
  const fromLog = await multi.exists('/\ufffd')

  // b drops only /dummy (a new fork): a's index rescans b's drive from its current state.
  await b.drive.truncate(mark)
  await synced(bOnA, b.drive)
  await multi.flush()
  assert.is(await multi.exists('/dummy'), false)
  assert.is(await multi.exists('/\ufffd'), fromLog, 'the same drive state reads differently after a rescan')
  stop()
  await multi.close()
})

test('a drive truncated inside a batch (its tree unreadable) is stuck, not retried forever; a truncation mends it', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const stop = replicate(a, b)
  await b.drive.put('/keep', Buffer.from('keep'))
  const atRest = b.drive.core.length
  const batch = b.drive.batch()
  for (let i = 0; i < 3; i++) await batch.put(`/batch/${i}`, Buffer.from(String(i)))
  await batch.flush()
  const bOnA = await a.open(b.drive.key)
  await synced(bOnA, b.drive)
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  await multi.addDrive(bOnA)
  assert.equal(await multi.readdir('/batch'), ['0', '1', '2'])

  // Only the last node of a batch carries the tree: cut the batch in two.
  await b.drive.core.truncate(atRest + 2)
  await synced(bOnA, b.drive)
  await multi.flush()
  const stats = multi.stats[keyOf(bOnA)]
  assert.is(stats?.state, 'stuck')
  assert.ok(stats?.stuck?.reason.includes('tree'), JSON.stringify(stats))

  // A truncation to a length the drive was at rest at makes it readable again.
  await b.drive.truncate(atRest)
  await synced(bOnA, b.drive)
  await multi.flush()
  assert.is(multi.stats[keyOf(bOnA)]?.stuck, null)
  assert.equal(await multi.readdir('/'), ['keep'])
  const verified = await multi.verify()
  assert.ok(verified.ok, JSON.stringify(verified.differences))
  stop()
  await multi.close()
})

test.run()
