/**
 * MultiDrive: many Hyperdrives read as one. The public facade and the one place the subsystems
 * meet (actors -> bus -> indexer -> index view); the mechanics live in collaborators with one job each.
 */
import type { Readable, Writable } from 'node:stream'
import type { Observable } from 'rxjs'
import safetyCatch from 'safety-catch'
import { DriveSupervisor } from '../actors/supervisor.js'
import { IndexBus } from '../events/bus.js'
import { ChangeFeed, type ChangeWatcher } from '../events/changes.js'
import type { DrivePath, MergedChange, MergedEntry } from '../events/types.js'
import { Indexer } from '../index-store/indexer.js'
import { createIndexStore } from '../index-store/store.js'
import type { VerifyResult } from '../index-store/verify.js'
import { IndexView } from '../index-store/view.js'
import { planCheckout, takePlan } from './checkout.js'
import { Content } from './content.js'
import type { Download } from './download.js'
import { assertDrive, DriveSet, internal, published, toDriveKey } from './drive-set.js'
import { indexOpenError, MultiDriveError } from './errors.js'
import { type BufferRange, bufferedWriteStream, FileTable } from './file-table.js'
import type { ExtensionHandlers, ExtensionLike, HyperdriveLike } from './hyperdrive-like.js'
import type { Listing } from './listing.js'
import type { ByteRange, EntryLike, EntryOptions, FileOptions, ListOptions, WaitOptions } from './method-options.js'
import { type MirrorLike, type MirrorOptions, mirror } from './mirror.js'
import { Mounts, opener } from './mounts.js'
import type { MultiDriveEvents, PeerOf } from './multi-drive-events.js'
import { checkOptions, type MultiDriveOptions } from './options.js'
import { toPath } from './paths.js'
import type { DriveStats } from './progress.js'
import { Reads } from './reads.js'
import { TypedResource } from './resource.js'
import type { Stat } from './stat.js'
import { Tombstones } from './tombstones.js'
import { Waiting } from './waiting.js'
import { Writes } from './writes.js'

/** Which drive wins a path and why: every candidate, the heads, and whether they conflict. */
export type WhoWins = import('../index-store/resolve.js').Resolution

type Encoding = BufferEncoding
type WriteFileOptions = Encoding | ({ encoding?: Encoding } & FileOptions)
type ReadFileOptions = WaitOptions & { encoding?: Encoding | null }
type StatListing<D extends HyperdriveLike> = Listing<{ name: string; stat: Stat<D> }>

export class MultiDrive<D extends HyperdriveLike = HyperdriveLike> extends TypedResource<MultiDriveEvents<D>> {
  /** The drive that names this MultiDrive: its key, discovery key and peers are the MultiDrive's. */
  readonly primary: D
  /** Every merged change, emitted only after the index committed it. */
  readonly changes$: Observable<MergedChange>
  /** As Hyperdrive's: entries carry the user's metadata (mirror-drive compares it). */
  readonly supportsMetadata = true

  private readonly indexer: Indexer
  private readonly bus = new IndexBus()
  private readonly feed = new ChangeFeed()
  private readonly supervisor: DriveSupervisor
  private readonly set: DriveSet
  /** Null for a checkout: it shows no mounts (the mounted drives are open in the view it came from). */
  private readonly mounts: Mounts | null
  private readonly waiting: Waiting
  private readonly reads: Reads<D>
  private readonly writes: Writes
  private readonly tombstones: Tombstones
  private readonly files: FileTable
  private readonly indexDir: string | null
  private readonly checkouts = new Set<MultiDrive<D>>()
  private readonly disposers: (() => void)[] = []
  private indexing: Promise<void> | null = null

