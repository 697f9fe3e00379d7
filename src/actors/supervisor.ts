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
import { decodeNode, type RawNode, type Warn } from '../events/records.js'
import type { Checkpoint, DriveKey, DrivePath, IndexEvent, RecordOp } from '../events/types.js'
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
  /** A drive got stuck at a block that is not a Hyperbee node (everything before it is indexed). */
  onStuck?: (key: DriveKey, stuck: Stuck) => void
  /** How far to read a drive (default: its core's length; a checkout's is its version). */
  lengthOf?: (drive: Hyperdrive) => number
}

/** Where a drive's log stopped being readable, and why. */
export interface Stuck {
  seq: number
  reason: string
}

/** What the supervisor knows of a drive's actor. */
export interface ActorStats {
  state: DriveActorState | null
  nodesRead: number
  lastError: string | null
  /** Set while the drive is stuck at a block that is not a Hyperbee node. */
  stuck: Stuck | null
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
  drive: Hyperdrive
  /** A mounted drive's mount point (its paths show under it), or null. */
  prefix: DrivePath | null
  actor: Actor<typeof driveMachine>
  inflight: Promise<ReadOutcome> | null
  /** One read of the drive at a time, the actor's or an own append's (`appendOwn`). */
  reading: ReturnType<typeof mutexify>
  /** Aborts direct reads when the actor stops. */
  stopped: AbortController
  /** Own appends under way: their 'append' events do not wake the actor (they index themselves). */
  quiet: number
  /** An 'append' came while quiet. */
  missed: boolean
  /** Wakes the actor (the watch's CHANGED). */
  wake: () => void
}

/**
 * An own append under way: the log length before it, its nodes in order, and `landed`, which
 * settles once they are in the log.
 */
export interface OwnAppend {
  from: number
  nodes: RawNode[]
  landed: Promise<void>
}

export class DriveSupervisor {
  private readonly actors = new Map<DriveKey, Supervised>()
  private readonly nodesRead = new Map<DriveKey, number>()
  private readonly stuck = new Map<DriveKey, Stuck>()
  private readonly options: SupervisorOptions
  /** Rescans walk a Hyperbee tree through a cache of up to 65,536 nodes: one at a time. */
  private readonly rescanLock = mutexify()
  /** Two drives at a time read and commit a batch: one reads while the other's batch is folded. */
  private readonly gate = limit(2)
  private stopped = false

  constructor(options: SupervisorOptions) {
    this.options = options
  }

