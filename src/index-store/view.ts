/**
 * The read model over the index: what lives at a path (missing, a directory, a file or a symlink),
 * symlinks followed, directory children, everything under a folder, and a path's records. Every
 * read of the merged view goes through here, so the storage shape stays inside index-store.
 */
import { posix } from 'node:path'
import { normalizePath, ROOT_PATH } from '../events/paths.js'
import { RECORD_SUBS } from '../events/records.js'
import type { Candidate, DrivePath } from '../events/types.js'
import { type Resolution, type Resolver, resolve } from './resolve.js'
import {
  driveOfCandidateKey,
  isConflict,
  isDirectory,
  pathRange,
  recordKey,
  type StoredRecord,
  type WinnerState
} from './schema.js'
import type { IndexStore } from './store.js'

/** Nothing lives at the path. */
export interface MissingNode {
  type: 'missing'
}

/** A directory: explicit (`record` is its winning directory marker) or implicit (through its children). */
export interface DirNode {
  type: 'dir'
  /**
   * The path's winning record: a directory marker, or a file that lost to the directory's live
   * children (a conflict); null for a directory that exists only through its children.
   */
  record: StoredRecord | null
  liveChildren: number
  conflict: boolean
}

/** A file or symlink that wins its path. */
export interface FileNode {
  type: 'file' | 'symlink'
  record: StoredRecord
  conflict: boolean
}

export type PathNode = MissingNode | DirNode | FileNode

const MISSING: MissingNode = Object.freeze({ type: 'missing' })
/** The root always exists; the index stores it only while something lives in it. */
const EMPTY_ROOT: DirNode = Object.freeze({ type: 'dir', record: null, liveChildren: 0, conflict: false })
const MAX_SYMLINK_HOPS = 16

function toNode(state: WinnerState): DirNode | FileNode {
  const conflict = isConflict(state)
  if (isDirectory(state)) return { type: 'dir', record: state.winner, liveChildren: state.liveChildren, conflict }
  const record = state.winner as StoredRecord
  return { type: record.kind === 'symlink' ? 'symlink' : 'file', record, conflict }
}

/** `dir` + `name` as a path. */
export function childPath(dir: DrivePath, name: string): DrivePath {
  return (dir === ROOT_PATH ? `/${name}` : `${dir}/${name}`) as DrivePath
}

export class IndexView {
  private readonly store: IndexStore
  readonly resolver: Resolver

  constructor(store: IndexStore, resolver: Resolver) {
    this.store = store
    this.resolver = resolver
  }

  /** What lives at a path: one synchronous index lookup. */
  lookup(path: DrivePath): PathNode {
    const state = this.store.winner(path)
    if (state !== null) return toNode(state)
    return path === ROOT_PATH ? EMPTY_ROOT : MISSING
  }

  /**
   * Follows symlinks like the kernel (relative targets against the link's directory): the path
   * reached and what lives there; null after too many hops (a loop).
   */
  follow(path: DrivePath): { path: DrivePath; node: PathNode } | null {
    let current = path
    for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
      const node = this.lookup(current)
      if (node.type !== 'symlink') return { path: current, node }
      const target = normalizePath(posix.resolve(posix.dirname(current), node.record.linkname ?? ''))
      if (target === null) return { path: current, node: MISSING }
      current = target
    }
    return null
  }

  /** The sorted names of a directory's live children. */
  children(dir: DrivePath): AsyncIterable<string> {
    return this.store.children(dir)
  }

  /** Every live path strictly under a folder, sorted, with what lives there. */
  async *nodesUnder(folder: DrivePath): AsyncIterable<[DrivePath, DirNode | FileNode]> {
    for await (const [path, state] of this.store.winnersUnder(folder)) yield [path, toNode(state)]
  }

  /** Files and symlinks strictly under a folder (recursive) or directly in it, sorted by path. */
  async *entriesUnder(folder: DrivePath, { recursive = true } = {}): AsyncIterable<[DrivePath, FileNode]> {
    if (recursive) {
      for await (const [path, node] of this.nodesUnder(folder)) if (node.type !== 'dir') yield [path, node]
      return
    }
    for await (const name of this.children(folder)) {
      const path = childPath(folder, name)
      const node = this.lookup(path)
      if (node.type === 'file' || node.type === 'symlink') yield [path, node]
    }
  }

  /** The winning file records at a path: the file there, or every file under a folder. */
  async *filesAt(path: DrivePath): AsyncIterable<StoredRecord> {
    const node = this.lookup(path)
    if (node.type === 'file') yield node.record
    for await (const [, entry] of this.entriesUnder(path)) if (entry.type === 'file') yield entry.record
  }

  /** The mount that wins at a path (its drive, and the source whose record it is), if any. */
  mountAt(path: DrivePath): { key: string; by: string } | null {
    return this.store.getSync('mounts', path) ?? null
  }

  /** Every winning mount point, sorted. */
  async *mountPoints(): AsyncIterable<[DrivePath, { key: string; by: string }]> {
    for await (const [path, mount] of this.store.scan('mounts', {})) yield [path as DrivePath, mount]
  }

  /** Paths in conflict strictly under a folder, sorted. */
  conflictsUnder(folder: DrivePath): AsyncIterable<DrivePath> {
    return this.store.conflictsUnder(folder)
  }

  /** Every drive's records at a path (a drive may hold one in each sub). */
  async recordsAt(path: DrivePath): Promise<StoredRecord[]> {
    return (await this.recordsAtEach([path]))[0] ?? []
  }

  /** Every drive's records at each of the paths, in order. */
  async recordsAtEach(paths: readonly DrivePath[]): Promise<StoredRecord[][]> {
    const drives = await Promise.all(paths.map((path) => this.drivesAt(path)))
    const keys = paths.flatMap((path, i) =>
      (drives[i] ?? []).flatMap((drive) => RECORD_SUBS.map((sub) => recordKey(drive, sub, path)))
    )
    const records = await this.store.get('records', keys)
    let next = 0
    return paths.map((_, i) => {
      const count = (drives[i] ?? []).length * RECORD_SUBS.length
      const mine = records.slice(next, next + count).filter((r): r is StoredRecord => r !== undefined)
      next += count
      return mine
    })
  }

  /** How the path resolves: winner, candidates, heads, and whether it is a conflict (file vs dir too). */
  async resolve(path: DrivePath): Promise<Resolution> {
    const candidates: Candidate[] = []
    for await (const [key, state] of this.store.scan('candidates', pathRange(path))) {
      candidates.push({
        drive: driveOfCandidateKey(key),
        seq: state.seq,
        kind: state.kind,
        t: state.t,
        clock: state.clock
      })
    }
    const resolved = resolve(candidates, this.resolver)
    const node = this.lookup(path)
    return { ...resolved, conflict: resolved.conflict || (node.type !== 'missing' && node.conflict) }
  }

  /** The drives with a record at a path. */
  private async drivesAt(path: DrivePath): Promise<string[]> {
    // Most writes are to paths no drive has a record at: one synchronous lookup says so.
    if (this.store.getSync('summaries', path) === undefined) return []
    const drives: string[] = []
    for await (const [key] of this.store.scan('candidates', pathRange(path))) drives.push(driveOfCandidateKey(key))
    return drives
  }
}
