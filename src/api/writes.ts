/**
 * Writes into the writer drive: what each write records (its checks, its stamp, the removal of
 * the writer's own older records at its path), decided against the index when its group is
 * written (group-commit.ts appends and indexes it; a later write to a path dominates an earlier one).
 */
import type Hyperdrive from 'hyperdrive'
import { type FileFields, MAX_METADATA_BYTES, STAMP_KEY } from '../events/records.js'
import type { Clock, DrivePath, RecordSub, Stamp } from '../events/types.js'
import { candidateRecords } from '../index-store/resolve.js'
import { ancestorsOf, type StoredRecord } from '../index-store/schema.js'
import type { IndexView } from '../index-store/view.js'
import type { Content } from './content.js'
import { type DriveSet, keyOf } from './drive-set.js'
import { MultiDriveError } from './errors.js'
import { type FileBackend, MAX_FILE_BYTES } from './file-table.js'
import { GroupCommit, type LogWrite } from './group-commit.js'
import type { FileOptions } from './method-options.js'
import { follow } from './paths.js'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Metadata of a record being copied: a remote plain-Hyperdrive writer may have stored anything. */
function copyableMetadata(metadata: unknown): Record<string, unknown> | null {
  return isPlainObject(metadata) ? metadata : null
}

/** The user's metadata for a write: a plain object of JSON without our reserved key, or null. */
export function userMetadata(metadata: unknown): Record<string, unknown> | null {
  if (metadata === undefined || metadata === null) return null
  if (!isPlainObject(metadata)) throw MultiDriveError.EINVAL('metadata must be a plain object')
  if (STAMP_KEY in metadata) throw MultiDriveError.EINVAL(`metadata key '${STAMP_KEY}' is reserved`)
  let json: string
  try {
    json = JSON.stringify(metadata)
  } catch (err) {
    throw MultiDriveError.EINVAL('metadata must serialise to JSON', undefined, err)
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw MultiDriveError.EINVAL(`metadata is at most ${MAX_METADATA_BYTES} bytes of JSON`)
  }
  return metadata
}

/** The fields of a record being copied into the writer. */
function fieldsOf(record: StoredRecord, metadata = copyableMetadata(record.metadata)): FileFields {
  return { executable: record.executable === true, metadata }
}

export interface WritesOptions {
  view: IndexView
  drives: DriveSet
  content: Content
  /** The wall clock stamped on writes (ms). */
  now: () => number
}

export class Writes {
  private readonly view: IndexView
  private readonly drives: DriveSet
  private readonly content: Content
  private readonly now: () => number
  private readonly commits: GroupCommit

  constructor({ view, drives, content, now }: WritesOptions) {
    this.view = view
    this.drives = drives
    this.content = content
    this.now = now
    this.commits = new GroupCommit(drives)
  }

  /** The writer, or EROFS. */
  requireWriter(): Hyperdrive {
    const writer = this.drives.writer
    if (writer === null) throw MultiDriveError.EROFS()
    return writer
  }

  /** Writing a file at `path` needs a writer, no directory there and no file above it. */
  assertFileSlot(path: DrivePath): void {
    this.requireWriter()
    if (this.view.lookup(path).type === 'dir') throw MultiDriveError.EISDIR(path)
    this.assertParents(path)
  }

  /** Writes a file (EISDIR over a directory, ENOTDIR under a file). */
  put(path: DrivePath, data: Uint8Array, opts: FileOptions = {}): Promise<void> {
    const fields = { executable: opts.executable, metadata: userMetadata(opts.metadata) }
    if (data.byteLength > MAX_FILE_BYTES)
      throw MultiDriveError.EINVAL(`files are at most ${MAX_FILE_BYTES} bytes`, path)
    return this.commits.enqueue([path], data.byteLength, async (writer) => {
      this.assertFileSlot(path)
      return this.fileRecord(writer, path, data, fields)
    })
  }

  symlink(path: DrivePath, target: string): Promise<void> {
    if (typeof target !== 'string' || target.includes('\0'))
      throw MultiDriveError.EINVAL('invalid symlink target', path)
    return this.commits.enqueue([path], 0, async (writer) => {
      this.assertFileSlot(path)
      return this.symlinkRecord(writer, path, target, null)
    })
  }