  constructor(primary: D, options: MultiDriveOptions<D> = {}) {
    super()
    assertDrive(primary, 'the primary')
    checkOptions(options)
    this.primary = primary
    const checkout = takePlan(primary)
    const store = createIndexStore(options.index)
    this.indexDir = typeof options.index === 'string' ? options.index : null
    const resolver = options.resolve ?? 'causal'
    this.indexer = new Indexer({
      store,
      resolver,
      onCommit: (changes, _, mounts) => {
        this.feed.publish(changes)
        if (mounts.length > 0) this.mounts?.changed(mounts).catch((err) => this.warn(`mounting: ${err.message}`))
      },
      asFailure: (err) => MultiDriveError.EINVAL(`options.resolve: ${err.message}`, undefined, err.cause),
      onFailure: (failure) =>
        this.listenerCount('error') > 0 ? this.emit('error', failure) : this.warn(failure.message)
    })
    const view = new IndexView(store, resolver)
    this.supervisor = new DriveSupervisor({
      checkpoint: (key) => this.indexer.checkpoint(key),
      submit: (event) => this.bus.submit(event).then(() => this.set.committed(event)),
      warn: (message) => this.warn(message),
      onStuck: (key, stuck) => this.emit('drive-stuck', published<D>(this.set.driveFor(key)), stuck),
      lengthOf: (drive) => this.set.lengthOf(drive)
    })
    this.set = new DriveSet({
      primary: internal(primary),
      writer: options.writer && internal(options.writer),
      supervisor: this.supervisor,
      indexer: this.indexer,
      ...(checkout && { initial: checkout.drives, readOnly: true, lengths: checkout.lengths }),
      closing: () => this.closing !== null,
      onAdd: (drive) => {
        this.waiting.added(drive)
        this.emit('drive-add', published<D>(drive))
      },
      onRemove: (drive) => this.emit('drive-remove', published<D>(drive)),
      onIndexed: (drive, progress) => this.emit('indexed', published<D>(drive), progress)
    })
    this.mounts = checkout
      ? null
      : new Mounts({ view, set: this.set, open: opener(internal(primary)), warn: (m) => this.warn(m) })
    this.waiting = new Waiting(this.set)
    const content = new Content((key) => this.set.driveFor(key), this.waiting.signal)
    this.reads = new Reads<D>({ view, content, set: this.set, ensureOpen: () => this.ensureOpen() })
    this.writes = new Writes({ view, drives: this.set, content, now: options.now ?? Date.now })
    this.tombstones = new Tombstones(view, this.writes)
    this.files = new FileTable(this.writes.fileBackend())
    this.changes$ = this.feed.changes$
    this.ready().catch(safetyCatch)
  }

  protected override async _open(): Promise<void> {
    await this.indexer.open().catch((err: unknown) => {
      throw this.indexDir === null ? err : indexOpenError(this.indexDir, err)
    })
    this.indexing = this.indexer.run(this.bus)
    for (const event of ['peer-add', 'peer-remove'] as const) {
      const forward = (peer: PeerOf<D>) => this.emit(event, peer)
      this.primary.core.on(event, forward)
      this.disposers.push(() => this.primary.core.off(event, forward))
    }
    await this.set.addInitial()
    await this.mounts?.start()
  }

  /**
   * `close()`: closes checkouts, actors, index and every added drive, after writing back open file
   * descriptors; reads still waiting for content fail with EUNAVAILABLE. Idempotent.
   * `close(fd)`: closes a file descriptor from `open()`, written back (EINVAL if `fd` is not one).
   */
  override close(fd?: number): Promise<void> {
    if (fd === undefined) return this.closeAll()
    if (!Number.isSafeInteger(fd) || fd < 0)
      return Promise.reject(MultiDriveError.EINVAL(`not a file descriptor: ${fd}`))
    return this.ensureOpen().then(() => this.files.close(fd))
  }

  private async closeAll(): Promise<void> {
    // Open files are written back, then the writes under way finish and the queued ones are cancelled.
    const open = this.opened && this.closing === null
    const [flushed] = await Promise.allSettled([open && this.files.flushAll().finally(() => this.writes.close())])
    await super.close()
    if (flushed.status === 'rejected') throw flushed.reason
  }

