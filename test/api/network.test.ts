// The primary's network face: peer events and replication extensions.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { cleanup, owned, peer, replicate } from '../helpers/peers.js'

const test = suite('network')
test.after.each(cleanup)

test("multi emits 'peer-add' and 'peer-remove' for the primary's peers", async () => {
  const a = await peer('a')
  const b = await peer('b')
  const ma = owned(new MultiDrive(a.drive))
  const mb = owned(new MultiDrive(await b.open(a.drive.key)))
  await Promise.all([ma.ready(), mb.ready()])
  const added = new Promise((resolve) => ma.once('peer-add', resolve))
  const stop = replicate(a, b)
  await added
  assert.is(ma.peers.length, 1)
  assert.ok(mb.key.equals(ma.key))
  assert.ok(mb.discoveryKey.equals(ma.discoveryKey))
  const removed = new Promise((resolve) => ma.once('peer-remove', resolve))
  stop()
  await removed
  assert.is(ma.peers.length, 0)
})

test('multi.registerExtension(name) sends messages over the primary core', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const ma = owned(new MultiDrive(a.drive))
  const mb = owned(new MultiDrive(await b.open(a.drive.key)))
  await Promise.all([ma.ready(), mb.ready()])
  const received = new Promise<unknown>((resolve) =>
    mb.registerExtension('chat', { encoding: 'json', onmessage: resolve })
  )
  const chat = ma.registerExtension<{ hello: string }>('chat', { encoding: 'json' })
  const connected = new Promise((resolve) => ma.once('peer-add', resolve))
  const stop = replicate(a, b)
  await connected
  chat.broadcast({ hello: 'b' })
  assert.equal(await received, { hello: 'b' })
  stop()
})

test.run()
