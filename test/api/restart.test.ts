// The index is persistent and event-sourced: a restart resumes from the checkpoints, a truncated
// drive (a new fork) is rescanned, and a new resolver rebuilds the index.
import { join } from 'node:path'
import Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive, type MultiDriveError } from '../../src/index.js'
import { cleanup, peer, replicate, synced, tmp } from '../helpers/peers.js'

const test = suite('restart')
test.after.each(cleanup)

function keyOf(drive: Hyperdrive): string {
  return drive.key.toString('hex')
}

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
  assert.ok((first.stats[keyOf(a.drive)]?.nodesRead ?? 0) >= 30)
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
  try {
    await second.readFile('/from-b.txt')
    assert.unreachable('should have thrown')
  } catch (err) {
    assert.is((err as MultiDriveError).code, 'EUNKNOWNDRIVE')
  }
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

test.run()
