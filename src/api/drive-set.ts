/**
 * The drives a MultiDrive merges: which are added, which one writes, and how a drive joins (its
 * actor starts, its records get indexed) or leaves (its actor stops, its records leave the index).
 */
import * as id from 'hypercore-id-encoding'
import type Hyperdrive from 'hyperdrive'
import type { DriveActorState } from '../actors/drive-machine.js'
import type { DriveSupervisor, OwnAppend } from '../actors/supervisor.js'
import type { Checkpoint, DriveKey, DrivePath, IndexEvent } from '../events/types.js'
import type { Indexer } from '../index-store/indexer.js'
import { type VerifyResult, verifyIndex } from '../index-store/verify.js'
import { MultiDriveError } from './errors.js'
import type { HyperdriveLike } from './hyperdrive-like.js'
import type { DriveStats, IndexProgress } from './progress.js'

/** A drive's key as the index names it. */
export function keyOf(drive: { key: Buffer }): DriveKey {
  return drive.key.toString('hex') as DriveKey
}

/** A key given by a caller (Buffer, hex or z-base-32); EINVAL for anything else. */
export function toDriveKey(key: unknown): DriveKey {
  try {
    return id.decode(key as string | Uint8Array).toString('hex') as DriveKey
  } catch (err) {
    throw MultiDriveError.EINVAL(`not a drive key: ${String(key)}`, undefined, err)
  }
}

const DRIVE_METHODS = ['ready', 'close', 'getBlobs', 'checkout', 'findingPeers'] as const

/**
 * A Hyperdrive, or what has every member MultiDrive calls (`HyperdriveLike`): anything else is a
 * caller's mistake, reported now rather than as a crash later.
 */
export function assertDrive(drive: unknown, what: string): asserts drive is HyperdriveLike {
  const d = drive as Record<string, unknown> | null | undefined
  const core = d?.core as Record<string, unknown> | null | undefined
  const db = d?.db as Record<string, unknown> | null | undefined
  if (
    !d ||
    !DRIVE_METHODS.every((method) => typeof d[method] === 'function') ||
    typeof core?.get !== 'function' ||
    typeof db?.checkout !== 'function' ||
    typeof db?.batch !== 'function'
  ) {
    throw MultiDriveError.EINVAL(`${what} must be a Hyperdrive`)
  }
  // A closed drive can never be read: its actor would retry a closed session forever.
  if (d.closed === true || (d.closing !== null && d.closing !== undefined)) {
    throw MultiDriveError.EINVAL(`${what} is closed`)
  }
}

/** A checked drive as our own code types it (the declarations in types/): the same object. */
export function internal(drive: HyperdriveLike): Hyperdrive {
  return drive as unknown as Hyperdrive
}

/** A drive of ours as the published types describe it (a compile error if the two drift apart). */
export function published<D extends HyperdriveLike>(drive: Hyperdrive): D {
  const shaped: HyperdriveLike = drive
  return shaped as D
}

export interface DriveSetOptions {
  primary: Hyperdrive
  /** The drive writes go to while it is added (`MultiDriveOptions.writer`). */
  writer: Hyperdrive | undefined
  supervisor: DriveSupervisor
  indexer: Indexer
  /** Drives added at open after the primary and writer (a checkout's). */
  initial?: Hyperdrive[]
  /** No writer, whatever the drives: a checkout is read-only. */
  readOnly?: boolean
  /** Index each of these drives only up to this length (a checkout's version vector). */
  lengths?: ReadonlyMap<DriveKey, number>
  /** Whether the MultiDrive is closing: no drive joins then. */
  closing: () => boolean
  onAdd: (drive: Hyperdrive) => void
  onRemove: (drive: Hyperdrive) => void
  onIndexed: (drive: Hyperdrive, progress: IndexProgress) => void
}

export class DriveSet {
  private readonly options: DriveSetOptions
  /** Added drives, in the order they were added. */
  private readonly added = new Map<DriveKey, Hyperdrive>()
  /** Mounted drives, by source id (`key@/mount/point`): indexed under their mount points. */
  private readonly sources = new Map<DriveKey, Hyperdrive>()
  /** Removals under way, by drive: adding the drive again waits for them. */
  private readonly removals = new Map<DriveKey, Promise<void>>()
  private elected: Hyperdrive | null = null