  /**
   * Spawns the drive's actor (once per key; never after `stopAll`). A mounted drive is read as the
   * source `key` with its paths under `prefix`.
   */
  start(key: DriveKey, drive: Hyperdrive, { prefix = null }: { prefix?: DrivePath | null } = {}): void {
    if (this.stopped) throw new Error('the supervisor is stopped')
    if (this.actors.has(key)) return
    const entry: Supervised = {
      drive,
      prefix,
      actor: undefined as never,
      inflight: null,
      reading: mutexify(),
      stopped: new AbortController(),
      quiet: 0,
      missed: false,
      wake: () => {}
    }
    const machine = driveMachine.provide({
      actors: {
        open: fromPromise(() => drive.ready()),
        catchUp: fromPromise<CatchUpOutcome>(async ({ signal }) => {
          this.stuck.delete(key)
          const run = this.catchUp(entry, key, signal)
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
          if (typeof outcome === 'object') {
            this.stuck.set(key, outcome.stuck)
            this.options.warn(`drive ${key} is stuck at seq ${outcome.stuck.seq}: ${outcome.stuck.reason}`)
            this.options.onStuck?.(key, outcome.stuck)
            return 'stuck'
          }
          // Only a read that lacked blocks waits for peers: a replica read to its length is live,
          // peers or not (a peer that brings more appends, which wakes the actor).
          return outcome === 'no-peers' ? 'no-peers' : 'caught-up'
        }),
        watch: fromCallback<DriveActorEvent>(({ sendBack }) => {
          const core = drive.core
          entry.wake = () => sendBack({ type: 'CHANGED' })
          const changed = () => {
            if (entry.quiet > 0) entry.missed = true
            else entry.wake()
          }
          const truncated = () => sendBack({ type: 'TRUNCATED' })
          const peerAdd = () => sendBack({ type: 'PEER_ADD' })
          const closed = () => sendBack({ type: 'DRIVE_CLOSED' })
          core.on('append', changed)
          core.on('truncate', truncated)
          core.on('peer-add', peerAdd)
          core.on('close', closed)
          return () => {
            core.off('append', changed)
            core.off('truncate', truncated)
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

  /** State, nodes read so far, and the last error of a drive's actor. */
  stats(key: DriveKey): ActorStats {
    const snapshot = this.actors.get(key)?.actor.getSnapshot()
    return {
      state: snapshot?.value ?? null,
      nodesRead: this.nodesRead.get(key) ?? 0,
      lastError: snapshot?.context.lastError ?? null,
      stuck: snapshot === undefined ? null : (this.stuck.get(key) ?? null)
    }
  }

  /**
   * Resolves when the drive's actor is in one of `states`; rejects if it has no actor, stops
   * first, or the signal aborts (which ends the subscription: waits never outlive their callers).
   */
  async whenState(key: DriveKey, states: readonly DriveActorState[], signal?: AbortSignal): Promise<void> {
    const entry = this.actors.get(key)
    if (!entry) throw new Error(`no actor for drive ${key}`)
    const reached = (value: DriveActorState) => states.includes(value)
    await waitFor(entry.actor, (snapshot) => reached(snapshot.value) || snapshot.status !== 'active', { signal })
    if (!reached(entry.actor.getSnapshot().value)) throw new Error(`actor for drive ${key} stopped`)
  }

  /** Stops the actor and waits until its reader has settled (nothing more reaches the indexer). */
  async stop(key: DriveKey): Promise<void> {
    const entry = this.actors.get(key)
    if (!entry) return
    this.actors.delete(key)
    this.stuck.delete(key)
    entry.stopped.abort()
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
    const prefix = this.actors.get(key)?.prefix ?? null
    await readDrive({ drive, key, from: null, to, prefix, submit, warn: () => {}, patient: true })
  }

  /**
   * Runs an append of ours to a drive and indexes it at once, without its actor: when the index
   * stands exactly where the append starts, the nodes are handed on as they are written (decoded
   * as any reader decodes them), folded while they land and committed once they have; otherwise
   * what the index lacks is read from the log once they landed.
   * Serialised with the actor's reads; the append's own 'append' event does not wake the actor.
   */
  async appendOwn(key: DriveKey, append: () => Promise<OwnAppend>): Promise<void> {
    const entry = this.actors.get(key)
    if (entry === undefined) throw new Error(`no actor for drive ${key}`)
    entry.quiet++
    const release = await entry.reading()
    try {
      const { from, nodes, landed } = await append()
      const core = entry.drive.core
      const checkpoint = this.options.checkpoint(key)
      const to = from + nodes.length
      if (checkpoint !== null && checkpoint.version === from && checkpoint.fork === core.fork) {
        const ops: RecordOp[] = []
        for (const [i, node] of nodes.entries()) {
          const op = decodeNode(key, from + i, node.key, node.value, this.options.warn, entry.prefix)
          if (op !== null) ops.push(op)
        }
        // Folded while the append lands, committed once it has.
        const indexed = this.options.submit({
          type: 'records',
          drive: key,
          ops,
          checkpoint: { version: to, fork: core.fork },
          landed
        })
        for (const outcome of await Promise.allSettled([landed, indexed])) {
          if (outcome.status === 'rejected') throw outcome.reason
        }
      } else {
        await landed
        await this.read(entry, key, entry.stopped.signal, { gated: false })
      }
    } finally {
      release()
      entry.quiet--
      // Someone else appended meanwhile: the actor reads it.
      if (entry.quiet === 0 && entry.missed) {
        entry.missed = false
        if (entry.drive.core.length > (this.options.checkpoint(key)?.version ?? 0)) entry.wake()
      }
    }
  }

  private async catchUp(entry: Supervised, key: DriveKey, signal: AbortSignal): Promise<ReadOutcome> {
    const release = await entry.reading()
    try {
      return await this.read(entry, key, signal, { gated: true })
    } finally {
      release()
    }
  }

  private read(entry: Supervised, key: DriveKey, signal: AbortSignal, { gated }: { gated: boolean }) {
    return readDrive({
      drive: entry.drive,
      key,
      from: this.options.checkpoint(key),
      to: this.options.lengthOf?.(entry.drive),
      prefix: entry.prefix,
      submit: this.options.submit,
      warn: this.options.warn,
      signal,
      rescanLock: this.rescanLock,
      gate: gated ? this.gate : undefined,
      batchSize: this.options.batchSize,
      onRead: (nodes) => this.nodesRead.set(key, (this.nodesRead.get(key) ?? 0) + nodes)
    })
  }
}
