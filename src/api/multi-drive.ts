/**
 * MultiDrive: many Hyperdrives read as one. The only place where the subsystems meet: drive actors
 * (src/actors) read drives and hand batches over the bus (src/events) to the indexer
 * (src/index-store), which commits them to LevelDB; reads answer from that index.
 */
import { posix } from 'node:path'
import { Readable, Writable } from 'node:stream'
import type { AbstractLevel } from 'abstract-level'
import type Hypercore from 'hypercore'
import * as id from 'hypercore-id-encoding'
import type Hyperdrive from 'hyperdrive'
import mutexify from 'mutexify/promise.js'
import pLimit from 'p-limit'
import ReadyResource from 'ready-resource'
import type { Observable } from 'rxjs'
import type { DriveActorState } from '../actors/drive-machine.js'
import { type ReadOutcome, readDrive } from '../actors/drive-reader.js'
import { DriveSupervisor } from '../actors/supervisor.js'
import { IndexBus } from '../events/bus.js'
import { ChangeFeed, type ChangeWatcher } from '../events/changes.js'
import { normalizePath, ROOT_PATH } from '../events/paths.js'
import { markerValue, STAMP_KEY, SUB_ENCODERS, stampMetadata } from '../events/records.js'
import type {
  BlobId,
  Candidate,
  Checkpoint,
  Clock,
  DriveKey,
  DrivePath,
  MergedChange,
  MergedEntry,
  RecordSub,
  Stamp
} from '../events/types.js'
import { candidateRecords, resolveRecords } from '../index-store/fold.js'
import { Indexer } from '../index-store/indexer.js'
import type { Resolver } from '../index-store/resolve.js'
import {
  ancestorsOf,
  inConflict,
  isDirectory,
  type StoredRecord,
  toEntry,
  type WinnerState
} from '../index-store/schema.js'
import { createIndexStore, type IndexStore } from '../index-store/store.js'
import { verifyIndex } from '../index-store/verify.js'
import { MultiDriveError } from './errors.js'
import { Listing } from './listing.js'
import { Stat } from './stat.js'

export interface MultiDriveOptions {
  /** A directory for a LevelDB index on disk, or an abstract-level database; default: in memory. */
  // biome-ignore lint/suspicious/noExplicitAny: any abstract-level database will do.
  index?: string | AbstractLevel<any, string, any>
  /** The drive writes go to; default: the first writable drive added (the primary first). */
  writer?: Hyperdrive
  /** Which record wins a path: 'causal' (default), 'wall-clock', or a comparator. */
  resolve?: Resolver
  /** The wall clock stamped on writes, in ms; default `Date.now`. */
  now?: () => number
}

export interface WhoWins {
  winner: Candidate | null
  candidates: Candidate[]
  heads: Candidate[]
  conflict: boolean
}

export interface VerifyResult {
  ok: boolean
  differences: { path: string; indexed: unknown; expected: unknown }[]
}

export interface DriveStats {
  state: DriveActorState | null
  indexed: number
  length: number | null
  nodesRead: number
  lastError: string | null
}

type Encoding = BufferEncoding
type WriteFileOptions =
  | Encoding
  | { encoding?: Encoding; metadata?: Record<string, unknown> | null; executable?: boolean }

interface OpenFile {
  /** The file itself (symlinks resolved at open). */
  path: DrivePath
  readable: boolean
  writable: boolean
  append: boolean
  /** The file's bytes, loaded on first use; written back on close when dirty. */
  content: Buffer | null
  dirty: boolean
  /** Where reads and writes with `position: null` happen, as `fs`'s file position. */
  position: number
}

/** A writer's batch: a Hyperdrive whose `db` is a Hyperbee batch, appended at `flush()`. */
type Batch = ReturnType<Hyperdrive['batch']>

const MAX_SYMLINK_HOPS = 16

/** The root always exists; the index stores it only while something lives in it. */
const EMPTY_ROOT: WinnerState = Object.freeze({ w: null, n: 0, hc: false })

function toDriveKey(key: Buffer | Uint8Array | string): DriveKey {
  try {
    return id.decode(key).toString('hex') as DriveKey
  } catch (err) {
    throw new MultiDriveError('EINVAL', `not a drive key: ${String(key)}`, { cause: err })
  }
}

/** A Hyperdrive (or what quacks like one): anything else is a caller's mistake, not a crash later. */
function assertDrive(drive: unknown, what: string): asserts drive is Hyperdrive {
  const d = drive as Partial<Hyperdrive> | null | undefined
  if (!d || typeof d.ready !== 'function' || typeof d.batch !== 'function' || d.core === undefined) {
    throw MultiDriveError.EINVAL(`${what} must be a Hyperdrive`)
  }
}

