// Mounts: a mount record (replicated, stamped, resolved like any record) shows a drive's tree at a
// path while it wins there; unmount, or a newer record over it, takes the tree away again.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { rejects } from '../helpers/assert.js'
import { cluster, type Member } from '../helpers/cluster.js'
import { cleanup, keyOf, localDrive, peer, synced } from '../helpers/peers.js'

const test = suite('mounts')
test.after.each(cleanup)

/**
 * A peer whose MultiDrive merges its own drive, with a second drive (to mount) in its store,
 * written and closed: a drive's core opens for one Hyperdrive at a time, and the mount opens it.
 */
async function withLibrary() {
  const a = await peer('a')
  const library = await localDrive(a, 'library')
  await library.put('/books/one.txt', Buffer.from('one'))
  await library.put('/books/two.txt', Buffer.from('two'))
  await library.close()
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  return { a, library, multi }
}

/** Resolves once a mounted path lists `names` (the mounted drive is indexed after the mount lands). */
async function listed(multi: MultiDrive, path: string, names: string[]): Promise<void> {
  const matches = async () => JSON.stringify(await multi.readdir(path)) === JSON.stringify(names)
  if (await matches()) return
  await new Promise<void>((resolve, reject) => {
    const sub = multi.changes$.subscribe({
      next: () => {
        matches().then((ok) => {
          if (!ok) return
          sub.unsubscribe()
          resolve()
        }, reject)
      },
      error: reject
    })
  })
}

test('multi.mount(path, key) shows the drive at the path; stat(path).mount names it', async () => {
  const { library, multi } = await withLibrary()
  await multi.writeFile('/mine.txt', 'mine')
  await multi.mount('/lib', library.key)
  await listed(multi, '/lib/books', ['one.txt', 'two.txt'])
  assert.equal(await multi.readdir('/'), ['lib', 'mine.txt'])
  assert.is(await multi.readFile('/lib/books/two.txt', 'utf-8'), 'two')
  const stat = await multi.stat('/lib')
  assert.ok(stat.isDirectory())
  assert.equal(stat.mount, { key: keyOf(library) })
  assert.is((await multi.stat('/lib/books/one.txt')).mount, null)
  const verified = await multi.verify()
  assert.ok(verified.ok, JSON.stringify(verified.differences))
  await multi.close()
})

test('multi.version names drives only, so checkout(multi.version) works with a mount (which it does not show)', async () => {
  const { a, library, multi } = await withLibrary()
  await multi.writeFile('/mine.txt', 'mine')
  await multi.mount('/lib', library.key)
  await listed(multi, '/lib/books', ['one.txt', 'two.txt'])
  assert.equal(Object.keys(multi.version), [keyOf(a.drive)])
  const past = multi.checkout(multi.version)
  assert.equal(await past.readdir('/'), ['lib', 'mine.txt'])
  assert.equal(await past.readdir('/lib'), [], 'a checkout opens no mounted drive')
  await past.close()
  await multi.close()
})

test('a mounted drive that is also added stays live: its new files show under the mount point too', async () => {
  const { a, library, multi } = await withLibrary()
  const added = await localDrive(a, 'library')
  await multi.addDrive(added)
  await multi.mount('/lib', library.key.toString('hex'))
  await listed(multi, '/lib/books', ['one.txt', 'two.txt'])
  await added.put('/books/three.txt', Buffer.from('three'))
  await listed(multi, '/lib/books', ['one.txt', 'three.txt', 'two.txt'])
  await listed(multi, '/books', ['one.txt', 'three.txt', 'two.txt'])
  await multi.close()
})

test('multi.unmount(path) takes the tree away; EINVAL where no mount wins, EEXIST to mount over a file', async () => {
  const { library, multi } = await withLibrary()
  await multi.writeFile('/file', 'x')
  await rejects(multi.mount('/file', library.key), 'EEXIST')
  await rejects(multi.unmount('/file'), 'EINVAL')
  await rejects(multi.mount('/lib', 'not a key'), 'EINVAL')
  await multi.mount('/lib', library.key)
  await listed(multi, '/lib/books', ['one.txt', 'two.txt'])
  await multi.unmount('/lib')
  await listed(multi, '/', ['file'])
  await rejects(multi.stat('/lib/books/one.txt'), 'ENOENT')
  const verified = await multi.verify()
  assert.ok(verified.ok, JSON.stringify(verified.differences))
  await multi.close()
})

test("another writer's mount replicates; a newer record over it (a tombstone of p1's) shadows it on every peer", async () => {
  const c = await cluster(2)
  const [m0, m1] = c.members as [Member, Member]
  const stop = c.connect()
  // The mounted drive lives in p0's store; p1 gets it through the same replication.
  const library = await localDrive(m0.peer, 'library')
  await library.put('/readme', Buffer.from('shared'))
  const onP1 = await m1.peer.open(library.key)
  await synced(onP1, library)
  await onP1.core.download({ start: 0, end: onP1.core.length }).done()
  // Each peer's MultiDrive opens the mounted drive itself (one Hyperdrive per core at a time).
  await Promise.all([library.close(), onP1.close()])
  await m0.multi.mount('/lib', library.key)
  await c.settle()
  for (const m of c.members) {
    await listed(m.multi, '/lib', ['readme'])
    assert.is(await m.multi.readFile('/lib/readme', 'utf-8'), 'shared')
  }
  // p1, having seen the mount, deletes what wins at the mount point: its tombstone dominates the mount.
  await m1.multi.writeFile('/other', 'x')
  await m1.multi.del('/lib')
  await c.settle()
  for (const m of c.members) {
    await listed(m.multi, '/', ['other'])
    assert.is((await m.multi.whoWins('/lib')).winner?.kind, 'tombstone')
    const verified = await m.multi.verify()
    assert.ok(verified.ok, JSON.stringify(verified.differences))
  }
  stop()
})

test('a persistent index remounts at open', async () => {
  const a = await peer('a')
  const library = await localDrive(a, 'library')
  await library.put('/x', Buffer.from('x'))
  await library.close()
  const db = new (await import('memory-level')).MemoryLevel()
  const first = new MultiDrive(a.drive, { index: db })
  await first.ready()
  await first.mount('/m', library.key)
  await listed(first, '/m', ['x'])
  await first.close()
  const Hyperdrive = (await import('hyperdrive')).default
  const second = new MultiDrive(new Hyperdrive(a.store.namespace('own')), { index: db })
  await second.ready()
  await listed(second, '/m', ['x'])
  assert.is(await second.readFile('/m/x', 'utf-8'), 'x')
  await second.close()
})

test.run()
