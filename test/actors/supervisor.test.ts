// Drive actors: lifecycle states of the xstate machine around a real drive, and the pull contract
// (the next batch is read only after the previous one was committed).
import { once } from 'node:events'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readDrive } from '../../src/actors/drive-reader.js'
import { DriveSupervisor } from '../../src/actors/supervisor.js'
import type { DriveKey, IndexEvent } from '../../src/events/types.js'
import { cleanup, peer, replicate } from '../helpers/peers.js'

const test = suite('actors')
test.after.each(cleanup)

function keyOf(drive: { key: Buffer }): DriveKey {
  return drive.key.toString('hex') as DriveKey
}

test('supervisor.start(key, drive): opening -> catchingUp -> live; every change is read', async () => {
  const a = await peer('a')
  const reads: number[] = []
  let settle: (() => void) | null = null
  const supervisor = new DriveSupervisor({
    read: async (drive) => {
      reads.push(drive.core.length)
      settle?.()
      return 'complete'
    }
  })
  const key = keyOf(a.drive)
  const caughtUp = () => new Promise<void>((resolve) => (settle = resolve))
  const first = caughtUp()
  supervisor.start(key, a.drive)
  assert.is(supervisor.state(key), 'opening')
  await first
  await supervisor.whenState(key, 'live')
  const before = reads.length
  const next = caughtUp()
  await a.drive.put('/x', Buffer.from('x'))
  await next
  assert.ok(reads.length > before)
  assert.is(reads.at(-1), a.drive.core.length)
  await supervisor.stop(key)
  assert.is(supervisor.state(key), null)
})

test('a failing read retries with backoff and recovers', async () => {
  const a = await peer('a')
  let attempts = 0
  const errors: unknown[] = []
  let recovered: () => void = () => {}
  const done = new Promise<void>((resolve) => (recovered = resolve))
  const supervisor = new DriveSupervisor({
    read: async () => {
      attempts++
      if (attempts < 3) throw new Error(`flaky ${attempts}`)
      recovered()
      return 'complete'
    },
    onError: (_, err) => errors.push(err)
  })
  const key = keyOf(a.drive)
  supervisor.start(key, a.drive)
  await done
  assert.is(attempts, 3)
  assert.is(errors.length, 2)
  await supervisor.stopAll()
})

test('a replica with no peers waits for peers, then catches up when one connects', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/x', Buffer.from('x'))
  const replica = await b.open(a.drive.key)
  const key = keyOf(replica)
  let reads = 0
  const supervisor = new DriveSupervisor({
    read: async () => {
      reads++
      return 'complete'
    }
  })
  supervisor.start(key, replica)
  await supervisor.whenState(key, 'waitingForPeers')
  const readsBefore = reads
  const stop = replicate(a, b)
  await once(replica.core, 'peer-add')
  await supervisor.whenState(key, 'live')
  assert.ok(reads > readsBefore)
  stop()
  await supervisor.stopAll()
})

test('readDrive pulls: it reads the next batch only after the previous one was committed', async () => {
  const a = await peer('a')
  for (let i = 0; i < 10; i++) await a.drive.put(`/f${i}`, Buffer.from(String(i)))
  const events: IndexEvent[] = []
  let inFlight = 0
  let maxInFlight = 0
  let nodes = 0
  await readDrive({
    drive: a.drive,
    key: keyOf(a.drive),
    from: null,
    batchSize: 3,
    warn: () => {},
    onRead: (n) => {
      nodes += n
    },
    submit: async (event) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      events.push(event)
      await new Promise((resolve) => setImmediate(resolve))
      inFlight--
    }
  })
  assert.is(maxInFlight, 1)
  assert.is(nodes, a.drive.core.length - 1) // every block but the header
  // A drive never indexed is read from the start of its log, three ops per batch, each batch
  // carrying the checkpoint it reaches.
  assert.equal(
    events.map((e) => (e.type === 'records' ? e.ops.length : -1)),
    [3, 3, 3, 1]
  )
  assert.equal(events.at(-1)?.checkpoint, { version: a.drive.core.length, fork: a.drive.core.fork })
  const versions = events.map((e) => e.checkpoint?.version ?? 0)
  assert.equal(
    versions,
    [...versions].sort((x, y) => x - y)
  )
})

test.run()
