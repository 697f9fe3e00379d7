/**
 * MultiDrive: many Hyperdrives read as one. The public facade and the one place the subsystems
 * meet: drive actors (src/actors) read drives and hand batches over the bus (src/events) to the
 * indexer (src/index-store), which commits them to LevelDB; reads answer from the index's view.
 * The mechanics live in collaborators with one job each (drive set, writes, files, content...).
 */
import type { Readable, Writable } from 'node:stream'
import type { AbstractLevel } from 'abstract-level'
import type Hypercore from 'hypercore'
import type Hyperdrive from 'hyperdrive'
import ReadyResource from 'ready-resource'
import type { Observable } from 'rxjs'
import safetyCatch from 'safety-catch'
import { DriveSupervisor } from '../actors/supervisor.js'
import { IndexBus } from '../events/bus.js'
import { ChangeFeed, type ChangeWatcher } from '../events/changes.js'
import type { DriveKey, DrivePath, MergedChange, MergedEntry } from '../events/types.js'
import { Indexer } from '../index-store/indexer.js'
import type { Resolution, Resolver } from '../index-store/resolve.js'
import { toEntry } from '../index-store/schema.js'
import { createIndexStore } from '../index-store/store.js'
import { type VerifyResult, verifyIndex } from '../index-store/verify.js'
import { childPath, type DirNode, type FileNode, IndexView, type PathNode } from '../index-store/view.js'
import { type ByteRange, Content } from './content.js'
import { assertDrive, DriveSet, type DriveStats, toDriveKey } from './drive-set.js'
import { MultiDriveError } from './errors.js'
import { type BufferRange, bufferedWriteStream, FileTable } from './file-table.js'
import { Listing } from './listing.js'
import { follow, toPath } from './paths.js'
import { Stat } from './stat.js'
import { Tombstones } from './tombstones.js'
import { type PutOptions, Writes } from './writes.js'

export type { VerifyResult } from '../index-store/verify.js'
export type { DriveStats } from './drive-set.js'

export interface MultiDriveOptions {
  /** A directory for a LevelDB index on disk, or an abstract-level database; default: in memory. */
  // biome-ignore lint/suspicious/noExplicitAny: any abstract-level database will do.
  index?: string | AbstractLevel<any, string, any>
  /** The drive writes go to while it is added; default: the primary if writable, else the first writable drive added. */
  writer?: Hyperdrive
  /** Which record wins a path: 'causal' (default), 'wall-clock', or a comparator. */
  resolve?: Resolver
  /** The wall clock stamped on writes, in ms; default `Date.now`. */
  now?: () => number
}

/** Which drive wins a path and why: every candidate, the heads, and whether they conflict. */
export type WhoWins = Resolution

type Encoding = BufferEncoding
type WriteFileOptions = Encoding | ({ encoding?: Encoding } & PutOptions)

export class MultiDrive extends ReadyResource {
  /** The drive that names this MultiDrive: its key, discovery key and peers are the MultiDrive's. */
  readonly primary: Hyperdrive
  /** Every merged change, emitted only after the index committed it. */
  readonly changes$: Observable<MergedChange>

  private readonly indexer: Indexer
  private readonly view: IndexView
  private readonly bus = new IndexBus()
  private readonly feed = new ChangeFeed()
  private readonly supervisor: DriveSupervisor
  private readonly set: DriveSet
  private readonly content: Content
  private readonly writes: Writes
  private readonly tombstones: Tombstones
  private readonly files: FileTable
  private readonly disposers: (() => void)[] = []
  private indexing: Promise<void> | null = null