  constructor(options: DriveSetOptions) {
    this.options = options
  }

  /** The drive writes go to, or null. */
  get writer(): Hyperdrive | null {
    return this.elected
  }

  /** Every added drive, in the order they were added. */
  get list(): Hyperdrive[] {
    return [...this.added.values()]
  }

  get(key: DriveKey): Hyperdrive | undefined {
    return this.added.get(key)
  }

  /** The added (or mounted) drive with that key; EUNKNOWNDRIVE for one the index knows but that is not added. */
  driveFor(key: string): Hyperdrive {
    const drive = this.find(key)
    if (drive === undefined) {
      throw MultiDriveError.EUNKNOWNDRIVE(
        key,
        'is indexed but not added in this session: addDrive() or removeDrive() it'
      )
    }
    return drive
  }

  /** Adds the primary, then the writer of the options, then the other initial drives. */
  async addInitial(): Promise<void> {
    const { primary, writer, initial = [] } = this.options
    for (const drive of [primary, ...(writer ? [writer] : []), ...initial]) await this.add(drive)
  }

  /** How far a drive is to be indexed: its length, or a checkout's version of it. */
  lengthOf(drive: Hyperdrive): number {
    return this.options.lengths?.get(keyOf(drive)) ?? drive.core.length
  }

  /**
   * Every added or indexed drive: its actor's state, how far it is indexed, its length. A drive
   * indexed up to its length is `live` even while its actor still closes the read that got it
   * there (the index, not the actor, is what reads answer from).
   */
  stats(): Record<string, DriveStats> {
    const { supervisor, indexer } = this.options
    const out: Record<string, DriveStats> = {}
    const versions = indexer.versions()
    for (const key of new Set([...this.added.keys(), ...(Object.keys(versions) as DriveKey[])])) {
      const { state, nodesRead, lastError, stuck } = supervisor.stats(key)
      const drive = this.added.get(key)
      const length = drive ? this.lengthOf(drive) : null
      const indexed = versions[key] ?? 0
      const caughtUp = drive !== undefined && indexer.indexedTo(key, this.target(drive))
      const live = caughtUp && (state === 'catchingUp' || state === 'waitingForPeers')
      out[key] = { state: live ? 'live' : state, indexed, length, nodesRead, lastError, stuck }
    }
    return out
  }

  /** After the indexer committed an event of a drive's actor: `'indexed'` when it moved a checkpoint. */
  committed(event: IndexEvent): void {
    const drive = this.added.get(event.drive)
    if (event.checkpoint === null || drive === undefined) return
    this.options.onIndexed(drive, { indexed: event.checkpoint.version, length: this.lengthOf(drive) })
  }

  /**
   * Adds a drive (idempotent by key) and resolves once it is indexed up to its length now, or once
   * its actor waits for peers (a replica lacking blocks with no peer connected is indexed as soon
   * as one connects: nothing to wait for meanwhile) or is stuck (a block it cannot read).
   */
  async add(drive: Hyperdrive): Promise<void> {
    await drive.ready()
    const key = keyOf(drive)
    await this.removals.get(key)
    if (this.options.closing()) throw MultiDriveError.ECLOSED()
    if (!this.added.has(key)) {
      this.added.set(key, drive)
      this.elect()
      this.options.supervisor.start(key, drive)
      this.options.onAdd(drive)
    }
    await this.caughtUp(this.added.get(key) ?? drive)
  }

  /**
   * Resolves once the drive is indexed up to its length now, or once its actor settles in one of
   * `short` first: waiting for peers (blocks are missing and no peer is connected: nothing to wait
   * for meanwhile), stuck (nothing more of it will be indexed). The wait that loses is cancelled:
   * no subscription or indexer waiter outlives the call.
   */
  async caughtUp(drive: Hyperdrive, short: DriveActorState[] = ['waitingForPeers', 'stuck']): Promise<void> {
    const key = keyOf(drive)
    const { supervisor, indexer } = this.options
    const target = this.target(drive)
    // Already there (every own write): no race to set up.
    if (indexer.indexedTo(key, target)) return
    const done = new AbortController()
    const indexed = indexer.waitFor(key, target, done.signal)
    // Settling short of the length only counts while the actor runs; otherwise wait for the index.
    const settled = supervisor.whenState(key, short, done.signal).catch(() => indexed)
    try {
      await Promise.race([indexed, settled])
    } finally {
      done.abort(SETTLED)
    }
  }

