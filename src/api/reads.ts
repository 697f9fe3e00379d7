/**
 * The read side of MultiDrive, as Hyperdrive 13 and `fs/promises` shape it: entries, content,
 * stats and listings of the merged view, answered from the index (content from the winning
 * drive's blobs). Wherever Hyperdrive takes a path it also takes an entry object, so tools written
 * for it (mirror-drive) can hand back the entries they were given.
 */
import { posix } from 'node:path'
import type { Readable } from 'node:stream'
import type { DrivePath, MergedEntry } from '../events/types.js'
import type { Resolution } from '../index-store/resolve.js'
import { toEntry } from '../index-store/schema.js'
import { childPath, type DirNode, type FileNode, type IndexView, type PathNode } from '../index-store/view.js'
import type { Content, ContentRef } from './content.js'
import type { Download } from './download.js'
import { type DriveSet, published } from './drive-set.js'
import { MultiDriveError } from './errors.js'
import type { HyperdriveLike } from './hyperdrive-like.js'
import { Listing } from './listing.js'
import type { ByteRange, EntryLike, EntryOptions, Ignore, ListOptions, WaitOptions } from './method-options.js'
import { follow, toPath } from './paths.js'
import { Stat } from './stat.js'

export interface ReadsOptions {
  view: IndexView
  content: Content
  set: DriveSet
  /** Resolves once the MultiDrive is open; ECLOSED once it closes. */
  ensureOpen: () => Promise<void>
}

function isEntryLike(target: unknown): target is EntryLike {
  return typeof target === 'object' && target !== null && typeof (target as EntryLike).key === 'string'
}

function toIgnoreTest(ignore: Ignore | null | undefined): ((key: string) => boolean) | null {
  if (ignore === undefined || ignore === null) return null
  if (typeof ignore === 'function') return ignore
  const paths = (typeof ignore === 'string' ? [ignore] : ignore).map((p) => posix.resolve('/', p))
  return (key) => paths.some((path) => key === path || key.startsWith(`${path}/`))
}

export class Reads<D extends HyperdriveLike> {
  private readonly view: IndexView
  private readonly content: Content
  private readonly set: DriveSet
  private readonly ensureOpen: () => Promise<void>

  constructor({ view, content, set, ensureOpen }: ReadsOptions) {
    this.view = view
    this.content = content
    this.set = set
    this.ensureOpen = ensureOpen
  }

  /** The winning entry at a path (symlinks followed with `follow`); an entry object is handed back as is. */
  async entry(target: string | EntryLike, opts: EntryOptions = {}): Promise<MergedEntry | EntryLike | null> {
    if (isEntryLike(target)) return target
    const { path, node } = opts.follow ? await this.followed(target) : await this.lookup(target)
    return node.type === 'file' || node.type === 'symlink' ? toEntry(path, node.record) : null
  }

  /** The winning file's content, or null (missing, a directory, or a symlink). */
  async get(target: string | EntryLike, opts: WaitOptions = {}): Promise<Buffer | null> {
    const ref = await this.refOf(target)
    return ref === null ? null : this.content.read(ref, opts)
  }

  /** The winning file's content, symlinks followed: ENOENT if missing, EISDIR for a directory. */
  async readFile(path: string, opts: BufferEncoding | (WaitOptions & { encoding?: BufferEncoding | null }) = {}) {
    const { encoding, ...wait } = typeof opts === 'string' ? { encoding: opts } : opts
    const data = await this.content.read((await this.fileAt(path)).record, wait)
    return encoding ? data.toString(encoding) : data
  }

  /** A stream of the winning file's bytes (of an entry object's file, or a path's, symlinks followed). */
  createReadStream(target: string | EntryLike, opts: ByteRange & WaitOptions = {}): Readable {
    return this.content.stream(async () => {
      if (!isEntryLike(target)) return (await this.fileAt(target)).record
      const ref = await this.refOf(target)
      if (ref === null) throw MultiDriveError.ENOENT(target.key)
      return ref
    }, opts)
  }

  /** Whether the content of the file at a path, or of every file under a folder, is stored locally. */
  async has(path: string): Promise<boolean> {
    const { path: p, node } = await this.lookup(path)
    // As Hyperdrive's: a symlink has no content of its own, nothing lives at a missing path.
    if (node.type === 'missing' || node.type === 'symlink') return false
    return this.content.has(this.view.filesAt(p))
  }