  constructor(primary: Hyperdrive, options: MultiDriveOptions = {}) {
    super()
    assertDrive(primary, 'the primary')
    if (options.writer !== undefined) assertDrive(options.writer, 'options.writer')
    this.primary = primary
    const store = createIndexStore(options.index)
    const resolver = options.resolve ?? 'causal'
    this.indexer = new Indexer({ store, resolver, onCommit: (changes) => this.feed.publish(changes) })
    this.view = new IndexView(store, resolver)
    this.supervisor = new DriveSupervisor({
      checkpoint: (key) => this.indexer.checkpoint(key),
      submit: (event) => this.bus.submit(event),
      warn: (message) => this.warn(message),
      onStuck: (key, stuck) => this.emit('drive-stuck', this.set.get(key), stuck)
    })
    this.set = new DriveSet({
      primary,
      writer: options.writer,
      supervisor: this.supervisor,
      indexer: this.indexer,
      closing: () => this.closing !== null,
      onAdd: (drive) => this.emit('drive-add', drive),
      onRemove: (drive) => this.emit('drive-remove', drive)
    })
    this.content = new Content((key) => this.set.driveFor(key))
    this.writes = new Writes({ view: this.view, drives: this.set, content: this.content, now: options.now ?? Date.now })
    this.tombstones = new Tombstones(this.view, this.writes)
    this.files = new FileTable(this.writes.fileBackend())
    this.changes$ = this.feed.changes$
    this.ready().catch(safetyCatch)
  }

  protected override async _open(): Promise<void> {
    await this.indexer.open()
    this.indexing = this.indexer.run(this.bus)
    const core = this.primary.core
    for (const event of ['peer-add', 'peer-remove'] as const) {
      const forward = (peer: Hypercore.Peer) => this.emit(event, peer)
      core.on(event, forward)
      this.disposers.push(() => core.off(event, forward))
    }
    await this.set.addInitial()
  }

  /**
   * `close()` closes the MultiDrive: actors, index, and every added drive; open file descriptors
   * are written back first, so closing loses nothing written. Idempotent.
   * `close(fd)` closes a file descriptor from `open()`, writing it back if it was written to.
   */
  override close(fd?: number): Promise<void> {
    if (fd !== undefined) return this.ensureOpen().then(() => this.files.close(fd))
    return this.closeAll()
  }

  private async closeAll(): Promise<void> {
    // Open files are written back, then the writes under way finish and the queued ones are cancelled.
    const written =
      this.opened && this.closing === null
        ? this.files.flushAll().finally(() => this.writes.close())
        : Promise.resolve()
    const flushed = await written.then(
      () => null,
      (err: unknown) => err
    )
    await super.close()
    if (flushed !== null) throw flushed
  }

  protected override async _close(): Promise<void> {
    await this.supervisor.stopAll()
    this.bus.close(MultiDriveError.ECLOSED())
    this.indexer.close(MultiDriveError.ECLOSED())
    await this.indexing
    this.feed.complete()
    for (const dispose of this.disposers.splice(0)) dispose()
    await this.indexer.store.close()
    await Promise.allSettled(this.set.list.map((drive) => drive.close()))
  }

  private async ensureOpen(): Promise<void> {
    if (this.closing !== null) throw MultiDriveError.ECLOSED()
    if (!this.opened) await this.ready()
  }

  get key(): Buffer {
    return this.primary.key
  }

  get discoveryKey(): Buffer {
    return this.primary.discoveryKey
  }

  /** The primary core's peers. */
  get peers(): Hypercore.Peer[] {
    return this.primary.core.peers
  }

  /** The drive writes go to (see `MultiDriveOptions.writer`), or null. */
  get writer(): Hyperdrive | null {
    return this.set.writer
  }

  get writable(): boolean {
    return this.set.writer !== null
  }

  /** Every drive added, in the order they were added (the primary first). */
  get drives(): Hyperdrive[] {
    return this.set.list
  }

  /** Hex drive key -> the length indexed so far (a version vector of the merged view). */
  get version(): Record<string, number> {
    return this.indexer.versions()
  }

  /** Per drive: its actor's lifecycle state, how far it is indexed, and how many nodes were read. */
  get stats(): Record<string, DriveStats> {
    return this.set.stats()
  }

  /**
   * Adds a drive (idempotent); resolves once it is indexed up to its length at the time of the
   * call, or once it waits for peers (a replica lacking blocks, with no peer connected: it is
   * indexed as soon as one connects).
   */
  async addDrive(drive: Hyperdrive): Promise<void> {
    assertDrive(drive, 'addDrive(drive)')
    await this.ensureOpen()
    await this.set.add(drive)
  }

  /** The added drive with that key (Buffer, hex or z-base-32), if any. */
  hasDrive(key: Buffer | Uint8Array | string): Hyperdrive | undefined {
    return this.set.get(toDriveKey(key))
  }