  /**
   * Removes a drive: its actor stops and its records leave the index; the drive is not closed.
   * Works for drives the index remembers but that were not added; false if neither.
   */
  async remove(key: DriveKey): Promise<boolean> {
    const { supervisor, indexer } = this.options
    const drive = this.added.get(key)
    if (drive === undefined && indexer.checkpoint(key) === null) return false
    await supervisor.stop(key)
    this.added.delete(key)
    this.elect()
    const removal = indexer.removeDrive(key)
    this.removals.set(key, removal)
    try {
      await removal
    } finally {
      this.removals.delete(key)
    }
    if (drive !== undefined) this.options.onRemove(drive)
    return true
  }

  /**
   * Resolves once the index has the drive up to its current length (and fork), or once the drive is
   * stuck at a block it cannot read (nothing more of it will be indexed).
   */
  indexed(drive: Hyperdrive): Promise<void> {
    return this.caughtUp(drive, ['stuck'])
  }

  /** Runs an append of ours to an added drive and resolves once the index shows it. */
  async appendOwn(drive: Hyperdrive, append: () => Promise<OwnAppend>): Promise<void> {
    await this.options.supervisor.appendOwn(keyOf(drive), append)
    await this.indexed(drive)
  }

  /**
   * Rebuilds the index from the drives (added and mounted) into memory and compares it with the
   * live one. A drive that forked since the capture cannot be read as it was: it is read as it is
   * now, and the difference shows.
   */
  async verify(): Promise<VerifyResult> {
    const { indexer, supervisor } = this.options
    return verifyIndex({
      capture: await indexer.capture(),
      resolver: indexer.resolver,
      readable: [...this.added.keys(), ...this.sources.keys()],
      read: async (key, checkpoint, submit) => {
        const drive = this.driveFor(key)
        const to = checkpoint.fork === drive.core.fork ? checkpoint.version : undefined
        await supervisor.readAll(drive, key, to, submit)
      }
    })
  }

  /** The added or mounted drive with that key (source id), if any. */
  find(key: string): Hyperdrive | undefined {
    return this.added.get(key as DriveKey) ?? this.sources.get(key as DriveKey)
  }

  /** Closes the added drives and the mounted ones (as `MultiDrive.close()` does). */
  async closeDrives(): Promise<void> {
    await Promise.allSettled([...this.added.values(), ...this.sources.values()].map((drive) => drive.close()))
  }

  /** Starts indexing a mounted drive as source `id`, its records under `prefix`. */
  attachSource(id: DriveKey, drive: Hyperdrive, prefix: DrivePath): void {
    if (this.options.closing() || this.sources.has(id)) return
    this.sources.set(id, drive)
    this.options.supervisor.start(id, drive, { prefix })
  }

  /** Stops indexing a mounted drive: its records leave the index. */
  async detachSource(id: DriveKey): Promise<void> {
    if (!this.sources.delete(id)) return
    await this.options.supervisor.stop(id)
    await this.options.indexer.removeDrive(id)
  }

  /** Resolves once every added drive is indexed up to its current length. */
  async flush(): Promise<void> {
    await Promise.all(this.list.map((drive) => this.indexed(drive)))
  }

  /**
   * The one writer rule, a function of the set alone, not of the order adds and removes came in:
   * `options.writer` while it is added (and writable); otherwise the primary while it is added and
   * writable; otherwise the first writable drive in the order the drives were added; otherwise none.
   */
  private elect(): void {
    const { writer, primary, readOnly } = this.options
    if (readOnly) {
      this.elected = null
      return
    }
    const isAdded = (drive: Hyperdrive | undefined): drive is Hyperdrive =>
      drive !== undefined && this.added.get(keyOf(drive)) === drive
    if (isAdded(writer) && writer.writable) this.elected = writer
    else if (isAdded(primary) && primary.writable) this.elected = primary
    else this.elected = this.list.find((drive) => drive.writable) ?? null
  }

  private target(drive: Hyperdrive): Checkpoint {
    return { version: this.lengthOf(drive), fork: drive.core.fork }
  }
}

/** Why the losing wait of a race is aborted (one value: an abort without a reason builds a DOMException). */
const SETTLED = new Error('settled')
