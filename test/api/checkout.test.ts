// multi.checkout(version): the merged view as it was at a version vector, read-only.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { rejects, throws } from '../helpers/assert.js'
import { cleanup, keyOf, owned, peer, replicate, synced } from '../helpers/peers.js'

const test = suite('checkout')
test.after.each(cleanup)

test('multi.checkout(multi.version) reads the merged view as it was, across drives', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const ma = new MultiDrive(a.drive)
  owned(ma)
  const bOnA = await a.open(b.drive.key)
  replicate(a, b)
  await b.drive.put('/b.txt', Buffer.from('b1'))
  await synced(bOnA, b.drive)
  await ma.addDrive(bOnA)
  await ma.writeFile('/a.txt', 'a1')
  await ma.mkdir('/dir')
  const version = ma.version
  // Later: a deletes b's file, rewrites its own, b writes another.
  await ma.del('/b.txt')
  await ma.writeFile('/a.txt', 'a2')
  await b.drive.put('/b2.txt', Buffer.from('b2'))
  await synced(bOnA, b.drive)
  await ma.flush()
  assert.equal(await ma.readdir('/'), ['a.txt', 'b2.txt', 'dir'])

  const then = ma.checkout(version)
  assert.equal(await then.readdir('/'), ['a.txt', 'b.txt', 'dir'])
  assert.is(await then.readFile('/a.txt', 'utf-8'), 'a1')
  assert.is(await then.readFile('/b.txt', 'utf-8'), 'b1')
  assert.ok((await then.stat('/dir')).isDirectory())
  assert.is((await then.whoWins('/b.txt')).winner?.drive, keyOf(b.drive))
  assert.equal(then.version, version)
  assert.is(then.writable, false)
  await rejects(then.writeFile('/c.txt', 'c'), 'EROFS')
  await rejects(then.del('/a.txt'), 'EROFS')
  // The checkout is its own MultiDrive: closing it leaves the drives open for the live view.
  await then.close()
  assert.is(await ma.readFile('/a.txt', 'utf-8'), 'a2')
})

test('multi.checkout(version) rejects what is not a version of the added drives', async () => {
  const a = await peer('a')
  const ma = new MultiDrive(a.drive)
  owned(ma)
  await ma.writeFile('/a.txt', 'a')
  throws(() => ma.checkout(null as unknown as Record<string, number>), 'EINVAL')
  throws(() => ma.checkout({ [keyOf(a.drive)]: a.drive.core.length + 1 }), 'EINVAL')
  throws(() => ma.checkout({ ['ab'.repeat(32)]: 1 }), 'EUNKNOWNDRIVE')
})

test('multi.close() closes its checkouts', async () => {
  const a = await peer('a')
  const ma = new MultiDrive(a.drive)
  await ma.writeFile('/a.txt', 'a')
  const then = ma.checkout(ma.version)
  assert.equal(await then.readdir('/'), ['a.txt'])
  await ma.close()
  assert.ok(then.closed)
  await rejects(then.readdir('/'), 'ECLOSED')
})

test.run()
