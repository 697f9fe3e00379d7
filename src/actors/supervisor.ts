/**
 * The supervisor spawns one actor per drive and stops them. It provides the machine's effects: open
 * the drive, watch its core, and catch up by calling the injected `read`, whose in-flight run it
 * tracks so that stopping an actor waits until it can no longer hand anything to the indexer.
 */
import type Hyperdrive from 'hyperdrive'
import { type Actor, createActor, fromCallback, fromPromise, waitFor } from 'xstate'
import type { DriveKey } from '../events/types.js'
import { type CatchUpOutcome, type DriveActorEvent, type DriveActorState, driveMachine } from './drive-machine.js'
import type { ReadOutcome } from './drive-reader.js'

/** Reads the drive from wherever the index stands up to its current length. */
export type ReadDrive = (drive: Hyperdrive, key: DriveKey, signal: AbortSignal) => Promise<ReadOutcome>

export interface SupervisorOptions {
  read: ReadDrive
  /** A catch-up failed (the actor retries with backoff). */
  onError?: (key: DriveKey, err: unknown) => void
}

interface Supervised {
  drive: Hyperdrive
  actor: Actor<typeof driveMachine>
  inflight: Promise<ReadOutcome> | null
}

export class DriveSupervisor {
  private readonly actors = new Map<DriveKey, Supervised>()
  private stopped = false
  private readonly read: ReadDrive
  private readonly onError: (key: DriveKey, err: unknown) => void

  constructor({ read, onError }: SupervisorOptions) {
    this.read = read
    this.onError = onError ?? (() => {})
  }

  has(key: DriveKey): boolean {
    return this.actors.has(key)
  }

  /** Spawns the drive's actor (once per key; never after `stopAll`). */
  start(key: DriveKey, drive: Hyperdrive): void {
    if (this.stopped) throw new Error('the supervisor is stopped')
    if (this.actors.has(key)) return
    const entry: Supervised = { drive, actor: undefined as never, inflight: null }
    const machine = driveMachine.provide({
      actors: {
        open: fromPromise(() => drive.ready()),
        catchUp: fromPromise<CatchUpOutcome>(async ({ signal }) => {
          const run = this.read(drive, key, signal)
          entry.inflight = run
          let outcome: ReadOutcome
          try {
            outcome = await run
          } catch (err) {
            if (!signal.aborted) this.onError(key, err)
            throw err
          } finally {
            entry.inflight = null
          }
          const core = drive.core
          if (outcome === 'no-peers' || (!core.writable && core.peers.length === 0)) return 'no-peers'
          return 'caught-up'
        }),
        watch: fromCallback<DriveActorEvent>(({ sendBack }) => {
          const core = drive.core
          const changed = () => sendBack({ type: 'CHANGED' })
          const peerAdd = () => sendBack({ type: 'PEER_ADD' })
          const peerRemove = () => sendBack({ type: 'PEER_REMOVE' })
          const closed = () => sendBack({ type: 'STOP' })
          core.on('append', changed)
          core.on('truncate', changed)
          core.on('peer-add', peerAdd)
          core.on('peer-remove', peerRemove)
          core.on('close', closed)
          return () => {
            core.off('append', changed)
            core.off('truncate', changed)
            core.off('peer-add', peerAdd)
            core.off('peer-remove', peerRemove)
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
    const entry = this.actors.get(key)
    return entry ? (entry.actor.getSnapshot().value as DriveActorState) : null
  }

  /** Resolves when the drive's actor is in `state` (rejects if it has no actor or stops first). */
  async whenState(key: DriveKey, state: DriveActorState): Promise<void> {
    const entry = this.actors.get(key)
    if (!entry) throw new Error(`no actor for drive ${key}`)
    await waitFor(entry.actor, (snapshot) => snapshot.value === state || snapshot.status !== 'active')
    if (entry.actor.getSnapshot().value !== state) throw new Error(`actor for drive ${key} stopped`)
  }

  /** The last error of a drive's actor while it is retrying. */
  lastError(key: DriveKey): string | null {
    return this.actors.get(key)?.actor.getSnapshot().context.lastError ?? null
  }

  /** Stops the actor and waits until its reader has settled (nothing more reaches the indexer). */
  async stop(key: DriveKey): Promise<void> {
    const entry = this.actors.get(key)
    if (!entry) return
    this.actors.delete(key)
    entry.actor.send({ type: 'STOP' })
    entry.actor.stop()
    await entry.inflight?.catch(() => {})
  }

  /** Stops every actor, for good. */
  async stopAll(): Promise<void> {
    this.stopped = true
    await Promise.all([...this.actors.keys()].map((key) => this.stop(key)))
  }
}