  /**
   * Removes a drive: its records leave the index (the merged view changes accordingly); the drive
   * is not closed. Works for drives a persistent index remembers but that were not added this
   * session. False if the drive is neither added nor indexed.
   */
  async removeDrive(key: Buffer | Uint8Array | string): Promise<boolean> {
    await this.ensureOpen()
    return this.set.remove(toDriveKey(key))
  }

  /** Resolves when every drive's actor has indexed up to that drive's current length. */
  async flush(): Promise<void> {
    await this.ensureOpen()
    await this.set.flush()
  }

  /** Rebuilds the index from the drives into memory and compares it with this one. */
  async verify(): Promise<VerifyResult> {
    await this.ensureOpen()
    return verifyIndex({
      capture: await this.indexer.capture(),
      resolver: this.indexer.resolver,
      readable: this.set.keys(),
      read: async (key, checkpoint, submit) => {
        const drive = this.set.driveFor(key)
        // A drive that forked since the capture cannot be read as it was: its difference shows.
        const to = checkpoint.fork === drive.core.fork ? checkpoint.version : undefined
        await this.supervisor.readAll(drive, key, to, submit)
      }
    })
  }

  /** The winning entry at a path (a file or symlink; null for directories and missing paths). */
  async entry(path: string): Promise<MergedEntry | null> {
    const { path: p, node } = await this.lookup(path)
    return node.type === 'file' || node.type === 'symlink' ? toEntry(p, node.record) : null
  }

  /** Whether a file or symlink exists at the path (as Hyperdrive's `exists`). */
  async exists(path: string): Promise<boolean> {
    return (await this.entry(path)) !== null
  }

  /** The winning file's content, or null (missing, a directory, or a symlink). */
  async get(path: string): Promise<Buffer | null> {
    const { node } = await this.lookup(path)
    return node.type === 'file' ? this.content.read(node.record) : null
  }

  /** Winning file and symlink entries under a folder, sorted by key. */
  list(folder = '/', { recursive = true }: { recursive?: boolean } = {}): Listing<MergedEntry> {
    return this.listing(folder, async function* (view, dir) {
      for await (const [path, node] of view.entriesUnder(dir, { recursive })) yield toEntry(path, node.record)
    })
  }

  /**
   * The sorted names in a directory: `await` it for an array or iterate it. With
   * `{ includeStats: true }`, `{ name, stat }` objects (stats of the entries, links not followed).
   */
  readdir(folder?: string): Listing<string>
  readdir(folder: string, opts: { includeStats: true }): Listing<{ name: string; stat: Stat }>
  readdir(folder?: string, opts?: { includeStats?: boolean }): Listing<string> | Listing<{ name: string; stat: Stat }>
  readdir(
    folder = '/',
    opts: { includeStats?: boolean } = {}
  ): Listing<string> | Listing<{ name: string; stat: Stat }> {
    if (!opts.includeStats) return this.listing(folder, (view, dir) => view.children(dir))
    const statOf = (node: DirNode | FileNode) => this.statOf(node)
    return this.listing(folder, async function* (view, dir) {
      for await (const name of view.children(dir)) {
        const node = view.lookup(childPath(dir, name))
        if (node.type !== 'missing') yield { name, stat: statOf(node) }
      }
    })
  }

  /** A readable stream of the winning file's bytes (symlinks followed); `start`/`end` are inclusive. */
  createReadStream(path: string, opts: ByteRange = {}): Readable {
    return this.content.stream(async () => (await this.fileAt(path)).record, opts)
  }

  /** Like `fs.stat`: follows symlinks; ENOENT if nothing lives at the path. */
  async stat(path: string): Promise<Stat> {
    await this.ensureOpen()
    const { path: p, node } = follow(this.view, toPath(path, { root: true }))
    if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
    return this.statOf(node)
  }

  /** Like `fs.lstat`: a symlink is stat-ed itself. */
  async lstat(path: string): Promise<Stat> {
    const { path: p, node } = await this.lookup(path)
    if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
    return this.statOf(node)
  }

  /** Resolves if the path exists (file, symlink or directory); ENOENT otherwise. */
  async access(path: string): Promise<void> {
    await this.stat(path)
  }

