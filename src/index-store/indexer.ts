/**
 * The indexer: takes events off the bus one at a time, loads the index state they touch, folds them
 * and commits each as ONE atomic batch, checkpoint included. Reads drives never; knows them only by
 * the events it is handed.
 */
import mutexify from 'mutexify/promise.js'
import type { IndexBus } from '../events/bus.js'
import type { Checkpoint, DriveKey, DrivePath, IndexEvent, MergedChange } from '../events/types.js'
import { fold, type RecordChange } from './fold.js'
import { ComparatorError, type Resolver, resolverId } from './resolve.js'
import { driveRange, type IndexWrite, recordKey, SCHEMA_VERSION } from './schema.js'
import type { IndexSnapshot, IndexStore } from './store.js'

/** How many paths a removal folds per atomic batch. */
const REMOVE_BATCH = 512

/**
 * The checkpoint of a drive whose removal is under way: no fork matches it, so if the removal is
 * interrupted (a crash) and the drive is added again, it is rescanned, replacing what is left.
 */
const REMOVING: Checkpoint = { version: 0, fork: -1 }

interface Waiter {
  drive: DriveKey
  target: Checkpoint
  resolve: () => void
  reject: (err: Error) => void
}

/** A consistent view of the index for verification: its checkpoints and a snapshot of its data. */
export interface Capture {
  checkpoints: Map<DriveKey, Checkpoint>
  snapshot: IndexSnapshot
}

function reached(checkpoint: Checkpoint | undefined, target: Checkpoint): boolean {
  if (checkpoint === undefined) return target.version === 0 && target.fork <= 0
  return checkpoint.fork > target.fork || (checkpoint.fork === target.fork && checkpoint.version >= target.version)
}

export interface IndexerOptions {
  store: IndexStore
  resolver: Resolver
  /** Called after each commit with the merged changes it made (possibly none) and the mount points it changed. */
  onCommit?: (changes: MergedChange[], drive: DriveKey, mounts: DrivePath[]) => void
  /**
   * The index cannot advance any more (a custom comparator threw): `failure` is what every wait
   * and every later event rejects with. Called once.
   */
  onFailure?: (failure: Error) => void
  /** The error to fail with, from what the comparator threw (default: the ComparatorError). */
  asFailure?: (err: ComparatorError) => Error
}

export class Indexer {
  readonly store: IndexStore
  readonly resolver: Resolver
  private readonly onCommit: (changes: MergedChange[], drive: DriveKey, mounts: DrivePath[]) => void
  private readonly options: IndexerOptions
  /** Set once the index cannot advance: every wait rejects with it. */
  private failure: Error | null = null
  private readonly checkpoints = new Map<DriveKey, Checkpoint>()
  private readonly waiters = new Set<Waiter>()
  private readonly lock = mutexify()

  constructor(options: IndexerOptions) {
    this.options = options
    this.store = options.store
    this.resolver = options.resolver
    this.onCommit = options.onCommit ?? (() => {})
  }

  /** Opens the store; an index built with another schema or resolver is emptied to be rebuilt. */
  async open(): Promise<void> {
    await this.store.open()
    const meta = await this.store.readMeta()
    const wanted = { schema: SCHEMA_VERSION, resolver: resolverId(this.resolver) }
    if (meta === null || meta.schema !== wanted.schema || meta.resolver !== wanted.resolver) {
      // Meta goes first and comes back last: an interrupted rebuild is never mistaken for an index.
      await this.store.commit([{ part: 'meta', key: 'meta', value: null }])
      await this.store.clear()
      await this.store.commit([{ part: 'meta', key: 'meta', value: wanted }])
    }
    for (const [drive, cp] of await this.store.readCheckpoints()) this.checkpoints.set(drive, cp)
  }

  /** Consumes the bus until it closes. */
  async run(bus: IndexBus): Promise<void> {
    for (let pending = await bus.take(); pending !== null; pending = await bus.take()) {
      if (this.failure !== null) {
        pending.reject(this.failure)
        continue
      }
      try {
        await this.exclusive(() => this.apply(pending.event))
        pending.resolve()
      } catch (err) {
        if (err instanceof ComparatorError) this.fail(err)
        pending.reject(this.failure ?? (err as Error))
      }
    }
  }

  checkpoint(drive: DriveKey): Checkpoint | null {
    return this.checkpoints.get(drive) ?? null
  }

