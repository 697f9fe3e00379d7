// The lifecycle of a MultiDrive: ready() and close() once, idempotent, close waits for what it
// must (file descriptors written back, actors stopped) and never for the network.
import Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { settles } from '../helpers/assert.js'
import { cleanup, fill, keyOf, peer, replicate, synced } from '../helpers/peers.js'

const test = suite('lifecycle')
test.after.each(cleanup)

test('concurrent multi.close() with a dirty file descriptor: both resolve, the file is written once', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  const fd = await multi.open('/f', 'w')
  await multi.write(fd, Buffer.from('hello'))
  const results = await Promise.allSettled([multi.close(), multi.close()])
  const failure = results.find((r) => r.status === 'rejected')
  assert.is(failure, undefined, `a concurrent close() failed: ${String((failure as PromiseRejectedResult)?.reason)}`)
  const reopened = new Hyperdrive(a.store.namespace('own'))
  assert.is((await reopened.get('/f'))?.toString(), 'hello')
  await reopened.close()
})

test('close() while flush() waits for an actor: flush settles', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  // A backlog written straight to the drive: the actor is still reading it when close() comes.
  await fill(a.drive, 3000)
  const flushing = multi.flush()
  flushing.catch(() => {})
  await multi.close()
  assert.ok(await settles(flushing), 'flush() never settles once close() stopped the actor it waits for')
})

test('close() while an actor waits for a block no connected peer has: close settles', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const c = await peer('c')
  await fill(a.drive, 10)
  // c holds a's length and its last block (the tree's root), none of the records before it.
  const aOnC = await c.open(a.drive.key)
  const stopAC = replicate(a, c)
  await synced(aOnC, a.drive)
  const last = aOnC.core.length - 1
  await aOnC.core.get(last)
  stopAC()
  const aOnB = await b.open(a.drive.key)
  const multi = new MultiDrive(b.drive)
  await multi.ready()
  await multi.addDrive(aOnB)
  const downloaded = new Promise<void>((resolve) => {
    // ('download' is missing from types/.)
    const core = aOnB.core as unknown as { on(event: 'download', listener: (index: number) => void): void }
    core.on('download', (index) => {
      if (index === last) resolve()
    })
  })
  replicate(b, c)
  await synced(aOnB, a.drive)
  // The actor got the one block c has and now waits for blocks c does not have.
  await downloaded
  assert.is(multi.stats[keyOf(aOnB)]?.state, 'catchingUp')
  // No peer will ever have those blocks: a close that waited for the read would wait until the
  // block request times out (5 s). Aborting cancels the request, so close takes a few milliseconds.
  const started = Date.now()
  await multi.close()
  assert.ok(Date.now() - started < 2500, 'close() waits for the network: the aborted read is never cancelled')
})

test('addDrive() racing close(): addDrive settles and no actor outlives close', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  const other = new Hyperdrive(a.store.namespace('other'))
  const adding = multi.addDrive(other)
  adding.catch(() => {})
  await multi.close()
  await other.ready()
  assert.is(multi.stats[keyOf(other)]?.state ?? null, null, 'an actor was started after close()')
  assert.ok(await settles(adding), 'addDrive() never settles')
})

test.run()
