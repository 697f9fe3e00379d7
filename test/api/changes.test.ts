// The merged change stream: what changes$ emits, and when.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type MergedChange, MultiDrive } from '../../src/index.js'
import { cleanup, peer, replicate, synced } from '../helpers/peers.js'

const test = suite('changes')
test.after.each(cleanup)

test('changes$: a rewritten history that reuses a seq with other content emits the change', async () => {
  const a = await peer('a')
  const b = await peer('b')
  let stop = replicate(a, b)
  await a.drive.put('/keep', Buffer.from('keep'))
  const mark = a.drive.core.length
  await a.drive.put('/f', Buffer.from('v1'))
  const aOnB = await b.open(a.drive.key)
  await synced(aOnB, a.drive)
  const multi = new MultiDrive(b.drive)
  await multi.ready()
  await multi.addDrive(aOnB)
  const before = await multi.entry('/f')
  assert.is(before?.value.blob?.byteLength, 2)
  stop()

  // a rewrites its history: /f is written again at the same seq, with other content.
  await a.drive.truncate(mark)
  await a.drive.put('/f', Buffer.from('version 2'))
  const seen: MergedChange[] = []
  const sub = multi.changes$.subscribe((change) => seen.push(change))
  stop = replicate(a, b)
  await synced(aOnB, a.drive)
  await multi.flush()
  sub.unsubscribe()
  const after = await multi.entry('/f')
  assert.is(after?.seq, before?.seq)
  assert.is(after?.value.blob?.byteLength, 9)
  assert.ok(
    seen.some((c) => c.path === '/f'),
    `no change for /f although its entry changed (changes: ${JSON.stringify(seen.map((c) => c.path))})`
  )
  stop()
  await multi.close()
})

test.run()