  /** A tombstone for whatever wins the path (no-op when nothing live is there). */
  del(path: DrivePath): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      // The index says what wins (no record: nothing, or a directory that exists through its children).
      const node = this.view.lookup(path)
      if (node.type === 'missing' || node.record === null) return []
      return this.tombstone(writer, path)
    })
  }

  /** Like `fs.unlink`: ENOENT if no file is there, EISDIR for a directory. */
  unlink(path: DrivePath): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(path)
      if (node.type === 'dir') throw MultiDriveError.EISDIR(path)
      return this.tombstone(writer, path)
    })
  }

  /** A directory marker; EEXIST if something lives there, unless `recursive` and it is a directory. */
  mkdir(path: DrivePath, { recursive = false }: { recursive?: boolean } = {}): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'dir' && recursive) return []
      if (node.type !== 'missing') throw MultiDriveError.EEXIST(path)
      this.assertParents(path)
      return this.record(writer, path, 'dirs', (stamp) => ({ type: 'dir', path, stamp }))
    })
  }

  /**
   * A mount record: the drive `key` (hex) shows its tree at the path, over whatever directory is
   * there (a union); EEXIST over a file.
   */
  mount(path: DrivePath, key: string): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'file' || node.type === 'symlink') throw MultiDriveError.EEXIST(path)
      this.assertParents(path)
      return this.record(writer, path, 'mounts', (stamp) => ({ type: 'mount', path, key, stamp }))
    })
  }

  /** Removes the mount that wins at the path (a tombstone over it): EINVAL if none does. */
  unmount(path: DrivePath): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      const node = this.view.lookup(path)
      if (node.type !== 'dir' || node.record?.kind !== 'mount') throw MultiDriveError.EINVAL('not a mount point', path)
      return this.tombstone(writer, path)
    })
  }

  /** Removes a directory: ENOTEMPTY unless empty or `recursive` (tombstones everything under it). */
  rmdir(path: DrivePath, { recursive = false }: { recursive?: boolean } = {}): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(path)
      if (node.type !== 'dir') throw MultiDriveError.ENOTDIR(path)
      if (node.liveChildren > 0 && !recursive) throw MultiDriveError.ENOTEMPTY(path)
      const doomed: DrivePath[] = []
      for await (const [under, n] of this.view.nodesUnder(path)) if (n.record !== null) doomed.push(under)
      if (node.record !== null) doomed.push(path)
      const all = await this.view.recordsAtEach(doomed)
      return doomed.flatMap((target, i) =>
        this.replacing(writer, target, 'tombstones', all[i] ?? [], (stamp) => ({
          type: 'tombstone',
          path: target,
          stamp
        }))
      )
    })
  }

  /**
   * Runs a write on `path` that decides its records with the helpers below (tombstones.ts uses it
   * for the seed's tombstone API).
   */
  custom(path: DrivePath, decide: (writer: Hyperdrive) => Promise<LogWrite[]>): Promise<void> {
    return this.commits.enqueue([path], 0, decide)
  }

  /** A tombstone in the writer; `keepOwnCopy` leaves the writer's own file under it (undoable). */
  tombstone(writer: Hyperdrive, path: DrivePath, { keepOwnCopy = false } = {}): Promise<LogWrite[]> {
    return this.record(writer, path, 'tombstones', (stamp) => ({ type: 'tombstone', path, stamp }), {
      replace: !keepOwnCopy
    })
  }

  /** Copies a record (content included) into the writer with a stamp that dominates the path. */
  async copy(writer: Hyperdrive, path: DrivePath, record: StoredRecord): Promise<LogWrite[]> {
    if (record.kind === 'dir') return this.record(writer, path, 'dirs', (stamp) => ({ type: 'dir', path, stamp }))
    const mounted = record.kind === 'mount' ? record.mount : null
    if (mounted) return this.record(writer, path, 'mounts', (stamp) => ({ type: 'mount', path, key: mounted, stamp }))
    const fields = fieldsOf(record)
    if (record.kind === 'symlink') {
      const target = record.linkname ?? ''
      return this.symlinkRecord(writer, path, target, fields.metadata)
    }
    const content = await this.content.read(record)
    return this.fileRecord(writer, path, content, fields)
  }

  /** Removes the writer's own records of one sub at each path. */
  dropRecords(paths: readonly DrivePath[], sub: RecordSub): LogWrite[] {
    return paths.map((path) => ({ type: 'delete', path, sub }))
  }

  /**
   * Rewrites the winning file's metadata. Copy-on-write: a file owned by another drive is copied
   * into the writer with the new metadata; the writer's own blob is reused.
   */
  updateMetadata(
    path: DrivePath,
    update: (metadata: Record<string, unknown>) => Record<string, unknown>
  ): Promise<void> {
    return this.commits.enqueue([path], 0, async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(path)
      if (node.type === 'dir') throw MultiDriveError.EISDIR(path)
      const winner = node.record
      const fields = fieldsOf(winner, userMetadata(update(copyableMetadata(winner.metadata) ?? {})))
      if (winner.kind === 'symlink') {
        const target = winner.linkname ?? ''
        return this.symlinkRecord(writer, path, target, fields.metadata)
      }
      if (winner.drive === keyOf(writer)) {
        const blob = winner.blob ?? null
        return this.record(writer, path, 'files', (stamp) => ({ type: 'entry', path, blob, fields, stamp }))
      }
      const content = await this.content.read(winner)
      return this.fileRecord(writer, path, content, fields)
    })
  }

  /** Truncates (or zero-extends) a file; files of other drives are copied (copy-on-write). */
  truncate(path: DrivePath, len: number): Promise<void> {
    if (!Number.isSafeInteger(len) || len < 0 || len > MAX_FILE_BYTES) {
      throw MultiDriveError.EINVAL(`invalid length: ${len} (files are at most ${MAX_FILE_BYTES} bytes)`)
    }
    return this.commits.enqueue([path], len, async (writer) => {
      const { path: p, node } = follow(this.view, path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
      if (node.type === 'dir') throw MultiDriveError.EISDIR(p)
      const content = await this.content.read(node.record)
      const out = Buffer.alloc(len)
      content.copy(out, 0, 0, Math.min(len, content.length))
      const fields = fieldsOf(node.record)
      return this.fileRecord(writer, p, out, fields)
    })
  }

  /** The merged view's files as the file table sees them: symlinks followed, written back here. */
  fileBackend(): FileBackend {
    return {
      locate: (path) => {
        const followed = follow(this.view, path)
        return { path: followed.path, type: followed.node.type === 'symlink' ? 'file' : followed.node.type }
      },
      assertWritable: (path) => this.assertFileSlot(path),
      load: async (path) => {
        const node = this.view.lookup(path)
        return node.type === 'file' ? this.content.read(node.record) : Buffer.alloc(0)
      },
      save: (path, content) => this.put(path, content)
    }
  }

  /**
   * Stops taking writes: what is queued rejects with ECLOSED, the group being written finishes
   * (it holds the writer's batch: cutting it short would leave it half done).
   */
  close(): Promise<void> {
    return this.commits.close()
  }

  /** A file with new content at a path, as one write's records. */
  private fileRecord(writer: Hyperdrive, path: DrivePath, content: Uint8Array, fields: FileFields) {
    return this.record(writer, path, 'files', (stamp) => ({ type: 'file', path, content, fields, stamp }))
  }

  /** A symlink at a path, as one write's records. */
  private symlinkRecord(writer: Hyperdrive, path: DrivePath, target: string, metadata: FileFields['metadata']) {
    return this.record(writer, path, 'files', (stamp) => ({ type: 'symlink', path, target, metadata, stamp }))
  }

  /** The records of one write at a path: the new record, then (unless kept) the writer's own older ones go. */
  private async record(
    writer: Hyperdrive,
    path: DrivePath,
    sub: RecordSub,
    make: (stamp: Stamp) => LogWrite,
    { replace = true }: { replace?: boolean } = {}
  ): Promise<LogWrite[]> {
    const records = await this.view.recordsAt(path)
    if (!replace) return [make(this.stampFor(records))]
    return this.replacing(writer, path, sub, records, make)
  }

  /**
   * The new record, then the deletion of the writer's own records at `path` in other subs (after
   * the new one, so an index reading the log half-way still sees the writer's newest statement).
   */
  private replacing(
    writer: Hyperdrive,
    path: DrivePath,
    sub: RecordSub,
    records: readonly StoredRecord[],
    make: (stamp: Stamp) => LogWrite
  ): LogWrite[] {
    const writerKey = keyOf(writer)
    const own = records.filter((r) => r.drive === writerKey && r.sub !== sub)
    return [make(this.stampFor(records)), ...own.map((r): LogWrite => ({ type: 'delete', path, sub: r.sub }))]
  }

  /** The stamp for a new record at a path: now, and the seq of every drive's record there. */
  private stampFor(records: readonly StoredRecord[]): Stamp {
    const t = this.now()
    if (!Number.isFinite(t) || t < 0) throw MultiDriveError.EINVAL(`now() returned ${t}, not a time in ms`)
    const clock: Clock = {}
    for (const r of candidateRecords(records)) clock[r.drive] = r.seq
    return { t, clock }
  }

  private assertParents(path: DrivePath): void {
    for (const ancestor of ancestorsOf(path)) {
      const node = this.view.lookup(ancestor)
      if (node.type === 'file' || node.type === 'symlink') throw MultiDriveError.ENOTDIR(ancestor)
    }
  }
}