  protected override async _close(): Promise<void> {
    this.waiting.close()
    await Promise.allSettled([...this.checkouts].map((checkout) => checkout.close()))
    await this.supervisor.stopAll()
    this.bus.close(MultiDriveError.ECLOSED())
    this.indexer.close(MultiDriveError.ECLOSED())
    await this.indexing
    this.feed.complete()
    for (const dispose of this.disposers.splice(0)) dispose()
    await this.indexer.store.close()
    await this.set.closeDrives()
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
  get peers(): D['core']['peers'] {
    return this.primary.core.peers
  }

  /** The drive writes go to (see `MultiDriveOptions.writer`), or null (always null for a checkout). */
  get writer(): D | null {
    const writer = this.set.writer
    return writer === null ? null : published<D>(writer)
  }

  get writable(): boolean {
    return this.set.writer !== null
  }

  /** Whether it can still be read (not closing), as Hyperdrive's. */
  get readable(): boolean {
    return this.closing === null
  }

  /** Every drive added, in the order they were added (the primary first). */
  get drives(): D[] {
    return this.set.list.map((drive) => published<D>(drive))
  }

  /** Hex drive key -> the length indexed so far (a version vector of the merged view; see `checkout`). */
  get version(): Record<string, number> {
    // Mounted drives are indexed as sources of their own; a checkout does not show mounts.
    return Object.fromEntries(Object.entries(this.indexer.versions()).filter(([id]) => !Mounts.isSource(id)))
  }

  /** Per drive: its actor's lifecycle state (`live` once indexed up to its length), how far it is indexed. */
  get stats(): Record<string, DriveStats> {
    return this.set.stats()
  }

  /**
   * Adds a drive (idempotent); resolves once it is indexed up to its length now, or waits for peers
   * that have its blocks. `{ wait: true }` first asks connected peers for its latest length (as `update()`).
   */
  async addDrive(drive: D, { wait = false }: { wait?: boolean } = {}): Promise<void> {
    assertDrive(drive, 'addDrive(drive)')
    await this.ensureOpen()
    await this.set.add(internal(drive))
    if (wait) await this.waiting.settle(internal(drive))
  }

  /** The added drive with that key (Buffer, hex or z-base-32), if any. */
  hasDrive(key: Buffer | Uint8Array | string): D | undefined {
    const drive = this.set.get(toDriveKey(key))
    return drive === undefined ? undefined : published<D>(drive)
  }

  /** Removes a drive (added, or remembered by the index): its records leave the index; it is not closed. */
  async removeDrive(key: Buffer | Uint8Array | string): Promise<boolean> {
    await this.ensureOpen()
    return this.set.remove(toDriveKey(key))
  }

  /** Resolves when every drive's actor has indexed up to that drive's current length. */
  async flush(): Promise<void> {
    await this.ensureOpen()
    await this.set.flush()
  }

  /**
   * Asks the connected peers for every drive's latest length (as `core.update({ wait: true })`),
   * then resolves once the index has caught up with them. True if anything new was indexed.
   */
  async update(): Promise<boolean> {
    await this.ensureOpen()
    return this.waiting.update()
  }

  /** As Hyperdrive's: until the returned function is called, `update()` waits for peers being looked for. */
  findingPeers(): () => void {
    return this.waiting.findingPeers()
  }

  /** A read-only MultiDrive (EROFS) of the view at a version vector (`multi.version`), over the drives' checkouts. */
  checkout(version: Record<string, number>): MultiDrive<D> {
    if (this.closing !== null) throw MultiDriveError.ECLOSED()
    const plan = planCheckout(this.set, internal(this.primary), version)
    const view = new MultiDrive<D>(published<D>(plan.primary), { resolve: this.indexer.resolver })
    this.checkouts.add(view)
    view.once('close', () => this.checkouts.delete(view))
    return view
  }

  /** Rebuilds the index from the drives into memory and compares it with this one. */
  async verify(): Promise<VerifyResult> {
    await this.ensureOpen()
    try {
      return await this.set.verify()
    } catch (err) {
      // What close() cut short (the index, the drives) is ECLOSED, whatever the layer below says.
      throw this.closing === null ? err : MultiDriveError.ECLOSED()
    }
  }

  /**
   * The winning entry at a path (file or symlink; null for directories and missing paths), as
   * Hyperdrive's: `{ follow: true }` follows symlinks; an entry object is handed back as is.
   */
  entry<E extends EntryLike>(entry: E, opts?: EntryOptions): Promise<E>
  entry(path: string, opts?: EntryOptions): Promise<MergedEntry | null>
  entry(target: string | EntryLike, opts: EntryOptions = {}): Promise<MergedEntry | EntryLike | null> {
    return this.reads.entry(target, opts)
  }

  /** Whether a file or symlink exists at the path (as Hyperdrive's `exists`). */
  async exists(path: string): Promise<boolean> {
    return (await this.reads.entry(path)) !== null
  }

  /** The winning file's content (or an entry object's), or null: missing, a directory, a symlink. */
  get(target: string | EntryLike, opts: WaitOptions = {}): Promise<Buffer | null> {
    return this.reads.get(target, opts)
  }

  /** Whether the content of the file at a path (or of every file under a folder) is stored locally. */
  has(path: string): Promise<boolean> {
    return this.reads.has(path)
  }

  /** Winning file and symlink entries under a folder, sorted by key (`ignore` as Hyperdrive's). */
  list(folder?: string | ListOptions, opts: ListOptions = {}): Listing<MergedEntry> {
    return typeof folder === 'object' ? this.reads.list('/', folder) : this.reads.list(folder ?? '/', opts)
  }

  /**
   * The sorted names in a directory: `await` it for an array or iterate it. With
   * `{ includeStats: true }`, `{ name, stat }` objects (stats of the entries, links not followed).
   */
  readdir(folder?: string): Listing<string>
  readdir(folder: string, opts: { includeStats: true }): StatListing<D>
  readdir(folder?: string, opts?: { includeStats?: boolean }): Listing<string> | StatListing<D>
  readdir(folder = '/', opts: { includeStats?: boolean } = {}): Listing<string> | StatListing<D> {
    return opts.includeStats ? this.reads.readdirWithStats(folder) : this.reads.readdir(folder)
  }

  /** A readable stream of the winning file (or an entry object's); `start`/`end` are inclusive. */
  createReadStream(target: string | EntryLike, opts: ByteRange & WaitOptions = {}): Readable {
    return this.reads.createReadStream(target, opts)
  }

  /** Like `fs.stat`: follows symlinks; ENOENT if nothing lives at the path. */
  stat(path: string): Promise<Stat<D>> {
    return this.reads.stat(path)
  }

  /** Like `fs.lstat`: a symlink is stat-ed itself. */
  lstat(path: string): Promise<Stat<D>> {
    return this.reads.stat(path, { follow: false })
  }

  /** Resolves if the path exists (file, symlink or directory); ENOENT otherwise. */
  async access(path: string): Promise<void> {
    await this.reads.stat(path)
  }

  /** The winning file's content (symlinks followed): a string with an encoding, else a Buffer. */
  readFile(path: string, encoding: Encoding | (ReadFileOptions & { encoding: Encoding })): Promise<string>
  readFile(path: string, opts?: ReadFileOptions & { encoding?: null }): Promise<Buffer>
  readFile(path: string, opts?: Encoding | ReadFileOptions): Promise<Buffer | string>
  readFile(path: string, opts: Encoding | ReadFileOptions = {}): Promise<Buffer | string> {
    return this.reads.readFile(path, opts)
  }

  /** Which drive wins a path and why: every candidate, the heads, and whether they conflict. */
  async whoWins(path: string): Promise<WhoWins> {
    return this.reads.whoWins(path)
  }

  /** Paths under a folder whose records have several heads (or a file lost to a directory). */
  conflicts(folder = '/'): Listing<string> {
    return this.reads.conflicts(folder)
  }

  /** The drive whose tombstone wins the path, if a tombstone wins it. */
  async getTombstone(path: string): Promise<D | null> {
    const drive = await this.mutate(path, (p) => this.tombstones.winningDrive(p, this.set))
    return drive === null ? null : published<D>(drive)
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
  async put(path: string, data: Buffer | Uint8Array | string, opts: FileOptions = {}): Promise<void> {
    await this.mutate(path, (p) => this.writes.put(p, typeof data === 'string' ? Buffer.from(data) : data, opts))
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

  /** A directory marker; EEXIST if something lives there, unless `recursive` and it is a directory. */
  async mkdir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.mutate(path, (p) => this.writes.mkdir(p, opts))
  }

  /** Mounts drive `key` (Buffer, hex or z-base-32) at a path: a record in the writer; its tree shows there. */
  async mount(path: string, key: Buffer | Uint8Array | string): Promise<void> {
    await this.mutate(path, (p) => this.writes.mount(p, toDriveKey(key)))
  }

  /** Removes the mount that wins at a path: a tombstone over it (EINVAL if no mount wins there). */
  async unmount(path: string): Promise<void> {
    await this.mutate(path, (p) => this.writes.unmount(p))
  }

  /** Removes a directory: ENOTEMPTY unless empty or `recursive` (tombstones everything under it). */
  async rmdir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.mutate(path, (p) => this.writes.rmdir(p, opts))
  }

  /** `true`: an undoable tombstone in the writer. `false`: undo deletion, even another drive's (copy-on-write). */
  async setTombstone(path: string, active: boolean): Promise<void> {
    await this.mutate(path, (p) => this.tombstones.set(p, active))
  }

  /** Removes the writer's own tombstones at the path and at each of its parents. */
  async eraseTombstone(path: string): Promise<void> {
    await this.mutate(path, (p) => this.tombstones.erase(p))
  }

  /** Sets one metadata key of the winning file (copy-on-write for files of other drives). */
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
  createWriteStream(path: string, opts: FileOptions = {}): Writable {
    return bufferedWriteStream((content) => this.put(path, content, opts))
  }

  /** Opens a file with `fs.open` flags (symlinks followed); writes are buffered until `close(fd)`. */
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

  /** Downloads only the winning blobs under a folder (or of one file): `await` it or its `done()`. */
  download(folder = '/'): Download {
    return this.reads.download(folder)
  }

  /** A MirrorDrive from the merged view into `out` (a Hyperdrive, a Localdrive, a MultiDrive). */
  mirror(out: object, opts: MirrorOptions = {}): MirrorLike {
    return mirror(this, out, opts)
  }

  /** Registers a replication extension on the primary's core. */
  registerExtension<M = unknown>(name: string, handlers: ExtensionHandlers<M> = {}): ExtensionLike<M> {
    return this.primary.core.registerExtension(name, handlers)
  }

  /** Runs a change (or a look at tombstones) of the merged view on a checked non-root path, once open. */
  private async mutate<T>(path: string, run: (path: DrivePath) => Promise<T>): Promise<T> {
    const p = toPath(path)
    await this.ensureOpen()
    return run(p)
  }

  private warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message)
    else process.emitWarning(message, { code: 'MULTIDRIVE' })
  }
}
