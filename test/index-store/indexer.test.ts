// The indexer on a real (in-memory LevelDB) store: an event of our own append is folded while the
// append lands and committed only once it has, so the index is never ahead of the drive.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { IndexBus } from '../../src/events/bus.js'
import type { DriveKey, DrivePath, RecordOp } from '../../src/events/types.js'
import { Indexer } from '../../src/index-store/indexer.js'
import { createIndexStore } from '../../src/index-store/store.js'

const test = suite('indexer')
const A = 'a'.repeat(64) as DriveKey

function fileAt(path: string, seq: number): RecordOp {
  return {
    op: 'put',
    record: {
      drive: A,
      sub: 'files',
      path: path as DrivePath,
      seq,
      kind: 'file',
      stamp: { t: 1, clock: {} },
      blob: null
    }
  }
}

async function running() {
  const store = createIndexStore()
  const indexer = new Indexer({ store, resolver: 'causal' })
  await indexer.open()
  const bus = new IndexBus()
  const loop = indexer.run(bus)
  const stop = async () => {
    bus.close(new Error('done'))
    await loop
    await store.close()
  }
  return { store, indexer, bus, stop }
}

function deferred() {
  let resolve = () => {}
  let reject: (err: Error) => void = () => {}
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

test('records whose append has not landed are not committed until it has', async () => {
  const { store, indexer, bus, stop } = await running()
  const checkpoint = { version: 2, fork: 0 }
  // The indexer awaits the landing once it has folded the event: what the index holds then is
  // what a reader sees while the append is still landing.
  let whileLanding: { winner: unknown; checkpoint: unknown } | undefined
  const landed: PromiseLike<void> = {
    // biome-ignore lint/suspicious/noThenProperty: a thenable, to see the moment the indexer awaits it.
    then(onLanded, onFailed) {
      whileLanding = { winner: store.winner('/a' as DrivePath), checkpoint: indexer.checkpoint(A) }
      return Promise.resolve().then(onLanded, onFailed)
    }
  }
  await bus.submit({ type: 'records', drive: A, ops: [fileAt('/a', 1)], checkpoint, landed })
  assert.equal(whileLanding, { winner: null, checkpoint: null })
  assert.is(store.winner('/a' as DrivePath)?.winner?.drive, A)
  assert.equal(indexer.checkpoint(A), checkpoint)
  await stop()
})

test('an append that fails: its records never reach the index, and the next event folds as usual', async () => {
  const { store, indexer, bus, stop } = await running()
  const landing = deferred()
  const failed = bus.submit({
    type: 'records',
    drive: A,
    ops: [fileAt('/a', 1)],
    checkpoint: { version: 2, fork: 0 },
    landed: landing.promise
  })
  const failure = new Error('append failed')
  landing.reject(failure)
  assert.is(
    await failed.then(
      () => 'committed',
      (err: unknown) => err
    ),
    failure
  )
  assert.is(store.winner('/a' as DrivePath), null)
  assert.is(indexer.checkpoint(A), null)
  await bus.submit({ type: 'records', drive: A, ops: [fileAt('/b', 1)], checkpoint: { version: 2, fork: 0 } })
  assert.is(store.winner('/a' as DrivePath), null)
  assert.is(store.winner('/b' as DrivePath)?.winner?.drive, A)
  assert.equal(indexer.checkpoint(A), { version: 2, fork: 0 })
  await stop()
})

test.run()
