/**
 * The fold: a batch of record changes plus the index state they touch -> the index writes and the
 * merged changes. Pure: the indexer loads the state, calls `fold`, and commits what it returns.
 */
import { ROOT_PATH } from '../events/paths.js'
import type { DriveKey, DrivePath, MergedChange, MergedEntry, RecordSub } from '../events/types.js'
import { type Resolver, resolveRecords } from './resolve.js'
import {
  childKey,
  depthOf,
  type IndexWrite,
  isConflict,
  nameOf,
  parentOf,
  type StoredRecord,
  toEntry,
  type WinnerState
} from './schema.js'

/** Set (or, with `record: null`, remove) one drive's record of one sub at a path. */
export interface RecordChange {
  path: DrivePath
  drive: DriveKey
  sub: RecordSub
  record: StoredRecord | null
}

export interface FoldInput {
  resolver: Resolver
  /** Current records of every changed path (absent: none). */
  records: Map<DrivePath, StoredRecord[]>
  /** Current merged state of every changed path and all its ancestors (absent: not live). */
  winners: Map<DrivePath, WinnerState>
  /** Which of those paths are currently in conflict. */
  conflicts: Set<DrivePath>
  changes: readonly RecordChange[]
}

export interface FoldOutput {
  writes: IndexWrite[]
  changes: MergedChange[]
}

function applyChange(records: StoredRecord[], change: RecordChange): StoredRecord[] {
  const kept = records.filter((r) => r.drive !== change.drive || r.sub !== change.sub)
  if (change.record !== null) kept.push(change.record)
  return kept
}

function sameRecord(a: StoredRecord | null, b: StoredRecord | null): boolean {
  if (a === null || b === null) return a === b
  if (a.drive !== b.drive || a.seq !== b.seq || a.sub !== b.sub) return false
  // A drive that truncated and rewrote its log can put another record at the same seq.
  return JSON.stringify(a) === JSON.stringify(b)
}

function entryOf(path: DrivePath, state: WinnerState | null | undefined): MergedEntry | null {
  return state?.winner ? toEntry(path, state.winner) : null
}

export function fold(input: FoldInput): FoldOutput {
  const writes: IndexWrite[] = []
  const out: MergedChange[] = []

  // 1. Apply the changes to each touched path's records.
  const records = new Map<DrivePath, StoredRecord[]>()
  for (const change of input.changes) {
    const current = records.get(change.path) ?? input.records.get(change.path) ?? []
    records.set(change.path, applyChange(current, change))
  }

  // 2. Resolve every touched path; its new winning live record and head-conflict flag.
  const next = new Map<DrivePath, WinnerState>()
  const byDepth: Set<DrivePath>[] = []
  const markDirty = (path: DrivePath) => {
    const d = depthOf(path)
    let bucket = byDepth[d]
    if (bucket === undefined) {
      bucket = new Set()
      byDepth[d] = bucket
    }
    bucket.add(path)
  }
  const stateOf = (path: DrivePath): WinnerState => {
    let s = next.get(path)
    if (s === undefined) {
      const old = input.winners.get(path)
      s = old ? { ...old } : { winner: null, liveChildren: 0, headConflict: input.conflicts.has(path) }
      next.set(path, s)
    }
    return s
  }

  for (const [path, list] of records) {
    if (list.length === 0) writes.push({ part: 'records', key: path, value: null })
    else writes.push({ part: 'records', key: path, value: list })
    const resolved = resolveRecords(list, input.resolver)
    const live = resolved.record !== null && resolved.record.kind !== 'tombstone' ? resolved.record : null
    const s = stateOf(path)
    s.winner = live
    s.headConflict = resolved.conflict
    markDirty(path)
  }

  // 3. Children before parents: a path whose liveness flips changes its parent's child count.
  for (let depth = byDepth.length - 1; depth >= 0; depth--) {
    const bucket = byDepth[depth]
    if (bucket === undefined) continue
    for (const path of bucket) {
      const old = input.winners.get(path) ?? null
      const s = stateOf(path)
      const wasLive = old !== null
      // The root always exists; it is stored, like any directory, only while something lives in it.
      const isLive = s.winner !== null || s.liveChildren > 0

      if (path !== ROOT_PATH && wasLive !== isLive) {
        const parent = parentOf(path)
        stateOf(parent).liveChildren += isLive ? 1 : -1
        writes.push({ part: 'children', key: childKey(parent, nameOf(path)), value: isLive ? '' : null })
        markDirty(parent)
      }

      if (isLive) writes.push({ part: 'winners', key: path, value: s })
      else if (wasLive) writes.push({ part: 'winners', key: path, value: null })

      const wasConflict = input.conflicts.has(path)
      const conflict = path !== ROOT_PATH && isConflict(s)
      if (wasConflict !== conflict) writes.push({ part: 'conflicts', key: path, value: conflict ? '' : null })

      // 4. A merged change when the winning record or the conflict status moved.
      if (sameRecord(old?.winner ?? null, s.winner) && wasConflict === conflict) continue
      const after = entryOf(path, s)
      out.push({
        path,
        type: conflict ? 'conflict' : after === null ? 'del' : 'put',
        before: entryOf(path, old),
        after
      })
    }
  }

  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { writes, changes: out }
}