  /** Fetches the winning blobs under a folder (or of one file), and no other. */
  download(folder: string): Download {
    return this.content.download(
      async function* (this: Reads<D>) {
        await this.ensureOpen()
        yield* this.view.filesAt(toPath(folder, { root: true }))
      }.bind(this)
    )
  }

  /** Winning file and symlink entries under a folder (recursive by default), sorted by key. */
  list(folder: string, { recursive = true, ignore }: ListOptions = {}): Listing<MergedEntry> {
    const ignored = toIgnoreTest(ignore)
    return this.listing(folder, async function* (view, dir) {
      for await (const [path, node] of view.entriesUnder(dir, { recursive })) {
        if (ignored === null || !ignored(path)) yield toEntry(path, node.record)
      }
    })
  }

  /** The sorted names in a directory. */
  readdir(folder: string): Listing<string> {
    return this.listing(folder, (view, dir) => view.children(dir))
  }

  /** The names in a directory with the stat of each (links not followed). */
  readdirWithStats(folder: string): Listing<{ name: string; stat: Stat<D> }> {
    const statOf = (node: DirNode | FileNode) => this.statOf(node)
    return this.listing(folder, async function* (view, dir) {
      for await (const name of view.children(dir)) {
        const node = view.lookup(childPath(dir, name))
        if (node.type !== 'missing') yield { name, stat: statOf(node) }
      }
    })
  }

  /** Paths under a folder whose records have several heads (or a file lost to a directory). */
  conflicts(folder: string): Listing<string> {
    return this.listing(folder, (view, dir) => view.conflictsUnder(dir))
  }

  /** Which drive wins a path and why: every candidate, the heads, and whether they conflict. */
  async whoWins(path: string): Promise<Resolution> {
    await this.ensureOpen()
    return this.view.resolve(toPath(path, { root: true }))
  }

  /** Like `fs.stat` (`follow`, the default) or `fs.lstat`: ENOENT if nothing lives at the path. */
  async stat(path: string, { follow: followLinks = true } = {}): Promise<Stat<D>> {
    const { path: p, node } = followLinks ? await this.followed(path) : await this.lookup(path)
    if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
    return this.statOf(node)
  }

  /** What lives at a path (links not followed). */
  private async lookup(path: string): Promise<{ path: DrivePath; node: PathNode }> {
    await this.ensureOpen()
    const p = toPath(path, { root: true })
    return { path: p, node: this.view.lookup(p) }
  }

  /** What lives at a path, symlinks followed. */
  private async followed(path: string): Promise<{ path: DrivePath; node: PathNode }> {
    await this.ensureOpen()
    return follow(this.view, toPath(path, { root: true }))
  }

  /** The file a path names, symlinks followed: ENOENT if missing, EISDIR for a directory. */
  private async fileAt(path: string): Promise<FileNode> {
    const { path: p, node } = await this.followed(path)
    if (node.type === 'missing') throw MultiDriveError.ENOENT(p)
    if (node.type === 'dir') throw MultiDriveError.EISDIR(p)
    return node
  }

  /**
   * Where a file's content is: for a path, the winning file's (null for a symlink, a directory or
   * nothing); for an entry of ours, its own drive's blob (as Hyperdrive reads an entry's blob); for
   * an entry from elsewhere (no drive of ours), the winning file at its key.
   */
  private async refOf(target: string | EntryLike): Promise<ContentRef | null> {
    if (isEntryLike(target) && typeof target.drive === 'string') {
      await this.ensureOpen()
      return target.value?.blob ? { drive: target.drive, blob: target.value.blob } : null
    }
    const { node } = await this.lookup(isEntryLike(target) ? target.key : target)
    return node.type === 'file' ? node.record : null
  }

  private statOf(node: DirNode | FileNode): Stat<D> {
    const drive = node.record ? this.set.find(node.record.drive) : undefined
    return new Stat<D>(node, drive === undefined ? null : published<D>(drive))
  }

  /** A listing of a folder, opened (and its path checked) when it is first read. */
  private listing<T>(folder: string, source: (view: IndexView, dir: DrivePath) => AsyncIterable<T>): Listing<T> {
    const { view, ensureOpen } = this
    return new Listing(async function* () {
      await ensureOpen()
      yield* source(view, toPath(folder, { root: true }))
    })
  }
}
