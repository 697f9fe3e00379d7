// Progress a user can follow: 'indexed' per drive as it catches up, `stats[key].state` live once a
// drive's indexed length reaches its length; typed events.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type IndexProgress, MultiDrive } from '../../src/index.js'
import { cleanup, fill, keyOf, owned, peer, replicate, synced } from '../helpers/peers.js'

const test = suite('progress')
test.after.each(cleanup)

test("multi.stats[writer].state is 'live' as soon as a write resolves, after many writes", async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  owned(multi)
  for (let i = 0; i < 30; i++) {
    await multi.put(`/f${i}`, Buffer.from(String(i)))
    assert.is(multi.stats[keyOf(a.drive)]?.state, 'live', `after write ${i}`)
  }
  assert.is(multi.stats[keyOf(a.drive)]?.indexed, a.drive.core.length)
})

test("multi.on('indexed') reports a replica catching up batch by batch; then it is 'live', peers or not", async () => {
  const a = await peer('a')
  const b = await peer('b')
  await fill(a.drive, 2500)
  const replica = await b.open(a.drive.key)
  const stop = replicate(a, b)
  await synced(replica, a.drive)
  const multi = new MultiDrive(b.drive)
  owned(multi)
  const seen: IndexProgress[] = []
  multi.on('indexed', (drive, progress) => {
    if (drive === replica) seen.push(progress)
  })
  await multi.addDrive(replica)
  assert.ok(seen.length >= 3, `${seen.length} events for 2,500 records in batches of 1,024`)
  assert.equal(
    seen.map((p) => p.indexed),
    [...seen.map((p) => p.indexed)].sort((x, y) => x - y)
  )
  assert.equal(seen.at(-1), { indexed: a.drive.core.length, length: a.drive.core.length })
  assert.is(multi.stats[keyOf(replica)]?.state, 'live')
  stop()
  await multi.flush()
  assert.is(multi.stats[keyOf(replica)]?.state, 'live')
})

test('multi.on(event, listener) is typed: names and listeners are checked', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  owned(multi)
  const added = new Promise<string>((resolve) => multi.once('drive-add', (drive) => resolve(keyOf(drive))))
  // @ts-expect-error: no such event
  multi.on('drive-addd', () => {})
  // @ts-expect-error: an 'indexed' listener gets (drive, progress)
  multi.on('indexed', (progress: string) => progress)
  assert.is(await added, keyOf(a.drive))
})

test.run()
