/**
 * The drives a MultiDrive merges: which are added, which one writes, and how a drive joins (its
 * actor starts, its records get indexed) or leaves (its actor stops, its records leave the index).
 */
import * as id from 'hypercore-id-encoding'
import type Hyperdrive from 'hyperdrive'
import type { DriveActorState } from '../actors/drive-machine.js'
import type { DriveSupervisor, OwnAppend } from '../actors/supervisor.js'
import type { Checkpoint, DriveKey } from '../events/types.js'
import type { Indexer } from '../index-store/indexer.js'
import { MultiDriveError } from './errors.js'

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

/** A Hyperdrive (or what quacks like one): anything else is a caller's mistake, not a crash later. */
export function assertDrive(drive: unknown, what: string): asserts drive is Hyperdrive {
  const d = drive as Partial<Hyperdrive> | null | undefined
  if (!d || typeof d.ready !== 'function' || typeof d.batch !== 'function' || d.core === undefined) {
    throw MultiDriveError.EINVAL(`${what} must be a Hyperdrive`)
  }
}

/** How far a drive is indexed, and what its actor is doing. */
export interface DriveStats {
  state: DriveActorState | null
  indexed: number
  length: number | null
  nodesRead: number
  lastError: string | null
  /** Where the drive's log stopped being readable (a block that is not a Hyperbee node), and why. */
  stuck: { seq: number; reason: string } | null
}

export interface DriveSetOptions {
  primary: Hyperdrive
  /** The drive writes go to while it is added (`MultiDriveOptions.writer`). */
  writer: Hyperdrive | undefined
  supervisor: DriveSupervisor
  indexer: Indexer
  /** Whether the MultiDrive is closing: no drive joins then. */
  closing: () => boolean
  onAdd: (drive: Hyperdrive) => void
  onRemove: (drive: Hyperdrive) => void
}

export class DriveSet {
  private readonly options: DriveSetOptions
  /** Added drives, in the order they were added. */
  private readonly added = new Map<DriveKey, Hyperdrive>()
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

  keys(): DriveKey[] {
    return [...this.added.keys()]
  }

  get(key: DriveKey): Hyperdrive | undefined {
    return this.added.get(key)
  }

  /** The added drive with that key; EUNKNOWNDRIVE for a drive the index knows but that is not added. */
  driveFor(key: string): Hyperdrive {
    const drive = this.added.get(key as DriveKey)
    if (drive === undefined) {
      throw MultiDriveError.EUNKNOWNDRIVE(
        key,
        'is indexed but not added in this session: addDrive() or removeDrive() it'
      )
    }
    return drive
  }

  /** Adds the primary, then the writer of the options. */
  async addInitial(): Promise<void> {
    await this.add(this.options.primary)
    if (this.options.writer) await this.add(this.options.writer)
  }

  /** Every added or indexed drive: its actor's state, how far it is indexed, its length. */
  stats(): Record<string, DriveStats> {
    const { supervisor, indexer } = this.options
    const out: Record<string, DriveStats> = {}
    const versions = indexer.versions()
    for (const key of new Set([...this.added.keys(), ...(Object.keys(versions) as DriveKey[])])) {
      const { state, nodesRead, lastError, stuck } = supervisor.stats(key)
      const length = this.added.get(key)?.core.length ?? null
      out[key] = { state, indexed: versions[key] ?? 0, length, nodesRead, lastError, stuck }
    }
    return out
  }

  /**
   * Adds a drive (idempotent by key) and resolves once it is indexed up to its length now, or once
   * its actor waits for peers (a replica lacking blocks with no peer connected is indexed as soon
   * as one connects: nothing to wait for meanwhile).
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
    await this.caughtUp(this.added.get(key) ?? drive, ['waitingForPeers', 'stuck'])
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
   * stuck at a block that is not a Hyperbee node (nothing more of it will be indexed).
   */
  indexed(drive: Hyperdrive): Promise<void> {
    return this.caughtUp(drive, ['stuck'])
  }

  /**
   * Resolves once the drive is indexed up to its length now, or once its actor settles in one of
   * `short` first (waiting for peers, stuck). The wait that loses is cancelled.
   */
  private async caughtUp(drive: Hyperdrive, short: DriveActorState[]): Promise<void> {
    const key = keyOf(drive)
    const { supervisor, indexer } = this.options
    const done = new AbortController()
    const indexed = indexer.waitFor(key, target(drive), done.signal)
    // Settling short of the length only counts while the actor runs; otherwise wait for the index.
    const settled = supervisor.whenState(key, short, done.signal).catch(() => indexed)
    try {
      await Promise.race([indexed, settled])
    } finally {
      done.abort(SETTLED)
    }
  }

  /** Runs an append of ours to an added drive and resolves once the index shows it. */
  async appendOwn(drive: Hyperdrive, append: () => Promise<OwnAppend>): Promise<void> {
    await this.options.supervisor.appendOwn(keyOf(drive), append)
    await this.indexed(drive)
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
    const { writer, primary } = this.options
    const isAdded = (drive: Hyperdrive | undefined): drive is Hyperdrive =>
      drive !== undefined && this.added.get(keyOf(drive)) === drive
    if (isAdded(writer) && writer.writable) this.elected = writer
    else if (isAdded(primary) && primary.writable) this.elected = primary
    else this.elected = this.list.find((drive) => drive.writable) ?? null
  }
}

/** Why the losing wait of a race is aborted (one value: an abort without a reason builds a DOMException). */
const SETTLED = new Error('settled')

function target(drive: Hyperdrive): Checkpoint {
  return { version: drive.core.length, fork: drive.core.fork }
}