  /** The winning file's content (following symlinks), decoded if an encoding is given. */
  async readFile(path: string, encoding?: Encoding | { encoding?: Encoding }): Promise<Buffer | string> {
    const data = await this.content.read((await this.fileAt(path)).record)
    const enc = typeof encoding === 'string' ? encoding : encoding?.encoding
    return enc ? data.toString(enc) : data
  }

  /** Which drive wins a path and why: every candidate, the heads, and whether they conflict. */
  async whoWins(path: string): Promise<WhoWins> {
    await this.ensureOpen()
    const { winner, candidates, heads, conflict } = await this.view.resolve(toPath(path, { root: true }))
    return { winner, candidates, heads, conflict }
  }

  /** Paths under a folder whose records have several heads (or a file lost to a directory). */
  conflicts(folder = '/'): Listing<string> {
    return this.listing(folder, (view, dir) => view.conflictsUnder(dir))
  }

  /** The drive whose tombstone wins the path, if a tombstone wins it. */
  async getTombstone(path: string): Promise<Hyperdrive | null> {
    await this.ensureOpen()
    const tombstone = await this.tombstones.winning(toPath(path))
    return tombstone === null ? null : (this.set.get(tombstone.drive) ?? null)
  }

  /**
   * `watch(folder)`: an async iterator of the merged changes under a folder, one list per commit.
   * `watch(path, onchange)`: the seed's form; `onchange()` after each such commit.
   */
  watch(folder?: string): ChangeWatcher
  watch(folder: string, onchange: () => void): { destroy(): void }
  watch(folder = '/', onchange?: () => void): ChangeWatcher | { destroy(): void } {
    const dir = toPath(folder, { root: true })
    return onchange ? this.feed.onChange(dir, onchange) : this.feed.watch(dir)
  }

  /** Writes a file into the writer drive (EISDIR over a directory, ENOTDIR under a file). */
  async put(path: string, data: Buffer | Uint8Array | string, opts: PutOptions = {}): Promise<void> {
    const p = toPath(path)
    await this.ensureOpen()
    await this.writes.put(p, typeof data === 'string' ? Buffer.from(data) : data, opts)
  }

  /** `put` with fs-style options: an encoding string or `{ encoding, metadata, executable }`. */
  async writeFile(path: string, data: string | Uint8Array, opts: WriteFileOptions = {}): Promise<void> {
    const o = typeof opts === 'string' ? { encoding: opts } : opts
    const buf = typeof data === 'string' ? Buffer.from(data, o.encoding ?? 'utf-8') : data
    await this.put(path, buf, { executable: o.executable, metadata: o.metadata })
  }

  /** Creates a symlink in the writer drive. */
  async symlink(path: string, target: string): Promise<void> {
    await this.mutate(path, (p) => this.writes.symlink(p, target))
  }

  /** Writes a tombstone for whatever wins the path (no-op when nothing live is there). */
  async del(path: string): Promise<void> {
    await this.mutate(path, (p) => this.writes.del(p))
  }

  /** Like `fs.unlink`: ENOENT if no file is there, EISDIR for a directory. */
  async unlink(path: string): Promise<void> {
    await this.mutate(path, (p) => this.writes.unlink(p))
  }

