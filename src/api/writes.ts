/**
 * Writes into the writer drive. Each write runs under the write lock (its stamp is computed from
 * a view no concurrent write of ours changes), is ONE `drive.batch()` append (the new record plus
 * the removal of the writer's own older records at the path), and resolves once the index shows it.
 */
import type Hyperdrive from 'hyperdrive'
import mutexify from 'mutexify/promise.js'
import {
  type DriveBatch,
  deleteRecord,
  type FileFields,
  putDirMarker,
  putFile,
  putFileEntry,
  putSymlink,
  putTombstone,
  STAMP_KEY
} from '../events/records.js'
import type { Clock, DrivePath, RecordSub, Stamp } from '../events/types.js'
import { candidateRecords } from '../index-store/resolve.js'
import { ancestorsOf, type StoredRecord } from '../index-store/schema.js'
import type { IndexView } from '../index-store/view.js'
import type { Content } from './content.js'
import { type DriveSet, keyOf } from './drive-set.js'
import { MultiDriveError } from './errors.js'
import type { FileBackend } from './file-table.js'
import { follow } from './paths.js'

/** Options of a file write. */
export interface PutOptions {
  executable?: boolean
  metadata?: Record<string, unknown> | null
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Metadata of a record being copied: a remote plain-Hyperdrive writer may have stored anything. */
function copyableMetadata(metadata: unknown): Record<string, unknown> | null {
  return isPlainObject(metadata) ? metadata : null
}

/** The user's metadata for a write: a plain object without our reserved key, or null. */
function userMetadata(metadata: unknown): Record<string, unknown> | null {
  if (metadata === undefined || metadata === null) return null
  if (!isPlainObject(metadata)) throw MultiDriveError.EINVAL('metadata must be a plain object')
  if (STAMP_KEY in metadata) throw MultiDriveError.EINVAL(`metadata key '${STAMP_KEY}' is reserved`)
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
  private readonly writeLock = mutexify()

  constructor({ view, drives, content, now }: WritesOptions) {
    this.view = view
    this.drives = drives
    this.content = content
    this.now = now
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

  /** Runs a write exclusively, with the writer as it is once the lock is held. */
  async exclusive<T>(fn: (writer: Hyperdrive) => Promise<T>): Promise<T> {
    this.requireWriter()
    const release = await this.writeLock()
    try {
      // The writer may have been removed while this write waited for the lock.
      return await fn(this.requireWriter())
    } finally {
      release()
    }
  }

  /** Writes a file (EISDIR over a directory, ENOTDIR under a file). */
  async put(path: DrivePath, data: Uint8Array, opts: PutOptions = {}): Promise<void> {
    const fields = { executable: opts.executable, metadata: userMetadata(opts.metadata) }
    await this.exclusive(async (writer) => {
      this.assertFileSlot(path)
      await this.writeRecord(writer, path, 'files', (batch, stamp) => putFile(batch, path, data, fields, stamp))
    })
  }

  async symlink(path: DrivePath, target: string): Promise<void> {
    if (typeof target !== 'string' || target.includes('\0'))
      throw MultiDriveError.EINVAL('invalid symlink target', path)
    await this.exclusive(async (writer) => {
      this.assertFileSlot(path)
      await this.writeRecord(writer, path, 'files', (batch, stamp) => putSymlink(batch, path, target, null, stamp))
    })
  }

  /** A tombstone for whatever wins the path (no-op when nothing live is there). */
  async del(path: DrivePath): Promise<void> {
    await this.exclusive(async (writer) => {
      const { record } = await this.view.resolve(path)
      if (record === null || record.kind === 'tombstone') return
      await this.tombstone(writer, path)
    })
  }

  /** Like `fs.unlink`: ENOENT if no file is there, EISDIR for a directory. */
  async unlink(path: DrivePath): Promise<void> {
    await this.exclusive(async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(path)
      if (node.type === 'dir') throw MultiDriveError.EISDIR(path)
      await this.tombstone(writer, path)
    })
  }

  /** A directory marker; EEXIST if something lives there, unless `recursive` and it is a directory. */
  async mkdir(path: DrivePath, { recursive = false }: { recursive?: boolean } = {}): Promise<void> {
    await this.exclusive(async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'dir' && recursive) return
      if (node.type !== 'missing') throw MultiDriveError.EEXIST(path)
      this.assertParents(path)
      await this.writeRecord(writer, path, 'dirs', (batch, stamp) => putDirMarker(batch, path, stamp))
    })
  }

  /** Removes a directory: ENOTEMPTY unless empty or `recursive` (tombstones everything under it). */
  async rmdir(path: DrivePath, { recursive = false }: { recursive?: boolean } = {}): Promise<void> {
    await this.exclusive(async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(path)
      if (node.type !== 'dir') throw MultiDriveError.ENOTDIR(path)
      if (node.liveChildren > 0 && !recursive) throw MultiDriveError.ENOTEMPTY(path)
      const doomed: DrivePath[] = []
      for await (const [under, n] of this.view.nodesUnder(path)) if (n.record !== null) doomed.push(under)
      if (node.record !== null) doomed.push(path)
      if (doomed.length === 0) return
      const all = await this.view.recordsAtEach(doomed)
      await this.append(writer, async (batch) => {
        for (const [i, target] of doomed.entries()) {
          const records = all[i] ?? []
          await putTombstone(batch, target, this.stampFor(records))
          await this.dropOwn(batch, writer, target, records, 'tombstones')
        }
      })
    })
  }

  /** A tombstone in the writer; `keepOwnCopy` leaves the writer's own file under it (undoable). */
  tombstone(writer: Hyperdrive, path: DrivePath, { keepOwnCopy = false } = {}): Promise<void> {
    return this.writeRecord(writer, path, 'tombstones', (batch, stamp) => putTombstone(batch, path, stamp), {
      replace: !keepOwnCopy
    })
  }

  /** Copies a record (content included) into the writer with a stamp that dominates the path. */
  async copy(writer: Hyperdrive, path: DrivePath, record: StoredRecord): Promise<void> {
    if (record.kind === 'dir') {
      return this.writeRecord(writer, path, 'dirs', (batch, stamp) => putDirMarker(batch, path, stamp))
    }
    const fields = fieldsOf(record)
    if (record.kind === 'symlink') {
      const target = record.linkname ?? ''
      return this.writeRecord(writer, path, 'files', (batch, stamp) =>
        putSymlink(batch, path, target, fields.metadata, stamp)
      )
    }
    const content = await this.content.read(record)
    return this.writeRecord(writer, path, 'files', (batch, stamp) => putFile(batch, path, content, fields, stamp))
  }

  /**
   * Rewrites the winning file's metadata. Copy-on-write: a file owned by another drive is copied
   * into the writer with the new metadata; the writer's own blob is reused.
   */
  async updateMetadata(
    path: DrivePath,
    update: (metadata: Record<string, unknown>) => Record<string, unknown>
  ): Promise<void> {
    await this.exclusive(async (writer) => {
      const node = this.view.lookup(path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(path)
      if (node.type === 'dir') throw MultiDriveError.EISDIR(path)
      const winner = node.record
      const fields = fieldsOf(winner, userMetadata(update(copyableMetadata(winner.metadata) ?? {})))
      if (winner.kind === 'symlink') {
        const target = winner.linkname ?? ''
        return this.writeRecord(writer, path, 'files', (batch, stamp) =>
          putSymlink(batch, path, target, fields.metadata, stamp)
        )
      }
      if (winner.drive === keyOf(writer)) {
        const blob = winner.blob ?? null
        return this.writeRecord(writer, path, 'files', (batch, stamp) => putFileEntry(batch, path, blob, fields, stamp))
      }
      const content = await this.content.read(winner)
      await this.writeRecord(writer, path, 'files', (batch, stamp) => putFile(batch, path, content, fields, stamp))
    })
  }

  /** Truncates (or zero-extends) a file; files of other drives are copied (copy-on-write). */
  async truncate(path: DrivePath, len: number): Promise<void> {
    if (!Number.isSafeInteger(len) || len < 0) throw MultiDriveError.EINVAL(`invalid length: ${len}`)
    await this.exclusive(async (writer) => {
      const { path: p, node } = follow(this.view, path)
      if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
      if (node.type === 'dir') throw MultiDriveError.EISDIR(p)
      const content = await this.content.read(node.record)
      const out = Buffer.alloc(len)
      content.copy(out, 0, 0, Math.min(len, content.length))
      const fields = fieldsOf(node.record)
      await this.writeRecord(writer, p, 'files', (batch, stamp) => putFile(batch, p, out, fields, stamp))
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

  /** Deletes the writer's own records of one sub at each path, in one append. */
  async dropRecords(writer: Hyperdrive, sub: RecordSub, paths: readonly DrivePath[]): Promise<void> {
    await this.append(writer, async (batch) => {
      for (const path of paths) await deleteRecord(batch, sub, path)
    })
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

  /** Builds a batch of the writer's, appends it (ONE append) and resolves once the index shows it. */
  private async append(writer: Hyperdrive, build: (batch: DriveBatch) => Promise<void>): Promise<void> {
    const batch = writer.batch()
    await build(batch)
    await batch.flush()
    await this.drives.indexed(writer)
  }

  /**
   * Deletes the writer's own records at `path` in subs other than `kept`. Called after the new
   * record is in the batch, so an index reading the log half-way still sees the writer's newest
   * statement.
   */
  private async dropOwn(
    batch: DriveBatch,
    writer: Hyperdrive,
    path: DrivePath,
    records: readonly StoredRecord[],
    kept: RecordSub
  ): Promise<void> {
    const writerKey = keyOf(writer)
    for (const r of records) if (r.drive === writerKey && r.sub !== kept) await deleteRecord(batch, r.sub, path)
  }

  /**
   * Writes one record for `path` into the writer in ONE append: `write` adds the record to the
   * batch, then (unless `replace` is false) the writer's own records of the other subs go.
   */
  private async writeRecord(
    writer: Hyperdrive,
    path: DrivePath,
    sub: RecordSub,
    write: (batch: DriveBatch, stamp: Stamp) => Promise<void>,
    { replace = true }: { replace?: boolean } = {}
  ): Promise<void> {
    const records = await this.view.recordsAt(path)
    await this.append(writer, async (batch) => {
      await write(batch, this.stampFor(records))
      if (replace) await this.dropOwn(batch, writer, path, records, sub)
    })
  }
}
