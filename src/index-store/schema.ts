/**
 * What the index stores, and under which keys. Bump SCHEMA_VERSION whenever a stored shape changes:
 * an index built with another schema is rebuilt from the drives.
 */
import { ROOT_PATH } from '../events/paths.js'
import type { Candidate, Checkpoint, DrivePath, DriveRecord, MergedEntry } from '../events/types.js'

export const SCHEMA_VERSION = 2

/** A drive's record as stored under its path (the path is the key). */
export type StoredRecord = Omit<DriveRecord, 'path'>

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
export type IndexPart = 'records' | 'winners' | 'children' | 'conflicts' | 'checkpoints' | 'meta'

export interface PartValues {
  /** path -> every drive's records at that path (at most one per drive and sub) */
  records: StoredRecord[]
  /** live path -> its merged state */
  winners: WinnerState
  /** `dir \0 name` -> '' for every live child of a directory */
  children: ''
  /** path -> '' for every path in conflict */
  conflicts: ''
  /** hex drive key -> how far it is indexed */
  checkpoints: Checkpoint
  /** 'meta' -> schema and resolver that built the index */
  meta: IndexMeta
}

/** One write of a fold; a fold's writes commit as one atomic batch. */
export type IndexWrite = {
  [P in IndexPart]: { part: P; key: string; value: PartValues[P] } | { part: P; key: string; value: null }
}[IndexPart]

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

export function depthOf(path: DrivePath): number {
  if (path === ROOT_PATH) return 0
  let depth = 0
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++
  return depth
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
  return state.liveChildren > 0 || state.winner === null || state.winner.kind === 'dir'
}

/** A path conflicts when its records have several heads, or a file has live children (file vs dir). */
export function isConflict(state: WinnerState | null): boolean {
  if (state === null) return false
  return state.headConflict || (state.liveChildren > 0 && state.winner !== null && state.winner.kind !== 'dir')
}
