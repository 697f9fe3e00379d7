/**
 * The supervisor spawns one actor per drive and stops them. It provides the machine's effects: open
 * the drive, watch its core, and catch up by reading the drive from wherever the index stands
 * (src/actors/drive-reader). It owns how drives are read: how many read at once, one rescan at a
 * time, how many nodes each read. Stopping an actor waits until its read can no longer hand
 * anything on.
 */
import type Hyperdrive from 'hyperdrive'
import mutexify from 'mutexify/promise.js'
import { type Actor, createActor, fromCallback, fromPromise, waitFor } from 'xstate'
import type { Warn } from '../events/records.js'
import type { Checkpoint, DriveKey, IndexEvent } from '../events/types.js'
import { type CatchUpOutcome, type DriveActorEvent, type DriveActorState, driveMachine } from './drive-machine.js'
import { type ReadOutcome, readDrive } from './drive-reader.js'

export interface SupervisorOptions {
  /** Where the index stands for a drive (null: never indexed). */
  checkpoint: (key: DriveKey) => Checkpoint | null
  /** Hands an event to the indexer; resolves once it is committed. */
  submit: (event: IndexEvent) => Promise<void>
  /** Undecodable remote data, failed reads (the actor retries). */
  warn: Warn
  /** Records per batch (default: the reader's). */
  batchSize?: number
  /** How far to read a drive (default: its core's length; a checkout's is its version). */
  lengthOf?: (drive: Hyperdrive) => number
}

/** What the supervisor knows of a drive's actor. */
export interface ActorStats {
  state: DriveActorState | null
  nodesRead: number
  lastError: string | null
}

/**
 * Runs at most `n` tasks at once (a counting semaphore). Written here rather than taken from
 * p-limit: that package ships ESM only, and this code also builds to CommonJS.
 */
function limit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: (() => void)[] = []
  return async (fn) => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve))
    else active++
    try {
      return await fn()
    } finally {
      // The slot passes straight to the next task in line, or frees up.
      const next = queue.shift()
      if (next) next()
      else active--
    }
  }
}

interface Supervised {
  actor: Actor<typeof driveMachine>
  inflight: Promise<ReadOutcome> | null
}

export class DriveSupervisor {
  private readonly actors = new Map<DriveKey, Supervised>()
  private readonly nodesRead = new Map<DriveKey, number>()
  private readonly options: SupervisorOptions
  /** Rescans walk a Hyperbee tree through a cache of up to 65,536 nodes: one at a time. */
  private readonly rescanLock = mutexify()
  /** Two drives at a time read and commit a batch: one reads while the other's batch is folded. */
  private readonly gate = limit(2)
  private stopped = false

  constructor(options: SupervisorOptions) {
    this.options = options
  }

  /** Spawns the drive's actor (once per key; never after `stopAll`). */
  start(key: DriveKey, drive: Hyperdrive): void {
    if (this.stopped) throw new Error('the supervisor is stopped')
    if (this.actors.has(key)) return
    const entry: Supervised = { actor: undefined as never, inflight: null }
    const machine = driveMachine.provide({
      actors: {
        open: fromPromise(() => drive.ready()),
        catchUp: fromPromise<CatchUpOutcome>(async ({ signal }) => {
          const run = this.catchUp(drive, key, signal)
          entry.inflight = run
          let outcome: ReadOutcome
          try {
            outcome = await run
          } catch (err) {
            if (!signal.aborted) this.options.warn(`reading drive ${key} failed, retrying: ${(err as Error).message}`)
            throw err
          } finally {
            entry.inflight = null
          }
          // Only a read that lacked blocks waits for peers: a replica read to its length is live,
          // peers or not (a peer that brings more appends, which wakes the actor).
          return outcome === 'no-peers' ? 'no-peers' : 'caught-up'
        }),
        watch: fromCallback<DriveActorEvent>(({ sendBack }) => {
          const core = drive.core
          const changed = () => sendBack({ type: 'CHANGED' })
          const peerAdd = () => sendBack({ type: 'PEER_ADD' })
          const closed = () => sendBack({ type: 'DRIVE_CLOSED' })
          core.on('append', changed)
          core.on('truncate', changed)
          core.on('peer-add', peerAdd)
          core.on('close', closed)
          return () => {
            core.off('append', changed)
            core.off('truncate', changed)
            core.off('peer-add', peerAdd)
            core.off('close', closed)
          }
        })
      }
    })
    entry.actor = createActor(machine)
    this.actors.set(key, entry)
    entry.actor.start()
  }

  /** The lifecycle state of a drive's actor, or null if it has none. */
  state(key: DriveKey): DriveActorState | null {
    return this.actors.get(key)?.actor.getSnapshot().value ?? null
  }

  /** State, nodes read so far, and the last error of a drive's actor. */
  stats(key: DriveKey): ActorStats {
    const snapshot = this.actors.get(key)?.actor.getSnapshot()
    return {
      state: snapshot?.value ?? null,
      nodesRead: this.nodesRead.get(key) ?? 0,
      lastError: snapshot?.context.lastError ?? null
    }
  }

  /** Resolves when the drive's actor is in `state` (rejects if it has no actor or stops first). */
  async whenState(key: DriveKey, state: DriveActorState): Promise<void> {
    const entry = this.actors.get(key)
    if (!entry) throw new Error(`no actor for drive ${key}`)
    await waitFor(entry.actor, (snapshot) => snapshot.value === state || snapshot.status !== 'active')
    if (entry.actor.getSnapshot().value !== state) throw new Error(`actor for drive ${key} stopped`)
  }

  /** Stops the actor and waits until its reader has settled (nothing more reaches the indexer). */
  async stop(key: DriveKey): Promise<void> {
    const entry = this.actors.get(key)
    if (!entry) return
    this.actors.delete(key)
    entry.actor.stop()
    await entry.inflight?.catch(() => {})
  }

  /** Stops every actor, for good. */
  async stopAll(): Promise<void> {
    this.stopped = true
    await Promise.all([...this.actors.keys()].map((key) => this.stop(key)))
  }

  /**
   * Reads a drive from its first record up to `to` (its length if undefined), waiting for missing
   * blocks however long it takes, handing each batch to `submit`: a one-off full read (verify).
   */
  async readAll(
    drive: Hyperdrive,
    key: DriveKey,
    to: number | undefined,
    submit: (event: IndexEvent) => Promise<void>
  ): Promise<void> {
    await readDrive({ drive, key, from: null, to, submit, warn: () => {}, patient: true })
  }

  private catchUp(drive: Hyperdrive, key: DriveKey, signal: AbortSignal): Promise<ReadOutcome> {
    return readDrive({
      drive,
      key,
      from: this.options.checkpoint(key),
      to: this.options.lengthOf?.(drive),
      submit: this.options.submit,
      warn: this.options.warn,
      signal,
      rescanLock: this.rescanLock,
      gate: this.gate,
      batchSize: this.options.batchSize,
      onRead: (nodes) => this.nodesRead.set(key, (this.nodesRead.get(key) ?? 0) + nodes)
    })
  }
}
