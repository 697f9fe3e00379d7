/**
 * The vocabulary shared by actors, indexer and API: drive keys, paths, records, stamps and the
 * events that travel between a drive's actor and the indexer.
 */

/** A drive's public key as lowercase hex. */
export type DriveKey = string & { readonly __brand: 'DriveKey' }
/** A normalised absolute path (`/a/b`, never a trailing slash except the root `/`). */
export type DrivePath = string & { readonly __brand: 'DrivePath' }

/** Per-path version vector: drive key -> the `seq` of that drive's record the writer had seen. */
export type Clock = Record<string, number>

/** What multidrive writes with every record: the writer's wall time and its causal context. */
export interface Stamp {
  t: number
  clock: Clock
}

export type RecordKind = 'file' | 'symlink' | 'dir' | 'tombstone' | 'mount'

/** The sub of `drive.db` a record lives in. `files` is Hyperdrive's own. */
export type RecordSub = 'files' | 'tombstones' | 'dirs' | 'mounts'

/** Where a file's bytes live in its drive's blobs core (Hyperdrive's blob id). */
export interface BlobId {
  byteOffset: number
  blockOffset: number
  blockLength: number
  byteLength: number
}

/** One drive's latest statement about one path, as read from the drive. */
export interface DriveRecord {
  drive: DriveKey
  sub: RecordSub
  path: DrivePath
  seq: number
  kind: RecordKind
  stamp: Stamp
  /** File/symlink payload; absent for tombstones and directory markers. */
  executable?: boolean
  linkname?: string | null
  blob?: BlobId | null
  /** The user's metadata (the stamp removed). */
  metadata?: unknown
  /** A mount's drive (hex key); null for a mount record whose key does not decode. */
  mount?: string | null
}

/** A drive's record as resolution sees it. */
export interface Candidate {
  drive: string
  seq: number
  kind: RecordKind
  t: number
  clock: Clock
}

/** A merged file or symlink entry, shaped like a Hyperdrive 13 entry plus the drive it came from. */
export interface MergedEntry {
  key: string
  value: {
    executable: boolean
    linkname: string | null
    blob: BlobId | null
    metadata: unknown
  }
  /** Hex key of the winning drive. */
  drive: string
  seq: number
}

/** One committed change of the merged view. `type` is `conflict` when the path now has several heads. */
export interface MergedChange {
  path: string
  type: 'put' | 'del' | 'conflict'
  before: MergedEntry | null
  after: MergedEntry | null
}

/** How far a drive has been indexed: the drive's length folded so far, on which fork. */
export interface Checkpoint {
  version: number
  fork: number
}

/** One change read from a drive's log: a record written, or a sub's record at a path removed. */
export type RecordOp = { op: 'put'; record: DriveRecord } | { op: 'del'; sub: RecordSub; path: DrivePath; seq: number }

/**
 * What an actor hands the indexer. Each is folded as one atomic LevelDB batch, checkpoint included.
 * - `records`: the next ops of the drive's log, in log order, up to `checkpoint.version`.
 * - `rescan`: one slice of a full read of the drive (after a new fork): every record of `sub` with
 *   a path in `(after, upTo]` (`null`: unbounded), sorted by path. The indexer replaces the drive's
 *   `sub` records in that range with these, so records the new fork no longer has disappear.
 *   Only the final slice carries the checkpoint.
 *
 * A `records` event of our own append may come before its ops are in the drive's log: `landed`
 * settles once they are. The indexer folds it meanwhile and commits only once it resolves (never,
 * if it rejects), so the index is never ahead of the drive.
 */
export type IndexEvent =
  | { type: 'records'; drive: DriveKey; ops: RecordOp[]; checkpoint: Checkpoint; landed?: PromiseLike<void> }
  | {
      type: 'rescan'
      drive: DriveKey
      sub: RecordSub
      records: DriveRecord[]
      after: DrivePath | null
      upTo: DrivePath | null
      checkpoint: Checkpoint | null
    }
