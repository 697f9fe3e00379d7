/** `stat` results: shaped like Node's `fs.Stats`, plus the drive that won the path. */
import { isDirectoryKind } from '../events/records.js'
import type { BlobId, RecordKind } from '../events/types.js'
import type { HyperdriveLike } from './hyperdrive-like.js'

const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
/** The latest time a Date holds: a remote stamp may claim any finite time; what is shown is clamped. */
const MAX_DATE_MS = 8.64e15

/** What a stat is made of: what lives at the path, and its winning record (as the index holds it). */
export interface StatSource {
  type: 'file' | 'symlink' | 'dir'
  record: {
    drive: string
    kind: RecordKind
    stamp: { t: number }
    executable?: boolean
    linkname?: string | null
    blob?: BlobId | null
    metadata?: unknown
    mount?: string | null
  } | null
}

export class Stat<D extends HyperdriveLike = HyperdriveLike> {
  /** File type and permission bits, as `fs.Stats#mode`. */
  readonly mode: number
  readonly size: number
  /** Blocks of the drive's blobs core the content spans. */
  readonly blocks: number
  /** The winning record's stamp time (the writer's clock; 0 for records written without multidrive). */
  readonly mtime: Date
  readonly ctime: Date
  readonly atime: Date
  readonly birthtime: Date
  /** The user's metadata of the winning record. */
  readonly metadata: unknown
  /** The drive whose record won this path (null for a directory that only exists through its children). */
  readonly drive: D | null
  /** Hex key of that drive. */
  readonly driveKey: string | null
  /** A symlink's target. */
  readonly linkname: string | null
  /** A mount point's mounted drive (its key, hex), as the seed's `stat().mount`. */
  readonly mount: { key: string } | null

  /** @internal Built by MultiDrive from its index. */
  constructor(source: StatSource, drive: D | null) {
    const dir = source.type === 'dir'
    // A file that lost to live children says nothing about the directory that won.
    const record = dir && !isDirectoryKind(source.record?.kind) ? null : source.record
    const symlink = source.type === 'symlink'
    const type = dir ? S_IFDIR : symlink ? S_IFLNK : S_IFREG
    const perms = dir || record?.executable ? 0o755 : symlink ? 0o777 : 0o644
    this.mode = type | perms
    this.linkname = symlink ? (record?.linkname ?? null) : null
    this.size = dir ? 0 : symlink ? Buffer.byteLength(this.linkname ?? '') : (record?.blob?.byteLength ?? 0)
    this.blocks = dir ? 0 : (record?.blob?.blockLength ?? 0)
    const time = new Date(Math.min(record?.stamp.t ?? 0, MAX_DATE_MS))
    this.mtime = time
    this.ctime = time
    this.atime = time
    this.birthtime = time
    this.metadata = record?.metadata ?? null
    this.drive = record ? drive : null
    this.driveKey = record?.drive ?? null
    this.mount = record?.kind === 'mount' && record.mount ? { key: record.mount } : null
  }

  isFile(): boolean {
    return (this.mode & 0o170000) === S_IFREG
  }

  isDirectory(): boolean {
    return (this.mode & 0o170000) === S_IFDIR
  }

  isSymbolicLink(): boolean {
    return (this.mode & 0o170000) === S_IFLNK
  }
}