  /** Every indexed drive -> its indexed length. */
  versions(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [drive, cp] of this.checkpoints) out[drive] = cp.version
    return out
  }

  /** Whether the drive is indexed up to `target` (or past it: a later fork). */
  indexedTo(drive: DriveKey, target: Checkpoint): boolean {
    return reached(this.checkpoints.get(drive), target)
  }

  /**
   * Resolves once the drive is indexed up to `target` (or past it: a later fork), or once the drive
   * is removed (there is nothing left to wait for); rejects when the indexer closes or the signal
   * aborts (the waiter is dropped then: waits never outlive their callers).
   */
  waitFor(drive: DriveKey, target: Checkpoint, signal?: AbortSignal): Promise<void> {
    if (this.indexedTo(drive, target)) return Promise.resolve()
    if (this.failure !== null) return Promise.reject(this.failure)
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { drive, target, resolve, reject }
      this.waiters.add(waiter)
      signal?.addEventListener(
        'abort',
        () => {
          if (this.waiters.delete(waiter)) reject(signal.reason)
        },
        { once: true }
      )
    })
  }

  /** Rejects every waiter: nothing will be indexed any more. */
  close(err: Error): void {
    for (const waiter of this.waiters) waiter.reject(err)
    this.waiters.clear()
  }

  /** The index cannot advance: every wait, now and later, rejects. */
  private fail(err: ComparatorError): void {
    if (this.failure !== null) return
    this.failure = this.options.asFailure?.(err) ?? err
    this.close(this.failure)
    this.options.onFailure?.(this.failure)
  }

  /** The checkpoints and a snapshot of the index, taken between two commits. */
  capture(): Promise<Capture> {
    return this.exclusive(async () => ({ checkpoints: new Map(this.checkpoints), snapshot: this.store.snapshot() }))
  }

  /** Drops every record of a drive and forgets it, in bounded atomic batches. */
  async removeDrive(drive: DriveKey): Promise<void> {
    for (let first = true; ; first = false) {
      const done = await this.exclusive(async () => {
        const changes: RecordChange[] = []
        // Each batch deletes what it read: the next one starts at the front of the range again.
        for await (const [key, record] of this.store.scan('records', driveRange(drive))) {
          changes.push({
            path: key.slice(key.indexOf('\0', drive.length + 1) + 1) as DrivePath,
            sub: record.sub,
            record: null
          })
          if (changes.length >= REMOVE_BATCH) break
        }
        const finished = changes.length < REMOVE_BATCH
        const checkpoint = finished ? null : REMOVING
        const extra: IndexWrite[] = finished || first ? [{ part: 'checkpoints', key: drive, value: checkpoint }] : []
        await this.foldAndCommit(drive, changes, extra)
        if (finished) this.checkpoints.delete(drive)
        else this.checkpoints.set(drive, REMOVING)
        return finished
      })
      if (done) break
    }
    for (const waiter of this.waiters) {
      if (waiter.drive !== drive) continue
      this.waiters.delete(waiter)
      waiter.resolve()
    }
  }

  /** Runs index mutations one at a time, whoever asks (the bus loop or a removal). */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.lock()
    try {
      return await fn()
    } finally {
      release()
    }
  }

  private async apply(event: IndexEvent): Promise<void> {
    const drive = event.drive
    const changes: RecordChange[] = []
    if (event.type === 'records') {
      for (const op of event.ops) {
        if (op.op === 'put') {
          const { path, ...record } = op.record
          changes.push({ path, sub: record.sub, record })
        } else {
          changes.push({ path: op.path, sub: op.sub, record: null })
        }
      }
    } else {
      // A rescan slice: the drive's `sub` records in (after, upTo] are exactly the slice's records.
      const seen = new Set<string>()
      for (const { path, ...record } of event.records) {
        seen.add(path)
        changes.push({ path, sub: record.sub, record })
      }
      const base = recordKey(drive, event.sub, '')
      const all = driveRange(drive, event.sub)
      const range = {
        ...(event.after === null ? { gt: all.gt } : { gt: base + event.after }),
        ...(event.upTo === null ? { lt: all.lt } : { lte: base + event.upTo })
      }
      for await (const [key] of this.store.scan('records', range)) {
        const path = key.slice(base.length) as DrivePath
        if (!seen.has(path)) changes.push({ path, sub: event.sub, record: null })
      }
    }
    // A rescan's earlier slices keep the old checkpoint: a crash before its last slice rescans again.
    const checkpoint = event.checkpoint
    const extra: IndexWrite[] = checkpoint === null ? [] : [{ part: 'checkpoints', key: drive, value: checkpoint }]
    await this.foldAndCommit(drive, changes, extra, event.type === 'records' ? event.landed : undefined)
    if (checkpoint !== null) this.advance(drive, checkpoint)
  }

  /** Folds the changes, then commits them once `landed` (the records' own append, if given) resolves. */
  private async foldAndCommit(
    drive: DriveKey,
    changes: RecordChange[],
    extra: IndexWrite[],
    landed?: PromiseLike<void>
  ): Promise<void> {
    const out = await fold({ resolver: this.resolver, drive, changes }, this.store)
    await landed
    await this.store.commit([...out.writes, ...extra])
    this.onCommit(out.changes, drive, out.mounts)
  }

  private advance(drive: DriveKey, checkpoint: Checkpoint): void {
    this.checkpoints.set(drive, checkpoint)
    for (const waiter of this.waiters) {
      if (waiter.drive === drive && reached(checkpoint, waiter.target)) {
        this.waiters.delete(waiter)
        waiter.resolve()
      }
    }
  }
}
