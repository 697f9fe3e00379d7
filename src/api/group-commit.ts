/**
 * The commit side of writes: every write queued while the previous group was being written joins
 * the next group, which is decided against the index as the previous groups left it, then written
 * as ONE append of blobs and ONE batch append of records (`drive.db.batch()`), indexed at once;
 * each write resolves once the index shows it. Writes whose paths touch (the same path, or one
 * above the other) never share a group, so every decision sees the writes before it. What a write
 * records is its own business (writes.ts): here it is a list of LogWrites.
 */
import type Hyperdrive from 'hyperdrive'
import type { OwnAppend } from '../actors/supervisor.js'
import { isUnder } from '../events/paths.js'
import {
  deletionNode,
  type FileFields,
  fileNode,
  markerNode,
  mountNode,
  type RawNode,
  symlinkNode
} from '../events/records.js'
import type { BlobId, DrivePath, RecordSub, Stamp } from '../events/types.js'
import type { DriveSet } from './drive-set.js'
import { MultiDriveError } from './errors.js'

/** Nodes go into the db as the bytes records.ts made of them. */
const BINARY = { keyEncoding: 'binary', valueEncoding: 'binary' }
/** A group holds at most this many writes, or this many bytes of content, whichever comes first. */
const GROUP_WRITES = 256
const GROUP_BYTES = 16 * 1024 * 1024

/** One record (or removal) a write puts into the writer's log. */
export type LogWrite =
  | { type: 'file'; path: DrivePath; content: Uint8Array; fields: FileFields; stamp: Stamp }
  | { type: 'entry'; path: DrivePath; blob: BlobId | null; fields: FileFields; stamp: Stamp }
  | { type: 'symlink'; path: DrivePath; target: string; metadata: Record<string, unknown> | null; stamp: Stamp }
  | { type: 'tombstone'; path: DrivePath; stamp: Stamp }
  | { type: 'dir'; path: DrivePath; stamp: Stamp }
  | { type: 'mount'; path: DrivePath; key: string; stamp: Stamp }
  | { type: 'delete'; path: DrivePath; sub: RecordSub }

/** A write waiting for its group: what it touches, and how it decides its records. */
interface Queued {
  paths: DrivePath[]
  bytes: number
  decide: (writer: Hyperdrive) => Promise<LogWrite[]>
  resolve: () => void
  reject: (err: unknown) => void
}

/** Whether two paths touch: the same, or one under the other. */
function touches(a: DrivePath, b: DrivePath): boolean {
  return isUnder(a, b) || isUnder(b, a)
}

/** Blob ids for contents appended as consecutive blocks from `blockOffset` / `byteOffset`. */
function blobIds(
  contents: readonly Uint8Array[],
  blockSize: number,
  blockOffset: number,
  byteOffset: number
): BlobId[] {
  return contents.map((content) => {
    const blockLength = Math.ceil(content.byteLength / blockSize)
    const id = { blockOffset, blockLength, byteOffset, byteLength: content.byteLength }
    blockOffset += blockLength
    byteOffset += content.byteLength
    return id
  })
}

/**
 * Starts appending file contents to the writer's blobs as one append, and returns at once each
 * file's blob id as Hyperblobs would, with `written`, which settles once the append has. Under the
 * blobs' lock, which Hyperblobs' own writers take (a plain `drive.put` on the same drive), held
 * until then: offsets computed and appended with no other writer in between. Hyperblobs keeps that
 * lock private; without it, a write stream (which takes it) does the same, slower, and is awaited.
 */
async function startBlobs(
  writer: Hyperdrive,
  contents: readonly Uint8Array[]
): Promise<{ ids: BlobId[]; written: Promise<void> }> {
  if (contents.length === 0) return { ids: [], written: Promise.resolve() }
  const blobs = writer.blobs ?? (await writer.getBlobs())
  const { blockSize, core } = blobs
  const blocks = contents.flatMap((content) => {
    const out: Buffer[] = []
    for (let at = 0; at < content.byteLength; at += blockSize) {
      out.push(Buffer.from(content.buffer, content.byteOffset + at, Math.min(blockSize, content.byteLength - at)))
    }
    return out
  })
  if (typeof blobs._lock === 'function') {
    const lock = blobs._lock
    const release = await new Promise<() => void>((resolve) => lock(resolve))
    const ids = blobIds(contents, blockSize, core.length, core.byteLength)
    const appending = blocks.length > 0 ? core.append(blocks) : Promise.resolve()
    const written = appending.then(() => {}).finally(release)
    // Awaited once the records are in the batch: a failure before then is not unhandled.
    written.catch(() => {})
    return { ids, written }
  }
  const stream = blobs.createWriteStream()
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve)
    stream.once('error', reject)
  })
  for (const block of blocks) stream.write(block)
  stream.end()
  await closed
  return { ids: blobIds(contents, blockSize, stream.id.blockOffset, stream.id.byteOffset), written: closed }
}

