// The seed's (multi-hyperdrive's) own test cases, ported to real Hyperdrive 13 drives.
import type Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { rejects } from '../helpers/assert.js'
import { cluster } from '../helpers/cluster.js'
import { cleanup, peer, replicate } from '../helpers/peers.js'

const test = suite('seed')
test.after.each(cleanup)

test('multi.readFile(path) reads from the primary', async () => {
  const p = await peer('a')
  await p.drive.put('/example.txt', Buffer.from('Hello World!'))
  const multi = new MultiDrive(p.drive)
  assert.is(await multi.readFile('example.txt', 'utf8'), 'Hello World!')
  assert.equal(await multi.readdir('/'), ['example.txt'])
  const stats = await multi.readdir('/', { includeStats: true })
  assert.is(stats.length, 1)
  assert.is(stats[0]?.name, 'example.txt')
  assert.ok(stats[0]?.stat.isFile())
  await multi.close()
})

test("multi emits 'drive-add' and 'drive-remove'", async () => {
  const a = await peer('a')
  const b = await peer('b')
  const multi = new MultiDrive(a.drive)
  const added: Hyperdrive[] = []
  const removed: Hyperdrive[] = []
  multi.on('drive-add', (d: Hyperdrive) => added.push(d))
  multi.on('drive-remove', (d: Hyperdrive) => removed.push(d))
  await multi.ready()
  await multi.addDrive(b.drive)
  await multi.addDrive(b.drive) // idempotent
  assert.equal(added, [a.drive, b.drive])
  assert.is(multi.hasDrive(b.drive.key), b.drive)
  assert.is(multi.hasDrive(b.drive.key.toString('hex')), b.drive)
  assert.ok(await multi.removeDrive(b.drive.key))
  assert.equal(removed, [b.drive])
  assert.is(multi.hasDrive(b.drive.key), undefined)
  assert.not.ok(await multi.removeDrive(b.drive.key))
  assert.equal(multi.drives, [a.drive])
  await multi.close()
})

test('new MultiDrive() and addDrive() refuse what is not a drive (EINVAL)', async () => {
  const a = await peer('a')
  for (const bad of [undefined, null, {}, 'drive']) {
    await rejects(
      Promise.resolve().then(() => new MultiDrive(bad as never)),
      'EINVAL'
    )
  }
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  await rejects(multi.addDrive({} as never), 'EINVAL')
  assert.equal(multi.drives, [a.drive])
  await multi.close()
})

test('multi.writeFile(path) writes through to the writer', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.writeFile('/example.txt', 'Hello World')
  assert.is(multi.writer, a.drive)
  assert.is((await a.drive.get('/example.txt'))?.toString(), 'Hello World')
  assert.is(await multi.readFile('/example.txt', 'utf8'), 'Hello World')
  await multi.close()
})

test('multi reads across two non-conflicting replicated drives', async () => {
  const c = await cluster(2)
  const stop = c.connect()
  const [m0, m1] = c.members
  await m0?.multi.writeFile('/example.txt', 'Hello World!')
  await m1?.multi.writeFile('/example2.txt', 'Hello World!')
  await c.settle()
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/example2.txt', 'utf8'), 'Hello World!')
    assert.equal(await m.multi.readdir('/'), ['example.txt', 'example2.txt'])
  }
  stop()
})

test('a conflicting file: the later write wins, and its name is listed once', async () => {
  let clock = 1_000
  const c = await cluster(2, () => ({ now: () => clock }))
  const [m0, m1] = c.members
  await m0?.multi.writeFile('/example.txt', 'Old')
  clock = 2_000
  await m1?.multi.writeFile('/example.txt', 'New')
  const stop = c.connect()
  await c.settle()
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/example.txt', 'utf8'), 'New')
    assert.equal(await m.multi.readdir('/'), ['example.txt'])
  }
  stop()
})

test('writing without a writable drive fails with EROFS, then works after adding one', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const stop = replicate(a, b)
  const replica = await b.open(a.drive.key)
  const multi = new MultiDrive(replica)
  await multi.ready()
  assert.is(multi.writable, false)
  await rejects(multi.writeFile('/example.txt', 'Hello World'), 'EROFS')
  await multi.addDrive(b.drive)
  assert.is(multi.writable, true)
  await multi.writeFile('/example.txt', 'Hello World')
  assert.is(await multi.readFile('/example.txt', 'utf8'), 'Hello World')
  stop()
  await multi.close()
})

test("deleting another peer's file hides it on both peers once replicated; rewriting brings it back", async () => {
  const c = await cluster(2)
  const stop = c.connect()
  const [m0, m1] = c.members as [NonNullable<(typeof c.members)[0]>, NonNullable<(typeof c.members)[1]>]
  await m0.multi.writeFile('/doc.txt', 'from p0')
  await c.settle()
  assert.is(await m1.multi.readFile('/doc.txt', 'utf8'), 'from p0')
  await m1.multi.unlink('/doc.txt')
  await c.settle()
  for (const m of c.members) {
    assert.equal(await m.multi.readdir('/'), [])
    assert.not.ok(await m.multi.exists('/doc.txt'))
    assert.is((await m.multi.getTombstone('/doc.txt'))?.key.toString('hex'), m1.peer.drive.key.toString('hex'))
  }
  // p0's own file is still in its drive; the tombstone only hides it.
  assert.ok(await m0.peer.drive.exists('/doc.txt'))
  await m0.multi.writeFile('/doc.txt', 'back again')
  await c.settle()
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/doc.txt', 'utf8'), 'back again')
    assert.is(await m.multi.getTombstone('/doc.txt'), null)
  }
  stop()
})

test('readdir after setTombstone', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.writeFile('/example.txt', 'Hello World')
  await multi.writeFile('/keep.txt', 'stays')
  await multi.setTombstone('/example.txt', true)
  assert.equal(await multi.readdir('/'), ['keep.txt'])
  assert.is(await multi.getTombstone('/example.txt'), a.drive)
  await multi.setTombstone('/example.txt', false)
  assert.equal(await multi.readdir('/'), ['example.txt', 'keep.txt'])
  assert.is(await multi.readFile('/example.txt', 'utf8'), 'Hello World')
  await multi.close()
})

test('setTombstone(path, false) brings back a file another drive deleted', async () => {
  const c = await cluster(2)
  const stop = c.connect()
  const [m0, m1] = c.members as [NonNullable<(typeof c.members)[0]>, NonNullable<(typeof c.members)[1]>]
  await m0.multi.writeFile('/f.txt', 'content')
  await c.settle()
  await m1.multi.del('/f.txt')
  await c.settle()
  assert.not.ok(await m0.multi.exists('/f.txt'))
  await m0.multi.setTombstone('/f.txt', false)
  await c.settle()
  for (const m of c.members) assert.is(await m.multi.readFile('/f.txt', 'utf8'), 'content')
  stop()
})

test('eraseTombstone removes the writer tombstones at a path and its parents', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.writeFile('/d/f.txt', 'x')
  await multi.setTombstone('/d', true)
  await multi.setTombstone('/d/f.txt', true)
  assert.equal(await multi.readdir('/'), [])
  await multi.eraseTombstone('/d/f.txt')
  assert.equal(await multi.readdir('/d'), ['f.txt'])
  assert.is(await multi.getTombstone('/d'), null)
  await multi.close()
})

test.run()
