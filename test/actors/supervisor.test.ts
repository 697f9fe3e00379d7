// Drive actors: lifecycle states of the xstate machine around a real drive, and the pull contract
// (the next batch is read only after the previous one was committed).
import { once } from 'node:events'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readDrive } from '../../src/actors/drive-reader.js'
import { DriveSupervisor } from '../../src/actors/supervisor.js'
import type { Checkpoint, DriveKey, IndexEvent } from '../../src/events/types.js'
import { cleanup, keyOf as hexOf, peer, replicate } from '../helpers/peers.js'

const test = suite('actors')
test.after.each(cleanup)

const keyOf = (drive: { key: Buffer }) => hexOf(drive) as DriveKey

test('supervisor.start(key, drive): opening -> catchingUp -> live; every change is read', async () => {
  const a = await peer('a')
  let checkpoint = null as Checkpoint | null
  let committed: () => void = () => {}
  const supervisor = new DriveSupervisor({
    checkpoint: () => checkpoint,
    submit: async (event) => {
      if (event.checkpoint !== null) checkpoint = event.checkpoint
      committed()
    },
    warn: () => {}
  })
  /** Resolves once the supervisor has handed on everything up to the drive's length. */
  const caughtUp = async () => {
    while (checkpoint?.version !== a.drive.core.length) await new Promise<void>((resolve) => (committed = resolve))
  }
  const key = keyOf(a.drive)
  supervisor.start(key, a.drive)
  assert.is(supervisor.stats(key).state, 'opening')
  await caughtUp()
  await supervisor.whenState(key, ['live'])
  await a.drive.put('/x', Buffer.from('x'))
  await caughtUp()
  assert.is(checkpoint?.version, a.drive.core.length)
  await supervisor.stop(key)
  assert.is(supervisor.stats(key).state, null)
})

test('a failing commit retries with backoff and recovers', async () => {
  const a = await peer('a')
  await a.drive.put('/x', Buffer.from('x'))
  let attempts = 0
  const warnings: string[] = []
  const supervisor = new DriveSupervisor({
    checkpoint: () => null,
    submit: async () => {
      attempts++
      if (attempts < 3) throw new Error(`flaky ${attempts}`)
    },
    warn: (message) => warnings.push(message)
  })
  const key = keyOf(a.drive)
  supervisor.start(key, a.drive)
  await supervisor.whenState(key, ['live'])
  assert.is(attempts, 3)
  assert.is(warnings.length, 2)
  assert.is(supervisor.stats(key).lastError, null)
  await supervisor.stopAll()
})

test('a replica lacking blocks with no peers waits for peers, then catches up when one connects', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/x', Buffer.from('x'))
  const replica = await b.open(a.drive.key)
  const key = keyOf(replica)
  // The replica learns a's length, not its blocks.
  let stop = replicate(a, b)
  await once(replica.core, 'peer-add')
  await replica.core.update({ wait: true })
  stop()
  let checkpoint = null as Checkpoint | null
  let committed: () => void = () => {}
  const supervisor = new DriveSupervisor({
    checkpoint: () => checkpoint,
    submit: async (event) => {
      if (event.checkpoint !== null) checkpoint = event.checkpoint
      committed()
    },
    warn: () => {}
  })
  supervisor.start(key, replica)
  await supervisor.whenState(key, ['waitingForPeers'])
  assert.is(checkpoint?.version ?? 0, 0)
  stop = replicate(a, b)
  while (checkpoint?.version !== a.drive.core.length) await new Promise<void>((resolve) => (committed = resolve))
  await supervisor.whenState(key, ['live'])
  assert.ok(supervisor.stats(key).nodesRead > 0)
  stop()
  await supervisor.stopAll()
})

test('a replica read to its length is live without peers', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/x', Buffer.from('x'))
  const replica = await b.open(a.drive.key)
  const stop = replicate(a, b)
  await once(replica.core, 'peer-add')
  await replica.core.update({ wait: true })
  await replica.core.download({ start: 0, end: replica.core.length }).done()
  stop()
  let checkpoint = null as Checkpoint | null
  const supervisor = new DriveSupervisor({
    checkpoint: () => checkpoint,
    submit: async (event) => {
      if (event.checkpoint !== null) checkpoint = event.checkpoint
    },
    warn: () => {}
  })
  supervisor.start(keyOf(replica), replica)
  await supervisor.whenState(keyOf(replica), ['live'])
  assert.is(checkpoint?.version, a.drive.core.length)
  assert.is(replica.core.peers.length, 0)
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