/** The node a write's record (or removal) is, with its blob once its content is in the blobs. */
function nodeOf(op: LogWrite, blob: BlobId | null): RawNode {
  if (op.type === 'file') return fileNode(op.path, blob, op.fields, op.stamp)
  if (op.type === 'entry') return fileNode(op.path, op.blob, op.fields, op.stamp)
  if (op.type === 'symlink') return symlinkNode(op.path, op.target, op.metadata, op.stamp)
  if (op.type === 'tombstone') return markerNode('tombstones', op.path, op.stamp)
  if (op.type === 'dir') return markerNode('dirs', op.path, op.stamp)
  if (op.type === 'mount') return mountNode(op.path, op.key, op.stamp)
  return deletionNode(op.sub, op.path)
}

/** Queues writes and commits them in groups (see the top of this file). */
export class GroupCommit {
  private readonly drives: DriveSet
  private readonly queue: Queued[] = []
  /** The group being written, if any. */
  private committing: Promise<void> | null = null
  private closed = false

  constructor(drives: DriveSet) {
    this.drives = drives
  }

  /**
   * Queues a write that touches `paths` and carries `bytes` of content; `decide` gives its records
   * once its group is written (or throws: the write fails alone). Resolves once the index shows it.
   */
  enqueue(paths: DrivePath[], bytes: number, decide: Queued['decide']): Promise<void> {
    if (this.closed) return Promise.reject(MultiDriveError.ECLOSED())
    if (this.drives.writer === null) return Promise.reject(MultiDriveError.EROFS())
    return new Promise((resolve, reject) => {
      this.queue.push({ paths, bytes, decide, resolve, reject })
      this.committing ??= this.drain()
    })
  }

  /**
   * Stops taking writes: what is queued rejects with ECLOSED, the group being written finishes
   * (it holds the writer's batch: cutting it short would leave it half done).
   */
  async close(): Promise<void> {
    this.closed = true
    for (const write of this.queue.splice(0)) write.reject(MultiDriveError.ECLOSED())
    await this.committing
  }

  /** Commits groups until the queue is empty. */
  private async drain(): Promise<void> {
    // Let the writes of the current turn join the first group.
    await Promise.resolve()
    try {
      while (this.queue.length > 0) await this.commit(this.takeGroup())
    } finally {
      this.committing = null
    }
  }

  /** The longest run at the front of the queue whose writes touch no path another one touches. */
  private takeGroup(): Queued[] {
    const group: Queued[] = []
    const paths: DrivePath[] = []
    let bytes = 0
    while (this.queue.length > 0 && group.length < GROUP_WRITES) {
      const next = this.queue[0] as Queued
      if (next.paths.some((p) => paths.some((q) => touches(p, q)))) break
      if (group.length > 0 && bytes + next.bytes > GROUP_BYTES) break
      this.queue.shift()
      group.push(next)
      paths.push(...next.paths)
      bytes += next.bytes
    }
    return group
  }

  /** Decides every write of a group, appends them all at once, and resolves them once indexed. */
  private async commit(group: Queued[]): Promise<void> {
    const writer = this.drives.writer
    if (writer === null) {
      for (const write of group) write.reject(MultiDriveError.EROFS())
      return
    }
    const decided = await Promise.allSettled(group.map((write) => write.decide(writer)))
    const accepted: { write: Queued; ops: LogWrite[] }[] = []
    decided.forEach((outcome, i) => {
      const write = group[i] as Queued
      if (outcome.status === 'rejected') write.reject(outcome.reason)
      else accepted.push({ write, ops: outcome.value })
    })
    const ops = accepted.flatMap((a) => a.ops)
    try {
      if (ops.length > 0) await this.drives.appendOwn(writer, () => this.append(writer, ops))
      for (const { write } of accepted) write.resolve()
    } catch (err) {
      for (const { write } of accepted) write.reject(err)
    }
  }

  /**
   * Content (one blobs append) and records (ONE batch append of the drive's db), the records
   * entered into the batch while the content is appended, and flushed once it is: no record ever
   * lands before its content. Returns as the flush starts; `landed` settles once it is done.
   */
  private async append(writer: Hyperdrive, ops: LogWrite[]): Promise<OwnAppend> {
    const files = ops.filter((op): op is Extract<LogWrite, { type: 'file' }> => op.type === 'file')
    const batch = writer.db.batch()
    let written: Promise<void> = Promise.resolve()
    try {
      // The db's lock before the blobs': the order a Hyperdrive batch takes them in.
      await batch.lock()
      const blobs = await startBlobs(
        writer,
        files.map((op) => op.content)
      )
      written = blobs.written
      const blobOf = new Map<LogWrite, BlobId>(files.map((op, i) => [op, blobs.ids[i] as BlobId]))
      const nodes: RawNode[] = []
      for (const node of ops.map((op) => nodeOf(op, blobOf.get(op) ?? null))) {
        const before = batch.length
        if (node.value === null) await batch.del(node.key, BINARY)
        else await batch.put(node.key, node.value, BINARY)
        // Removing a key the db does not hold appends nothing: only what lands is a node of ours.
        if (batch.length > before) nodes.push(node)
      }
      await written
      // The batch holds the db's lock: nothing else lands between this length and our nodes.
      const from = writer.core.length
      return { from, nodes, landed: batch.flush() }
    } catch (err) {
      await written.catch(() => {})
      // A batch left open keeps the db's lock: every later write to the drive would wait forever.
      await batch.close().catch(() => {})
      throw err
    }
  }
}