  /**
   * Writes a directory marker (directories also exist implicitly, through the files under them).
   * EEXIST if something lives there, unless `recursive` and it is a directory (as `fs.mkdir`).
   */
  async mkdir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.mutate(path, (p) => this.writes.mkdir(p, opts))
  }

  /** Removes a directory: ENOTEMPTY unless empty or `recursive` (tombstones everything under it). */
  async rmdir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.mutate(path, (p) => this.writes.rmdir(p, opts))
  }

  /**
   * `true`: mark the path deleted with a tombstone in the writer (the writer's own copy stays under
   * it, so this can be undone). `false`: undo deletion: the writer's own tombstone goes, and if
   * another drive's tombstone still wins, the best live version of the path is copied into the
   * writer so that it wins again.
   */
  async setTombstone(path: string, active: boolean): Promise<void> {
    await this.mutate(path, (p) => this.tombstones.set(p, active))
  }

  /** Removes the writer's own tombstones at the path and at each of its parents. */
  async eraseTombstone(path: string): Promise<void> {
    await this.mutate(path, (p) => this.tombstones.erase(p))
  }

  /**
   * Sets one metadata key of the winning file. Copy-on-write: a file owned by another drive is
   * copied into the writer with the new metadata.
   */
  async setMetadata(path: string, key: string, value: unknown): Promise<void> {
    await this.mutate(path, (p) => this.writes.updateMetadata(p, (metadata) => ({ ...metadata, [key]: value })))
  }

  /** Removes one metadata key of the winning file (copy-on-write, as `setMetadata`). */
  async removeMetadata(path: string, key: string): Promise<void> {
    const without = ({ [key]: _, ...rest }: Record<string, unknown>) => rest
    await this.mutate(path, (p) => this.writes.updateMetadata(p, without))
  }

  /** Truncates (or zero-extends) a file to `len` bytes; files of other drives are copied (copy-on-write). */
  async truncate(path: string, len = 0): Promise<void> {
    await this.mutate(path, (p) => this.writes.truncate(p, len))
  }

  /** A writable stream into a new file in the writer; the file appears when the stream finishes. */
  createWriteStream(path: string, opts: PutOptions = {}): Writable {
    return bufferedWriteStream((content) => this.put(path, content, opts))
  }

  /**
   * Opens a file: flags as `fs.open` ('r', 'r+', 'w', 'w+', 'a', 'a+', with 'x' for exclusive).
   * Symlinks are followed. Writes are buffered and written back to the writer on `close(fd)`.
   */
  async open(path: string, flags = 'r'): Promise<number> {
    await this.ensureOpen()
    return this.files.open(toPath(path), flags)
  }

  /** Reads into `buffer` like `fs.read`; `position` null reads at the file position and advances it. */
  async read(fd: number, buffer: Buffer, ...at: BufferRange): Promise<{ bytesRead: number; buffer: Buffer }> {
    await this.ensureOpen()
    return this.files.read(fd, buffer, ...at)
  }

  /** Writes from `buffer` like `fs.write` (appends in 'a' mode); written back on `close(fd)`. */
  async write(fd: number, buffer: Buffer, ...at: BufferRange): Promise<{ bytesWritten: number; buffer: Buffer }> {
    await this.ensureOpen()
    return this.files.write(fd, buffer, ...at)
  }

  /** Downloads only the winning blobs under a folder (or of one file). */
  async download(folder = '/'): Promise<void> {
    await this.ensureOpen()
    await this.content.download(this.view.filesAt(toPath(folder, { root: true })))
  }

  /** Registers a replication extension on the primary's core. */
  registerExtension<M = unknown>(name: string, handlers: Hypercore.ExtensionHandlers<M> = {}): Hypercore.Extension<M> {
    return this.primary.core.registerExtension(name, handlers)
  }

  /** What lives at a path (links not followed). */
  private async lookup(path: string): Promise<{ path: DrivePath; node: PathNode }> {
    await this.ensureOpen()
    const p = toPath(path, { root: true })
    return { path: p, node: this.view.lookup(p) }
  }

  /** The file a path names, symlinks followed: ENOENT if missing, EISDIR for a directory. */
  private async fileAt(path: string): Promise<FileNode> {
    await this.ensureOpen()
    const { path: p, node } = follow(this.view, toPath(path, { root: true }))
    if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
    if (node.type === 'dir') throw MultiDriveError.EISDIR(p)
    return node
  }

  private statOf(node: DirNode | FileNode): Stat {
    return new Stat(node, node.record ? (this.set.get(node.record.drive as DriveKey) ?? null) : null)
  }

  /** A listing of a folder, opened (and its path checked) when it is first read. */
  private listing<T>(folder: string, source: (view: IndexView, dir: DrivePath) => AsyncIterable<T>): Listing<T> {
    return new Listing(
      async function* (this: MultiDrive) {
        await this.ensureOpen()
        yield* source(this.view, toPath(folder, { root: true }))
      }.bind(this)
    )
  }

  /** Runs a change of the merged view on a checked path, once open. */
  private async mutate(path: string, run: (path: DrivePath) => Promise<void>): Promise<void> {
    const p = toPath(path)
    await this.ensureOpen()
    await run(p)
  }

  private warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message)
    else process.emitWarning(message, { code: 'MULTIDRIVE' })
  }
}
