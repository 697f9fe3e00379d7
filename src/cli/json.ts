/**
 * The JSON shapes of the merged view, shared by the command's `--json` output and the HTTP API
 * (docs/http.md documents them): one function per shape, so both always agree.
 */
import type { DriveStats, MergedChange, MergedEntry, Stat, WhoWins } from '../index.js'

export type EntryType = 'file' | 'directory' | 'symlink'

export interface StatJson {
  path: string
  type: EntryType
  size: number
  /** File type and permission bits, as `fs.Stats#mode`. */
  mode: number
  executable: boolean
  /** The winning record's stamp time (the writer's clock) as ISO 8601, and in ms. */
  mtime: string
  mtimeMs: number
  /** A symlink's target, else null. */
  linkname: string | null
  /** The user's metadata of the winning record. */
  metadata: unknown
  /** Hex key of the drive whose record won (null for a directory that exists through its children). */
  drive: string | null
  /** A mount point's mounted drive (hex key), else null. */
  mount: string | null
}

/** A directory's entries, sorted by name. */
export type LsJson = (StatJson & { name: string })[]

/** A winning record in a change: a file, a symlink, or a directory marker (from mkdir). */
export interface EntryJson {
  path: string
  type: EntryType
  size: number
  executable: boolean
  linkname: string | null
  metadata: unknown
  drive: string
  seq: number
}

export interface ChangeJson {
  path: string
  type: MergedChange['type']
  before: EntryJson | null
  after: EntryJson | null
}

export interface DriveJson {
  key: string
  /** This peer's own writable drive. */
  writer: boolean
  /** The drive actor's lifecycle state: opening, catchingUp, live, waitingForPeers, retrying (null: none). */
  state: DriveStats['state']
  /** Length indexed so far, the drive's known length, and their ratio (null while the length is unknown). */
  indexed: number
  length: number | null
  progress: number | null
  /** Peers connected for this drive. */
  peers: number
  lastError: string | null
}

/** The merged drives, this peer's writer first. */
export type DrivesJson = DriveJson[]

/** Paths with several heads, sorted. */
export type ConflictsJson = string[]

export type WhoJson = WhoWins

/** `GET /health`: the service at a glance. */
export interface HealthJson {
  ok: true
  /** This peer's writer (hex key). */
  writer: string
  /** Whether writes are taken (`--writable`). */
  writable: boolean
  /** How many drives are merged. */
  drives: number
  /** Whether the service is on hyperswarm (not `--no-swarm`), and its open connections. */
  swarm: boolean
  connections: number
  /** Clients following `GET /changes`. */
  sseClients: number
  /** Hex drive key -> indexed length (`multi.version`). */
  version: Record<string, number>
}

function typeOf(stat: Stat): EntryType {
  return stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'file'
}

export function statJson(path: string, stat: Stat): StatJson {
  return {
    path,
    type: typeOf(stat),
    size: stat.size,
    mode: stat.mode,
    executable: stat.isFile() && (stat.mode & 0o111) !== 0,
    mtime: stat.mtime.toISOString(),
    mtimeMs: stat.mtime.getTime(),
    linkname: stat.linkname,
    metadata: stat.metadata ?? null,
    drive: stat.driveKey,
    mount: stat.mount?.key ?? null
  }
}

export function entryJson(entry: MergedEntry | null): EntryJson | null {
  if (entry === null) return null
  const { value } = entry
  return {
    path: entry.key,
    // The change stream carries mkdir markers as entries with neither blob nor link.
    type: value.linkname ? 'symlink' : value.blob === null ? 'directory' : 'file',
    size: value.blob?.byteLength ?? 0,
    executable: value.executable,
    linkname: value.linkname,
    metadata: value.metadata ?? null,
    drive: entry.drive,
    seq: entry.seq
  }
}

export function changeJson(change: MergedChange): ChangeJson {
  return { path: change.path, type: change.type, before: entryJson(change.before), after: entryJson(change.after) }
}

export function driveJson(
  key: string,
  stats: DriveStats | undefined,
  opts: { writer: boolean; peers: number }
): DriveJson {
  const indexed = stats?.indexed ?? 0
  const length = stats?.length ?? null
  return {
    key,
    writer: opts.writer,
    state: stats?.state ?? null,
    indexed,
    length,
    progress: length === null ? null : length === 0 ? 1 : Math.min(1, indexed / length),
    peers: opts.peers,
    lastError: stats?.lastError ?? null
  }
}
