// Waiting for a friend's data, never hanging: update(), findingPeers(), addDrive({ wait }), and
// reads with { wait, timeout } that fail with EUNAVAILABLE (the path exists) instead of pending.
import { once } from 'node:events'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { collect, rejects, settles } from '../helpers/assert.js'
import { cleanup, owned, peer, replicate, synced } from '../helpers/peers.js'

const test = suite('waiting')
test.after.each(cleanup)

/** b's MultiDrive over a replica of a's drive that knows a's files (indexed) but holds none of their content. */
async function replicaWithoutContent() {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/x.txt', Buffer.from('content'))
  const replica = await b.open(a.drive.key)
  const stop = replicate(a, b)
  await synced(replica, a.drive)
  await replica.core.download({ start: 0, end: replica.core.length }).done()
  stop()
  const mb = owned(new MultiDrive(b.drive))
  await mb.addDrive(replica)
  return { a, b, mb, replica }
}

test('multi.get(path, { wait: false }) of content not local is EUNAVAILABLE; the entry is there', async () => {
  const { mb } = await replicaWithoutContent()
  assert.is((await mb.entry('/x.txt'))?.key, '/x.txt')
  await rejects(mb.get('/x.txt', { wait: false }), 'EUNAVAILABLE')
  await rejects(mb.readFile('/x.txt', { wait: false }), 'EUNAVAILABLE')
  await rejects(collect(mb.createReadStream('/x.txt', { wait: false })), 'EUNAVAILABLE')
  await rejects(mb.get('/x.txt', { wait: 'no' as unknown as boolean }), 'EINVAL')
  await rejects(mb.get('/x.txt', { timeout: -1 }), 'EINVAL')
})

test('multi.readFile(path, { timeout }) with no peer is EUNAVAILABLE once the timeout passes', async () => {
  const { mb } = await replicaWithoutContent()
  await rejects(mb.readFile('/x.txt', { timeout: 50 }), 'EUNAVAILABLE')
  await rejects(mb.get('/x.txt', { timeout: 50 }), 'EUNAVAILABLE')
})

test('multi.close() ends reads that wait for content: EUNAVAILABLE, never pending', async () => {
  const { mb } = await replicaWithoutContent()
  const reading = mb.readFile('/x.txt')
  const streaming = collect(mb.createReadStream('/x.txt'))
  reading.catch(() => {})
  streaming.catch(() => {})
  assert.not.ok(await settles(reading), 'the read did not wait')
  await mb.close()
  await rejects(reading, 'EUNAVAILABLE')
  await rejects(streaming, 'EUNAVAILABLE')
})

test('multi.readFile(path) waits for a peer that has the content (the default: wait)', async () => {
  const { a, b, mb } = await replicaWithoutContent()
  const reading = mb.readFile('/x.txt', 'utf-8')
  replicate(a, b)
  assert.is(await reading, 'content')
})

test('multi.update() asks connected peers for the latest lengths, then has them indexed', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const replica = await b.open(a.drive.key)
  const mb = owned(new MultiDrive(b.drive))
  await mb.addDrive(replica)
  replicate(a, b)
  await once(replica.core, 'peer-add')
  await a.drive.put('/new.txt', Buffer.from('new'))
  assert.ok(await mb.update())
  assert.equal(await mb.readdir('/'), ['new.txt'])
  assert.not.ok(await mb.update(), 'nothing new, yet update() says something was indexed')
})

test('multi.addDrive(drive, { wait: true }) resolves once the friend’s files are indexed', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/theirs.txt', Buffer.from('theirs'))
  const mb = owned(new MultiDrive(b.drive))
  const done = mb.findingPeers()
  const replica = await b.open(a.drive.key)
  const adding = mb.addDrive(replica, { wait: true })
  assert.not.ok(await settles(adding), 'addDrive({ wait: true }) did not wait while peers were being found')
  replicate(a, b)
  await once(replica.core, 'peer-add')
  done()
  await adding
  assert.equal(await mb.readdir('/'), ['theirs.txt'])
})

test('multi.findingPeers(): update() waits until done() rather than concluding there is no peer', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/late.txt', Buffer.from('late'))
  const replica = await b.open(a.drive.key)
  const mb = owned(new MultiDrive(b.drive))
  await mb.addDrive(replica)
  assert.not.ok(await mb.update(), 'no peer, no finding peers: update() resolves at once')
  const done = mb.findingPeers()
  const updating = mb.update()
  assert.not.ok(await settles(updating))
  replicate(a, b)
  await once(replica.core, 'peer-add')
  done()
  assert.ok(await updating)
  assert.equal(await mb.readdir('/'), ['late.txt'])
  done() // a second call is a no-op
})

test('multi.update() after close is ECLOSED', async () => {
  const a = await peer('a')
  const ma = new MultiDrive(a.drive)
  await ma.close()
  await rejects(ma.update(), 'ECLOSED')
})

test.run()
