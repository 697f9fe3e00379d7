/**
 * What the index stores, and under which keys. Bump SCHEMA_VERSION whenever a stored shape changes:
 * an index built with another schema is rebuilt from the drives.
 *
 * Every record has a row of its own (drive-major, so a drive's records are one range), and every
 * path a small summary: its candidates (one per drive, path-major) with how many others dominate
 * each, its heads, and its best candidate. A new record touches its own rows, the candidates its
 * clock names and the path's summary: the cost of indexing a record does not grow with the number
 * of drives that share its path.
 */
import { ROOT_PATH } from '../events/paths.js'
import { isDirectoryKind } from '../events/records.js'
import type {
  Candidate,
  Checkpoint,
  DrivePath,
  DriveRecord,
  MergedEntry,
  RecordKind,
  RecordSub
} from '../events/types.js'

export const SCHEMA_VERSION = 4

/** A drive's record as stored (the path is in the key). */
export type StoredRecord = Omit<DriveRecord, 'path'>

/** A drive's statement at a path (its newest record there), and how many statements dominate it. */
export interface CandidateState {
  sub: RecordSub
  seq: number
  kind: RecordKind
  t: number
  clock: Record<string, number>
  /** How many other candidates at the path dominate this one: 0 makes it a head. */
  dominatedBy: number
}

/** How a path resolves, kept up to date record by record. */
export interface PathSummary {
  candidates: number
  heads: number
  /** The best candidate of the pool the resolver picks from (the heads, for 'causal'). */
  best: Candidate | null
  /** The best directory-marker head: a directory wins over a concurrent file. */
  bestDir: Candidate | null
}

/**
 * The merged state of a live path (a path that is a file, symlink, directory marker, or has live
 * children): its winning live record (null for an implicit directory), how many live children it
 * has, and whether its records have several heads.
 */
export interface WinnerState {
  winner: StoredRecord | null
  liveChildren: number
  headConflict: boolean
}

export interface IndexMeta {
  schema: number
  resolver: string
}

/** The sublevels of the index. */
export type IndexPart =
  | 'records'
  | 'candidates'
  | 'heads'
  | 'seen'
  | 'summaries'
  | 'winners'
  | 'children'
  | 'conflicts'
  | 'mounts'
  | 'checkpoints'
  | 'meta'

export interface PartValues {
  /** `drive \0 sub \0 path` -> the drive's record of that sub at that path */
  records: StoredRecord
  /** `path \0 drive` -> the drive's statement at the path */
  candidates: CandidateState
  /** `path \0 drive` -> the candidate, for every candidate nothing dominates */
  heads: Candidate
  /** `path \0 drive \0 seq` -> how many candidates at the path have a clock naming that drive's seq */
  seen: number
  /** path -> how the path resolves (paths with candidates) */
  summaries: PathSummary
  /** live path -> its merged state */
  winners: WinnerState
  /** `dir \0 name` -> '' for every live child of a directory */
  children: ''
  /** path -> '' for every path in conflict */
  conflicts: ''
  /** mount point -> the mounted drive and the source whose mount record wins there */
  mounts: { key: string; by: string }
  /** hex drive key -> how far it is indexed */
  checkpoints: Checkpoint
  /** 'meta' -> schema and resolver that built the index */
  meta: IndexMeta
}

/** One write of a fold; a fold's writes commit as one atomic batch. */
export type IndexWrite = {
  [P in IndexPart]: { part: P; key: string; value: PartValues[P] } | { part: P; key: string; value: null }
}[IndexPart]

export function recordKey(drive: string, sub: RecordSub, path: string): string {
  return `${drive}\0${sub}\0${path}`
}

/** The key range of a drive's records (of one sub, when given). */
export function driveRange(drive: string, sub?: RecordSub): { gt: string; lt: string } {
  const base = sub === undefined ? drive : `${drive}\0${sub}`
  return { gt: `${base}\0`, lt: `${base}\x01` }
}

/** `path \0 drive`: the key of a drive's candidate (and head) at a path. */
export function candidateKey(path: string, drive: string): string {
  return `${path}\0${drive}`
}

/** The drive of a candidate (or head) key. */
export function driveOfCandidateKey(key: string): string {
  return key.slice(key.lastIndexOf('\0') + 1)
}

/** The key range of every candidate (or head) at a path. */
export function pathRange(path: string): { gt: string; lt: string } {
  return { gt: `${path}\0`, lt: `${path}\x01` }
}

export function seenKey(path: string, drive: string, seq: number): string {
  return `${path}\0${drive}\0${seq}`
}

export function childKey(dir: string, name: string): string {
  return `${dir}\0${name}`
}

export function parentOf(path: DrivePath): DrivePath {
  const i = path.lastIndexOf('/')
  return (i <= 0 ? '/' : path.slice(0, i)) as DrivePath
}

export function nameOf(path: DrivePath): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Every proper ancestor of a path, root included. */
export function ancestorsOf(path: DrivePath): DrivePath[] {
  const out: DrivePath[] = []
  let p = path
  while (p !== ROOT_PATH) {
    p = parentOf(p)
    out.push(p)
  }
  return out
}

/** Key range of everything strictly under a folder ('0' is the byte after '/'). */
export function underRange(folder: string): { gt: string; lt: string } {
  const base = folder === '/' ? '' : folder
  return { gt: `${base}/`, lt: `${base}0` }
}

export function toCandidate(record: StoredRecord): Candidate {
  return { drive: record.drive, seq: record.seq, kind: record.kind, t: record.stamp.t, clock: record.stamp.clock }
}

export function toEntry(path: string, record: StoredRecord): MergedEntry {
  return {
    key: path,
    value: {
      executable: record.executable === true,
      linkname: record.linkname ?? null,
      blob: record.blob ?? null,
      metadata: record.metadata ?? null
    },
    drive: record.drive,
    seq: record.seq
  }
}

/** A directory's winning record may be a file that lost to live children: the directory wins. */
export function isDirectory(state: WinnerState): boolean {
  return state.liveChildren > 0 || state.winner === null || isDirectoryKind(state.winner.kind)
}

/** A path conflicts when its records have several heads, or a file has live children (file vs dir). */
export function isConflict(state: WinnerState | null): boolean {
  if (state === null) return false
  return state.headConflict || (state.liveChildren > 0 && state.winner !== null && !isDirectoryKind(state.winner.kind))
}