function hex(drive: Hyperdrive): DriveKey {
  return drive.key.toString('hex') as DriveKey
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

export class MultiDrive extends ReadyResource {
  /** The drive that names this MultiDrive: its key, discovery key and peers are the MultiDrive's. */
  readonly primary: Hyperdrive
  /** Every merged change, emitted only after the index committed it. */
  readonly changes$: Observable<MergedChange>

  private readonly options: MultiDriveOptions
  private readonly now: () => number
  private readonly store: IndexStore
  private readonly indexer: Indexer
  private readonly bus = new IndexBus()
  private readonly feed = new ChangeFeed()
  private readonly supervisor: DriveSupervisor
  private readonly added = new Map<DriveKey, Hyperdrive>()
  private readonly nodesRead = new Map<DriveKey, number>()
  private readonly lock = mutexify()
  /** Rescans walk a Hyperbee tree through a cache of up to 65,536 nodes: one at a time. */
  private readonly rescanLock = mutexify()
  /** Two drives at a time read and commit a batch: one reads while the other's batch is folded. */
  private readonly gate = pLimit(2)
  /** Removals under way, by drive: adding the drive again waits for them. */
  private readonly removals = new Map<DriveKey, Promise<void>>()
  private readonly files = new Map<number, OpenFile>()
  private readonly disposers: (() => void)[] = []
  private nextFd = 1
  private _writer: Hyperdrive | null = null
  private indexing: Promise<void> | null = null

  constructor(primary: Hyperdrive, options: MultiDriveOptions = {}) {
    super()
    assertDrive(primary, 'the primary')
    if (options.writer !== undefined) assertDrive(options.writer, 'options.writer')
    this.primary = primary
    this.options = options
    this.now = options.now ?? Date.now
    this.store = createIndexStore(options.index)
    this.indexer = new Indexer({
      store: this.store,
      resolver: options.resolve ?? 'causal',
      onCommit: (changes) => this.feed.publish(changes)
    })
    this.supervisor = new DriveSupervisor({
      read: (drive, key, signal) => this.catchUp(drive, key, signal),
      onError: (key, err) => this.warn(`reading drive ${key} failed, retrying: ${(err as Error).message}`)
    })
    this.changes$ = this.feed.changes$
    this.ready().catch(() => {})
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  protected override async _open(): Promise<void> {
    await this.indexer.open()
    this.indexing = this.indexer.run(this.bus)
    const core = this.primary.core
    const peerAdd = (peer: Hypercore.Peer) => this.emit('peer-add', peer)
    const peerRemove = (peer: Hypercore.Peer) => this.emit('peer-remove', peer)
    core.on('peer-add', peerAdd)
    core.on('peer-remove', peerRemove)
    this.disposers.push(() => {
      core.off('peer-add', peerAdd)
      core.off('peer-remove', peerRemove)
    })
    await this.attach(this.primary)
    if (this.options.writer) await this.attach(this.options.writer)
  }

  /**
   * `close()` closes the MultiDrive: actors, index, and every added drive.
   * `close(fd)` closes a file descriptor from `open()`, writing it back if it was written to.
   */
  override close(fd?: number): Promise<void> {
    if (fd !== undefined) return this.closeFile(fd)
    return this.closeAll()
  }

  /** File descriptors still open are written back first: closing loses nothing written. */
  private async closeAll(): Promise<void> {
    const written =
      !this.closing && this.opened
        ? await Promise.allSettled([...this.files.keys()].map((fd) => this.closeFile(fd)))
        : []
    await super.close()
    const failed = written.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  protected override async _close(): Promise<void> {
    await this.supervisor.stopAll()
    this.bus.close(MultiDriveError.ECLOSED())
    this.indexer.close(MultiDriveError.ECLOSED())
    await this.indexing
    this.feed.complete()
    for (const dispose of this.disposers.splice(0)) dispose()
    await this.store.close()
    await Promise.allSettled([...this.added.values()].map((drive) => drive.close()))
  }

  private async opened_(): Promise<void> {
    if (this.closing) throw MultiDriveError.ECLOSED()
    if (!this.opened) await this.ready()
  }

  // ---- properties --------------------------------------------------------------------------------

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

  get writer(): Hyperdrive | null {
    return this._writer
  }

  get writable(): boolean {
    return this._writer !== null
  }

  /** Every drive added, the primary first. */
  get drives(): Hyperdrive[] {
    return [...this.added.values()]
  }

  /** Hex drive key -> the length indexed so far (a version vector of the merged view). */
  get version(): Record<string, number> {
    return this.indexer.versions()
  }

  /** Per drive: its actor's lifecycle state, how far it is indexed, and how many nodes were read. */
  get stats(): Record<string, DriveStats> {
    const out: Record<string, DriveStats> = {}
    const versions = this.indexer.versions()
    for (const key of new Set([...this.added.keys(), ...(Object.keys(versions) as DriveKey[])])) {
      out[key] = {
        state: this.supervisor.state(key),
        indexed: versions[key] ?? 0,
        length: this.added.get(key)?.core.length ?? null,
        nodesRead: this.nodesRead.get(key) ?? 0,
        lastError: this.supervisor.lastError(key)
      }
    }
    return out
  }

  // ---- drives ------------------------------------------------------------------------------------

  /**
   * Adds a drive (idempotent); resolves once it is indexed up to its length at the time of the
   * call, or once it waits for peers (a replica lacking blocks, with no peer connected: it is
   * indexed as soon as one connects).
   */
  async addDrive(drive: Hyperdrive): Promise<void> {
    assertDrive(drive, 'addDrive(drive)')
    await this.opened_()
    await this.attach(drive)
  }

  /** The added drive with that key (Buffer, hex or z-base-32), if any. */
  hasDrive(key: Buffer | Uint8Array | string): Hyperdrive | undefined {
    return this.added.get(toDriveKey(key))
  }

  /**
   * Removes a drive: its records leave the index (the merged view changes accordingly); the drive
   * is not closed. Works for drives a persistent index remembers but that were not added this
   * session. False if the drive is neither added nor indexed.
   */
  async removeDrive(key: Buffer | Uint8Array | string): Promise<boolean> {
    await this.opened_()
    const driveKey = toDriveKey(key)
    const drive = this.added.get(driveKey)
    if (drive === undefined && this.indexer.checkpoint(driveKey) === null) return false
    await this.supervisor.stop(driveKey)
    this.added.delete(driveKey)
    if (drive !== undefined && this._writer === drive) {
      const fallback = this.options.writer
      this._writer = fallback && this.added.get(hex(fallback)) === fallback ? fallback : null
      this._writer ??= [...this.added.values()].find((d) => d.writable) ?? null
    }
    const removal = this.indexer.removeDrive(driveKey)
    this.removals.set(driveKey, removal)
    try {
      await removal
    } finally {
      this.removals.delete(driveKey)
    }
    if (drive !== undefined) this.emit('drive-remove', drive)
    return true
  }

  /** Resolves when every drive's actor has indexed up to that drive's current length. */
  async flush(): Promise<void> {
    await this.opened_()
    await Promise.all([...this.added].map(([key, drive]) => this.indexer.waitFor(key, this.target(drive))))
  }

  /** Rebuilds the index from the drives into memory and compares it with this one. */
  async verify(): Promise<VerifyResult> {
    await this.opened_()
    return verifyIndex({
      capture: await this.indexer.capture(),
      resolver: this.indexer.resolver,
      readable: [...this.added.keys()],
      read: async (key, checkpoint, submit) => {
        const drive = this.driveFor(key)
        await readDrive({
          drive,
          key,
          from: null,
          // A drive that forked since the capture cannot be read as it was: its difference shows.
          to: checkpoint.fork === drive.core.fork ? checkpoint.version : undefined,
          submit,
          warn: () => {},
          patient: true
        })
      }
    })
  }

  private async attach(drive: Hyperdrive): Promise<void> {
    await drive.ready()
    const key = hex(drive)
    await this.removals.get(key)
    if (this.closing) throw MultiDriveError.ECLOSED()
    if (!this.added.has(key)) {
      this.added.set(key, drive)
      if (this._writer === null && drive.writable && (!this.options.writer || this.options.writer === drive)) {
        this._writer = drive
      }
      this.supervisor.start(key, drive)
      this.emit('drive-add', drive)
    }
    // A replica that lacks blocks and has no peer is indexed once one connects: no need to wait.
    const waiting = this.supervisor.whenState(key, 'waitingForPeers').catch(() => new Promise<void>(() => {}))
    await Promise.race([this.indexer.waitFor(key, this.target(this.added.get(key) ?? drive)), waiting])
  }

  private target(drive: Hyperdrive): Checkpoint {
    return { version: drive.core.length, fork: drive.core.fork }
  }

  private catchUp(drive: Hyperdrive, key: DriveKey, signal: AbortSignal): Promise<ReadOutcome> {
    return readDrive({
      drive,
      key,
      from: this.indexer.checkpoint(key),
      submit: (event) => this.bus.submit(event),
      warn: (message) => this.warn(message),
      signal,
      rescanLock: this.rescanLock,
      gate: this.gate,
      onRead: (nodes) => this.nodesRead.set(key, (this.nodesRead.get(key) ?? 0) + nodes)
    })
  }

  private warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message)
    else process.emitWarning(message, { code: 'MULTIDRIVE' })
  }

  // ---- paths and index reads -----------------------------------------------------------------------

  private path(input: unknown, { root = false } = {}): DrivePath {
    const path = normalizePath(input)
    if (path === null) throw MultiDriveError.EINVAL(`invalid path: ${JSON.stringify(input)}`)
    if (path === ROOT_PATH && !root) throw MultiDriveError.EINVAL('the root is not a file', path)
    return path
  }

  private state(path: DrivePath): WinnerState | null {
    return this.store.winner(path) ?? (path === ROOT_PATH ? EMPTY_ROOT : null)
  }

  private async recordsAt(path: DrivePath): Promise<StoredRecord[]> {
    return (await this.store.records([path]))[0] ?? []
  }

  /** Follows symlinks like the kernel (relative targets against the link's directory). */
  private follow(path: DrivePath): { path: DrivePath; state: WinnerState | null } {
    let current = path
    for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
      const state = this.state(current)
      if (state === null || isDirectory(state) || state.w?.kind !== 'symlink') return { path: current, state }
      const target = normalizePath(posix.resolve(posix.dirname(current), state.w.linkname ?? ''))
      if (target === null) return { path: current, state: null }
      current = target
    }
    throw MultiDriveError.EINVAL(`too many levels of symbolic links, '${path}'`, path)
  }

  private driveFor(key: string): Hyperdrive {
    const drive = this.added.get(key as DriveKey)
    if (drive === undefined) {
      throw MultiDriveError.EUNKNOWNDRIVE(
        key,
        'is indexed but not added in this session: addDrive() or removeDrive() it'
      )
    }
    return drive
  }

  private async readBlob(record: StoredRecord, range?: { start: number; end: number }): Promise<Buffer> {
    const blob = record.blob
    if (!blob || blob.byteLength === 0) return Buffer.alloc(0)
    const drive = this.driveFor(record.drive)
    const blobs = drive.blobs ?? (await drive.getBlobs())
    const data = await blobs.get(blob, range)
    if (data === null)
      throw new MultiDriveError('ENOENT', `content of '${record.drive}' seq ${record.seq} is not available`)
    return data
  }

  // ---- Hyperdrive-shaped reads -----------------------------------------------------------------------

  /** The winning entry at a path (a file or symlink; null for directories and missing paths). */
  async entry(path: string): Promise<MergedEntry | null> {
    await this.opened_()
    const p = this.path(path, { root: true })
    const state = this.state(p)
    if (state === null || isDirectory(state) || state.w === null) return null
    return toEntry(p, state.w)
  }

  /** Whether a file or symlink exists at the path (as Hyperdrive's `exists`). */
  async exists(path: string): Promise<boolean> {
    return (await this.entry(path)) !== null
  }

  /** The winning file's content, or null (missing, a directory, or a symlink). */
  async get(path: string): Promise<Buffer | null> {
    await this.opened_()
    const state = this.state(this.path(path, { root: true }))
    if (state === null || isDirectory(state) || state.w === null || state.w.kind !== 'file') return null
    return this.readBlob(state.w)
  }

  /** Winning file and symlink entries under a folder, sorted by key. */
  list(folder = '/', { recursive = true }: { recursive?: boolean } = {}): AsyncIterable<MergedEntry> {
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        await self.opened_()
        const dir = self.path(folder, { root: true })
        if (recursive) {
          for await (const [path, state] of self.store.winnersUnder(dir)) {
            if (!isDirectory(state) && state.w !== null) yield toEntry(path, state.w)
          }
          return
        }
        for await (const name of self.store.children(dir)) {
          const path = (dir === ROOT_PATH ? `/${name}` : `${dir}/${name}`) as DrivePath
          const state = self.state(path)
          if (state !== null && !isDirectory(state) && state.w !== null) yield toEntry(path, state.w)
        }
      }
    }
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
    const self = this
    async function* names(): AsyncIterable<string> {
      await self.opened_()
      yield* self.store.children(self.path(folder, { root: true }))
    }
    if (!opts.includeStats) return new Listing(names)
    return new Listing(async function* () {
      const dir = self.path(folder, { root: true })
      for await (const name of names()) {
        const state = self.state((dir === ROOT_PATH ? `/${name}` : `${dir}/${name}`) as DrivePath)
        if (state !== null) yield { name, stat: self.statOf(state) }
      }
    })
  }

  /** A readable stream of the winning file's bytes; `start`/`end` are inclusive byte offsets. */
  createReadStream(path: string, opts: { start?: number; end?: number } = {}): Readable {
    let inner: Readable | null = null
    const stream = new Readable({
      read() {
        inner?.resume()
      },
      destroy(err, cb) {
        inner?.destroy()
        cb(err)
      }
    })
    const start = async () => {
      await this.opened_()
      const { path: p, state } = this.follow(this.path(path))
      if (state === null) throw MultiDriveError.ENOENT(p)
      if (isDirectory(state) || state.w === null) throw MultiDriveError.EISDIR(p)
      const blob = state.w.blob
      if (!blob || blob.byteLength === 0) return stream.push(null)
      const drive = this.driveFor(state.w.drive)
      const blobs = drive.blobs ?? (await drive.getBlobs())
      inner = blobs.createReadStream(blob, opts)
      inner.on('data', (chunk: Buffer) => {
        if (!stream.push(chunk)) inner?.pause()
      })
      inner.on('end', () => stream.push(null))
      inner.on('error', (err) => stream.destroy(err))
    }
    start().catch((err) => stream.destroy(err))
    return stream
  }

  // ---- fs-style reads ---------------------------------------------------------------------------------

  private statOf(state: WinnerState): Stat {
    const w = state.w
    return new Stat(state, w ? (this.added.get(w.drive as DriveKey) ?? null) : null)
  }

  /** Like `fs.stat`: follows symlinks; ENOENT if nothing lives at the path. */
  async stat(path: string): Promise<Stat> {
    await this.opened_()
    const { path: p, state } = this.follow(this.path(path, { root: true }))
    if (state === null) throw MultiDriveError.ENOENT(p)
    return this.statOf(state)
  }

  /** Like `fs.lstat`: a symlink is stat-ed itself. */
  async lstat(path: string): Promise<Stat> {
    await this.opened_()
    const p = this.path(path, { root: true })
    const state = this.state(p)
    if (state === null) throw MultiDriveError.ENOENT(p)
    return this.statOf(state)
  }

  /** Resolves if the path exists (file, symlink or directory); ENOENT otherwise. */
  async access(path: string): Promise<void> {
    await this.stat(path)
  }

  /** The winning file's content (following symlinks), decoded if an encoding is given. */
  async readFile(path: string, encoding?: Encoding | { encoding?: Encoding }): Promise<Buffer | string> {
    await this.opened_()
    const { path: p, state } = this.follow(this.path(path, { root: true }))
    if (state === null) throw MultiDriveError.ENOENT(p)
    if (isDirectory(state) || state.w === null) throw MultiDriveError.EISDIR(p)
    const data = await this.readBlob(state.w)
    const enc = typeof encoding === 'string' ? encoding : encoding?.encoding
    return enc ? data.toString(enc) : data
  }

  // ---- merge-specific reads ---------------------------------------------------------------------------

  /** Which drive wins a path and why: every candidate, the heads, and whether they conflict. */
  async whoWins(path: string): Promise<WhoWins> {
    await this.opened_()
    const p = this.path(path, { root: true })
    const resolved = resolveRecords(await this.recordsAt(p), this.indexer.resolver)
    return {
      winner: resolved.winner,
      candidates: resolved.candidates,
      heads: resolved.heads,
      conflict: resolved.conflict || inConflict(this.state(p))
    }
  }

  /** Paths under a folder whose records have several heads (or a file lost to a directory). */
  conflicts(folder = '/'): AsyncIterable<string> {
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        await self.opened_()
        yield* self.store.conflictsUnder(self.path(folder, { root: true }))
      }
    }
  }

  /** The drive whose tombstone wins the path, if a tombstone wins it. */
  async getTombstone(path: string): Promise<Hyperdrive | null> {
    await this.opened_()
    const { record } = resolveRecords(await this.recordsAt(this.path(path)), this.indexer.resolver)
    if (record === null || record.kind !== 'tombstone') return null
    return this.added.get(record.drive as DriveKey) ?? null
  }

  // ---- change streams ---------------------------------------------------------------------------------

  /**
   * `watch(folder)`: an async iterator of the merged changes under a folder, one list per commit.
   * `watch(path, onchange)`: the seed's form; `onchange()` after each such commit.
   */
  watch(folder?: string): ChangeWatcher
  watch(folder: string, onchange: () => void): { destroy(): void }
  watch(folder = '/', onchange?: () => void): ChangeWatcher | { destroy(): void } {
    const dir = this.path(folder, { root: true })
    return onchange ? this.feed.onChange(dir, onchange) : this.feed.watch(dir)
  }

  // ---- writes -------------------------------------------------------------------------------------------

  private requireWriter(): Hyperdrive {
    if (this._writer === null) throw MultiDriveError.EROFS()
    return this._writer
  }

  /** Runs a write exclusively: stamps are computed from a view no concurrent write of ours changes. */
  private async exclusive<T>(fn: (writer: Hyperdrive) => Promise<T>): Promise<T> {
    await this.opened_()
    this.requireWriter()
    const release = await this.lock()
    try {
      // The writer may have been removed while this write waited for the lock.
      return await fn(this.requireWriter())
    } finally {
      release()
    }
  }

  /** The stamp for a new record at a path: now, and the seq of every drive's record there. */
  private stampFor(records: readonly StoredRecord[]): Stamp {
    const t = this.now()
    if (!Number.isFinite(t) || t < 0) throw MultiDriveError.EINVAL(`now() returned ${t}, not a time in ms`)
    const clock: Clock = {}
    for (const r of candidateRecords(records)) clock[r.drive] = r.seq
    return { t, clock }
  }

  /** Writing a file at `path` needs no directory there and no file above it. */
  private assertFileSlot(path: DrivePath): void {
    const state = this.state(path)
    if (state !== null && isDirectory(state)) throw MultiDriveError.EISDIR(path)
    this.assertParents(path)
  }

  private assertParents(path: DrivePath): void {
    for (const ancestor of ancestorsOf(path)) {
      const state = this.state(ancestor)
      if (state !== null && !isDirectory(state)) throw MultiDriveError.ENOTDIR(ancestor)
    }
  }

  /** Builds a batch of the writer's, appends it (ONE append) and resolves once the index shows it. */
  private async append(writer: Hyperdrive, build: (batch: Batch) => Promise<void>): Promise<void> {
    const batch = writer.batch()
    await build(batch)
    await batch.flush()
    await this.indexer.waitFor(hex(writer), this.target(writer))
  }

  /**
   * Deletes the writer's own records at `path` in subs other than `kept`. Called after the new
   * record is in the batch, so an index reading the log half-way still sees the writer's newest
   * statement.
   */
  private async dropOwn(batch: Batch, writer: Hyperdrive, path: DrivePath, records: StoredRecord[], kept: RecordSub) {
    const writerKey = hex(writer)
    for (const r of records) {
      if (r.drive === writerKey && r.sub !== kept) await batch.db.del(path, { keyEncoding: SUB_ENCODERS[r.sub] })
    }
  }

  /**
   * Writes one record for `path` into the writer in ONE append: `write` adds the record to the
   * batch, then (unless `replace` is false) the writer's own records of the other subs go.
   */
  private async writeRecord(
    writer: Hyperdrive,
    path: DrivePath,
    sub: RecordSub,
    write: (batch: Batch, stamp: Stamp) => Promise<void>,
    { replace = true }: { replace?: boolean } = {}
  ): Promise<void> {
    const records = await this.recordsAt(path)
    await this.append(writer, async (batch) => {
      await write(batch, this.stampFor(records))
      if (replace) await this.dropOwn(batch, writer, path, records, sub)
    })
  }

  private metadataOf(metadata: unknown): Record<string, unknown> | null {
    if (metadata === undefined || metadata === null) return null
    if (!isPlainObject(metadata)) throw MultiDriveError.EINVAL('metadata must be a plain object')
    if (STAMP_KEY in metadata) throw MultiDriveError.EINVAL(`metadata key '${STAMP_KEY}' is reserved`)
    return metadata
  }

  /** Writes a file into the writer drive (EISDIR over a directory, ENOTDIR under a file). */
  async put(
    path: string,
    data: Buffer | Uint8Array | string,
    opts: { executable?: boolean; metadata?: Record<string, unknown> | null } = {}
  ): Promise<void> {
    const p = this.path(path)
    const metadata = this.metadataOf(opts.metadata)
    await this.exclusive(async (writer) => {
      this.assertFileSlot(p)
      const buf = typeof data === 'string' ? Buffer.from(data) : data
      await this.writeRecord(writer, p, 'files', (batch, stamp) =>
        batch.put(p, buf, { executable: opts.executable === true, metadata: stampMetadata(metadata, stamp) })
      )
    })
  }

  /** `put` with fs-style options: an encoding string or `{ encoding, metadata, executable }`. */
  async writeFile(path: string, data: string | Uint8Array, opts: WriteFileOptions = {}): Promise<void> {
    const o = typeof opts === 'string' ? { encoding: opts } : opts
    const buf = typeof data === 'string' ? Buffer.from(data, o.encoding ?? 'utf-8') : data
    await this.put(path, buf, { executable: o.executable, metadata: o.metadata })
  }

  /** Creates a symlink in the writer drive. */
  async symlink(path: string, target: string): Promise<void> {
    const p = this.path(path)
    if (typeof target !== 'string' || target.includes('\0')) throw MultiDriveError.EINVAL('invalid symlink target', p)
    await this.exclusive(async (writer) => {
      this.assertFileSlot(p)
      await this.writeRecord(writer, p, 'files', (batch, stamp) =>
        batch.symlink(p, target, { metadata: stampMetadata(null, stamp) })
      )
    })
  }

  /** Writes a tombstone for whatever wins the path (no-op when nothing live is there). */
  async del(path: string): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      const { record } = resolveRecords(await this.recordsAt(p), this.indexer.resolver)
      if (record === null || record.kind === 'tombstone') return
      await this.writeTombstone(writer, p)
    })
  }

  /** A tombstone in the writer; `keepOwnCopy` leaves the writer's own file under it (undoable). */
  private writeTombstone(writer: Hyperdrive, path: DrivePath, { keepOwnCopy = false } = {}): Promise<void> {
    return this.writeRecord(
      writer,
      path,
      'tombstones',
      (batch, stamp) => batch.db.put(path, markerValue(stamp), { keyEncoding: SUB_ENCODERS.tombstones }),
      { replace: !keepOwnCopy }
    )
  }

  /** Like `fs.unlink`: ENOENT if no file is there, EISDIR for a directory. */
  async unlink(path: string): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      const state = this.state(p)
      if (state === null) throw MultiDriveError.ENOENT(p)
      if (isDirectory(state)) throw MultiDriveError.EISDIR(p)
      await this.writeTombstone(writer, p)
    })
  }

  /**
   * Writes a directory marker (directories also exist implicitly, through the files under them).
   * EEXIST if something lives there, unless `recursive` and it is a directory (as `fs.mkdir`).
   */
  async mkdir(path: string, { recursive = false }: { recursive?: boolean } = {}): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      const state = this.state(p)
      if (state !== null && recursive && isDirectory(state)) return
      if (state !== null) throw MultiDriveError.EEXIST(p)
      this.assertParents(p)
      await this.writeRecord(writer, p, 'dirs', (batch, stamp) =>
        batch.db.put(p, markerValue(stamp), { keyEncoding: SUB_ENCODERS.dirs })
      )
    })
  }

  /** Removes a directory: ENOTEMPTY unless empty or `recursive` (tombstones everything under it). */
  async rmdir(path: string, { recursive = false }: { recursive?: boolean } = {}): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      const state = this.state(p)
      if (state === null) throw MultiDriveError.ENOENT(p)
      if (!isDirectory(state)) throw MultiDriveError.ENOTDIR(p)
      if (state.n > 0 && !recursive) throw MultiDriveError.ENOTEMPTY(p)
      const doomed: DrivePath[] = []
      for await (const [under, s] of this.store.winnersUnder(p)) if (s.w !== null) doomed.push(under)
      if (state.w !== null) doomed.push(p)
      if (doomed.length === 0) return
      const all = await this.store.records(doomed)
      await this.append(writer, async (batch) => {
        for (const [i, target] of doomed.entries()) {
          const records = all[i] ?? []
          await batch.db.put(target, markerValue(this.stampFor(records)), { keyEncoding: SUB_ENCODERS.tombstones })
          await this.dropOwn(batch, writer, target, records, 'tombstones')
        }
      })
    })
  }

  /**
   * `true`: mark the path deleted with a tombstone in the writer (the writer's own copy stays under
   * it, so this can be undone). `false`: undo deletion: the writer's own tombstone goes, and if
   * another drive's tombstone still wins, the best live version of the path is copied into the
   * writer so that it wins again.
   */
  async setTombstone(path: string, active: boolean): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      if (active) return this.writeTombstone(writer, p, { keepOwnCopy: true })
      const writerKey = hex(writer)
      const records = await this.recordsAt(p)
      const others = records.filter((r) => !(r.drive === writerKey && r.sub === 'tombstones'))
      const { record } = resolveRecords(others, this.indexer.resolver)
      if (record !== null && record.kind === 'tombstone') {
        const live = resolveRecords(
          others.filter((r) => r.kind !== 'tombstone'),
          this.indexer.resolver
        ).record
        if (live !== null) return this.restore(writer, p, live)
      }
      if (others.length === records.length) return
      await this.append(writer, (batch) => batch.db.del(p, { keyEncoding: SUB_ENCODERS.tombstones }))
    })
  }

  /** Copies a record (content included) into the writer with a stamp that dominates the path. */
  private async restore(writer: Hyperdrive, path: DrivePath, record: StoredRecord): Promise<void> {
    if (record.kind === 'dir') {
      return this.writeRecord(writer, path, 'dirs', (batch, stamp) =>
        batch.db.put(path, markerValue(stamp), { keyEncoding: SUB_ENCODERS.dirs })
      )
    }
    const metadata = copyableMetadata(record.metadata)
    if (record.kind === 'symlink') {
      return this.writeRecord(writer, path, 'files', (batch, stamp) =>
        batch.symlink(path, record.linkname ?? '', { metadata: stampMetadata(metadata, stamp) })
      )
    }
    const content = await this.readBlob(record)
    return this.writeRecord(writer, path, 'files', (batch, stamp) =>
      batch.put(path, content, { executable: record.executable === true, metadata: stampMetadata(metadata, stamp) })
    )
  }

  /** Removes the writer's own tombstones at the path and at each of its parents. */
  async eraseTombstone(path: string): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      const writerKey = hex(writer)
      const paths = [p, ...ancestorsOf(p).filter((a) => a !== ROOT_PATH)]
      const all = await this.store.records(paths)
      const erased = paths.filter((_, i) => (all[i] ?? []).some((r) => r.drive === writerKey && r.sub === 'tombstones'))
      if (erased.length === 0) return
      await this.append(writer, async (batch) => {
        for (const target of erased) await batch.db.del(target, { keyEncoding: SUB_ENCODERS.tombstones })
      })
    })
  }

  /**
   * Sets one metadata key of the winning file. Copy-on-write: a file owned by another drive is
   * copied into the writer with the new metadata.
   */
  async setMetadata(path: string, key: string, value: unknown): Promise<void> {
    await this.updateMetadata(path, (metadata) => ({ ...metadata, [key]: value }))
  }

  async removeMetadata(path: string, key: string): Promise<void> {
    await this.updateMetadata(path, (metadata) => {
      const { [key]: _, ...rest } = metadata
      return rest
    })
  }

  private async updateMetadata(
    path: string,
    update: (metadata: Record<string, unknown>) => Record<string, unknown>
  ): Promise<void> {
    const p = this.path(path)
    await this.exclusive(async (writer) => {
      const state = this.state(p)
      if (state === null) throw MultiDriveError.ENOENT(p)
      if (isDirectory(state) || state.w === null) throw MultiDriveError.EISDIR(p)
      const w = state.w
      const metadata = this.metadataOf(update(copyableMetadata(w.metadata) ?? {}))
      const writerKey = hex(writer)
      // The writer's own blob can be reused; another drive's bytes must be copied in.
      const blob: BlobId | null = w.drive === writerKey ? (w.blob ?? null) : null
      const content = w.kind === 'file' && blob === null ? await this.readBlob(w) : null
      await this.writeRecord(writer, p, 'files', async (batch, stamp) => {
        const meta = stampMetadata(metadata, stamp)
        if (w.kind === 'symlink') return batch.symlink(p, w.linkname ?? '', { metadata: meta })
        if (content !== null) return batch.put(p, content, { executable: w.executable === true, metadata: meta })
        await batch.db.put(
          p,
          { executable: w.executable === true, linkname: null, blob, metadata: meta },
          { keyEncoding: SUB_ENCODERS.files }
        )
      })
    })
  }

  /** Truncates (or zero-extends) a file to `len` bytes; files of other drives are copied (copy-on-write). */
  async truncate(path: string, len = 0): Promise<void> {
    if (!Number.isSafeInteger(len) || len < 0) throw MultiDriveError.EINVAL(`invalid length: ${len}`)
    await this.exclusive(async (writer) => {
      const { path: p, state } = this.follow(this.path(path))
      if (state === null) throw MultiDriveError.ENOENT(p)
      if (isDirectory(state) || state.w === null) throw MultiDriveError.EISDIR(p)
      const w = state.w
      const content = await this.readBlob(w)
      const out = Buffer.alloc(len)
      content.copy(out, 0, 0, Math.min(len, content.length))
      await this.writeRecord(writer, p, 'files', (batch, stamp) =>
        batch.put(p, out, {
          executable: w.executable === true,
          metadata: stampMetadata(copyableMetadata(w.metadata), stamp)
        })
      )
    })
  }

  /** A writable stream into a new file in the writer; the file appears when the stream finishes. */
  createWriteStream(
    path: string,
    opts: { executable?: boolean; metadata?: Record<string, unknown> | null } = {}
  ): Writable {
    const chunks: Buffer[] = []
    return new Writable({
      write(chunk: Buffer, _encoding, cb) {
        chunks.push(Buffer.from(chunk))
        cb()
      },
      final: (cb) => {
        this.put(path, Buffer.concat(chunks), opts).then(() => cb(), cb)
      }
    })
  }

  // ---- file descriptors -----------------------------------------------------------------------------

  /**
   * Opens a file: flags as `fs.open` ('r', 'r+', 'w', 'w+', 'a', 'a+', with 'x' for exclusive).
   * Symlinks are followed. Writes are buffered and written back to the writer on `close(fd)`.
   */
  async open(path: string, flags = 'r'): Promise<number> {
    await this.opened_()
    const match = /^(r|w|a)(x)?(\+)?$/.exec(flags.replace('s', ''))
    if (match === null) throw MultiDriveError.EINVAL(`invalid flags: ${flags}`)
    const [, mode, exclusive, plus] = match
    const { path: p, state } = this.follow(this.path(path))
    if (state !== null && isDirectory(state)) throw MultiDriveError.EISDIR(p)
    if (mode === 'r' && state === null) throw MultiDriveError.ENOENT(p)
    if (exclusive && state !== null) throw MultiDriveError.EEXIST(p)
    const writable = mode !== 'r' || plus !== undefined
    if (writable) {
      this.requireWriter()
      this.assertFileSlot(p)
    }
    const fd = this.nextFd++
    this.files.set(fd, {
      path: p,
      readable: mode === 'r' || plus !== undefined,
      writable,
      append: mode === 'a',
      content: mode === 'w' ? Buffer.alloc(0) : null,
      // 'w' truncates and 'a' creates: both leave a file behind even without a write.
      dirty: mode === 'w' || (mode === 'a' && state === null),
      position: 0
    })
    return fd
  }

  private async file(fd: number): Promise<OpenFile> {
    await this.opened_()
    const file = this.files.get(fd)
    if (file === undefined) throw MultiDriveError.EBADF(fd)
    return file
  }

  private async contentOf(file: OpenFile): Promise<Buffer> {
    if (file.content === null) {
      const state = this.state(file.path)
      file.content = state?.w && !isDirectory(state) ? await this.readBlob(state.w) : Buffer.alloc(0)
    }
    return file.content
  }

  /** Reads into `buffer` like `fs.read`; `position` null reads at the file position and advances it. */
  async read(
    fd: number,
    buffer: Buffer,
    offset = 0,
    length = buffer.length - offset,
    position: number | null = null
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    const file = await this.file(fd)
    if (!file.readable) throw MultiDriveError.EBADF(fd)
    const content = await this.contentOf(file)
    const from = position ?? file.position
    const bytesRead = Math.max(0, Math.min(length, content.length - from))
    content.copy(buffer, offset, from, from + bytesRead)
    if (position === null) file.position = from + bytesRead
    return { bytesRead, buffer }
  }

  /** Writes from `buffer` like `fs.write` (appends in 'a' mode); written back on `close(fd)`. */
  async write(
    fd: number,
    buffer: Buffer,
    offset = 0,
    length = buffer.length - offset,
    position: number | null = null
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    const file = await this.file(fd)
    if (!file.writable) throw MultiDriveError.EBADF(fd)
    const content = await this.contentOf(file)
    const at = file.append ? content.length : (position ?? file.position)
    const end = at + length
    const next = Buffer.alloc(Math.max(content.length, end))
    content.copy(next)
    buffer.copy(next, at, offset, offset + length)
    file.content = next
    file.dirty = true
    if (position === null) file.position = end
    return { bytesWritten: length, buffer }
  }

  private async closeFile(fd: number): Promise<void> {
    const file = await this.file(fd)
    if (file.dirty) await this.put(file.path, await this.contentOf(file))
    this.files.delete(fd)
  }

  // ---- replication helpers -------------------------------------------------------------------------

  /** Downloads only the winning blobs under a folder. */
  async download(folder = '/'): Promise<void> {
    await this.opened_()
    const dir = this.path(folder, { root: true })
    const downloads: Promise<void>[] = []
    const fetch = async (record: StoredRecord) => {
      const blob = record.blob
      if (!blob || blob.blockLength === 0) return
      const drive = this.driveFor(record.drive)
      const blobs = drive.blobs ?? (await drive.getBlobs())
      await blobs.core.download({ start: blob.blockOffset, end: blob.blockOffset + blob.blockLength }).done()
    }
    const single = this.state(dir)
    if (single !== null && !isDirectory(single) && single.w !== null) downloads.push(fetch(single.w))
    for await (const [, state] of this.store.winnersUnder(dir)) {
      if (!isDirectory(state) && state.w !== null) downloads.push(fetch(state.w))
    }
    await Promise.all(downloads)
  }

  /** Registers a replication extension on the primary's core. */
  registerExtension<M = unknown>(name: string, handlers: Hypercore.ExtensionHandlers<M> = {}): Hypercore.Extension<M> {
    return this.primary.core.registerExtension(name, handlers)
  }
}
