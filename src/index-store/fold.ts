/**
 * The fold: one drive's batch of record changes -> the index writes and the merged changes. It
 * reads only the state a change touches, through a FoldReader (batched lookups, and a scan of one
 * path's pool when the path's best candidate leaves it), never LevelDB itself: it runs the same over
 * the store and over plain maps in tests, and its answer for a path is always the one `resolve()`
 * gives for that path's candidates.
 *
 * Per path, a change of the drive's statement costs O(1 + its clock): the statement's own rows,
 * the candidates its clock names (dominance counts), the path's summary (heads, best candidate).
 */
import { depthOf, ROOT_PATH } from '../events/paths.js'
import { isDirectoryKind, RECORD_SUBS } from '../events/records.js'
import type { Candidate, DriveKey, DrivePath, MergedChange, MergedEntry, RecordSub } from '../events/types.js'
import { bestOf, better, compareFor, isIncremental, picksHeads, type Resolver, winnerOf } from './resolve.js'
import {
  ancestorsOf,
  type CandidateState,
  candidateKey,
  childKey,
  driveOfCandidateKey,
  type IndexWrite,
  isConflict,
  nameOf,
  type PartValues,
  type PathSummary,
  parentOf,
  pathRange,
  recordKey,
  type StoredRecord,
  seenKey,
  toEntry,
  type WinnerState
} from './schema.js'

const SUBS = RECORD_SUBS

/** Set (or, with `record: null`, remove) the folding drive's record of one sub at a path. */
export interface RecordChange {
  path: DrivePath
  sub: RecordSub
  record: StoredRecord | null
}

type LookupPart = 'records' | 'candidates' | 'seen' | 'summaries' | 'winners' | 'conflicts'

/** How the fold reads the index: batched lookups by key, and range scans of one path's rows. */
export interface FoldReader {
  get<P extends LookupPart>(part: P, keys: readonly string[]): Promise<(PartValues[P] | undefined)[]>
  scan<P extends 'candidates' | 'heads'>(
    part: P,
    range: { gt: string; lt: string }
  ): AsyncIterable<[string, PartValues[P]]>
}

export interface FoldInput {
  resolver: Resolver
  /** The drive every change is about (a batch is one drive's). */
  drive: DriveKey
  changes: readonly RecordChange[]
}

export interface FoldOutput {
  writes: IndexWrite[]
  changes: MergedChange[]
  /** Paths whose winning mount (the drive shown there) changed. */
  mounts: DrivePath[]
}

/** A candidate as the pool holds it: what resolution compares, plus where its record lives. */
type Ranked = Candidate & { sub: RecordSub }

function ranked(drive: string, c: CandidateState): Ranked {
  return { drive, seq: c.seq, kind: c.kind, t: c.t, clock: c.clock, sub: c.sub }
}

function toState(record: StoredRecord, dominatedBy: number): CandidateState {
  const { sub, seq, kind, stamp } = record
  return { sub, seq, kind, t: stamp.t, clock: stamp.clock, dominatedBy }
}

function sameRecord(a: StoredRecord | null | undefined, b: StoredRecord | null | undefined): boolean {
  if (!a || !b) return !a && !b
  if (a.drive !== b.drive || a.seq !== b.seq || a.sub !== b.sub) return false
  // A drive that truncated and rewrote its log can put another record at the same seq.
  return JSON.stringify(a) === JSON.stringify(b)
}

/** The drive's statement among its records at a path: the newest. */
function statementOf(records: Partial<Record<RecordSub, StoredRecord>>): StoredRecord | null {
  let newest: StoredRecord | null = null
  for (const sub of SUBS) {
    const r = records[sub]
    if (r && (newest === null || r.seq > newest.seq)) newest = r
  }
  return newest
}

/** Clock entries that can dominate another drive's statement (a drive's own entries never do). */
function othersIn(clock: Record<string, number>, self: string): [string, number][] {
  return Object.entries(clock).filter(([drive]) => drive !== self)
}

function entryOf(path: DrivePath, state: WinnerState | null | undefined): MergedEntry | null {
  return state?.winner ? toEntry(path, state.winner) : null
}

/** What one path's statement change does to its candidates, heads and best candidates. */
interface PathWork {
  path: DrivePath
  /** The drive's statement before the batch, as the index holds it (with its clock). */
  oldCandidate: CandidateState | undefined
  /** The drive's statement after the batch. */
  statement: StoredRecord | null
  changed: boolean
  summaryBefore: PathSummary
  summary: PathSummary
  /** Other drives' candidates this change touches, as loaded and as they end. */
  touched: Map<string, { before: CandidateState; after: CandidateState }>
  newCandidate: CandidateState | null
  /** The resolved winner, once known. */
  winner: Ranked | null
}

export async function fold(input: FoldInput, reader: FoldReader): Promise<FoldOutput> {
  const { drive: self, resolver } = input
  const compare = compareFor(resolver)
  const writes: IndexWrite[] = []

  // 1. Each touched path: the drive's records there before and after the batch, its old candidate.
  const byPath = new Map<DrivePath, RecordChange[]>()
  for (const change of input.changes) {
    const list = byPath.get(change.path) ?? []
    list.push(change)
    byPath.set(change.path, list)
  }
  const paths = [...byPath.keys()]
  const [oldCandidates, summaries] = await Promise.all([
    reader.get(
      'candidates',
      paths.map((path) => candidateKey(path, self))
    ),
    reader.get('summaries', paths)
  ])
  // The drive has records at a path only while it has a candidate there (its statement): a first
  // write to a path, the common case of a build, reads no records.
  const held = paths.filter((_, i) => oldCandidates[i] !== undefined)
  const heldRecords = await reader.get(
    'records',
    held.flatMap((path) => SUBS.map((sub) => recordKey(self, sub, path)))
  )
  const ownRecords = new Map(held.map((path, i) => [path, heldRecords.slice(i * SUBS.length, (i + 1) * SUBS.length)]))
  const works: PathWork[] = paths.map((path, i) => {
    const before: Partial<Record<RecordSub, StoredRecord>> = {}
    const records = ownRecords.get(path) ?? []
    SUBS.forEach((sub, s) => {
      const r = records[s]
      if (r) before[sub] = r
    })
    const after = { ...before }
    for (const change of byPath.get(path) ?? []) {
      if (change.record === null) delete after[change.sub]
      else after[change.sub] = change.record
    }
    for (const sub of SUBS) {
      if (sameRecord(before[sub], after[sub])) continue
      const value = after[sub] ?? null
      writes.push({ part: 'records', key: recordKey(self, sub, path), value })
    }
    const statement = statementOf(after)
    const summary = summaries[i] ?? { candidates: 0, heads: 0, best: null, bestDir: null }
    return {
      path,
      oldCandidate: oldCandidates[i],
      statement,
      changed: !sameRecord(statementOf(before), statement),
      summaryBefore: summary,
      summary: { ...summary },
      touched: new Map(),
      newCandidate: null,
      winner: null
    }
  })
  const changed = works.filter((w) => w.changed)

  // 2. Dominance: the candidates the old and new statements' clocks name, and who names the new one.
  const namedKeys = new Set<string>()
  const seenKeys = new Set<string>()
  for (const w of changed) {
    // A path without candidates has no clock counts and nothing to dominate: nothing to read.
    if (w.summaryBefore.candidates === 0) continue
    for (const [drive, seq] of othersIn(w.oldCandidate?.clock ?? {}, self)) {
      namedKeys.add(candidateKey(w.path, drive))
      seenKeys.add(seenKey(w.path, drive, seq))
    }
    if (w.statement === null) continue
    for (const [drive, seq] of othersIn(w.statement.stamp.clock, self)) {
      namedKeys.add(candidateKey(w.path, drive))
      seenKeys.add(seenKey(w.path, drive, seq))
    }
    seenKeys.add(seenKey(w.path, self, w.statement.seq))
  }
  const [namedList, seenList] = [[...namedKeys], [...seenKeys]]
  const [namedValues, seenValues] = await Promise.all([
    reader.get('candidates', namedList),
    reader.get('seen', seenList)
  ])
  const named = new Map(namedList.map((key, i) => [key, namedValues[i]]))
  const seen = new Map(seenList.map((key, i) => [key, seenValues[i] ?? 0]))
  const seenChanged = new Set<string>()
  const bumpSeen = (key: string, by: number) => {
    seen.set(key, (seen.get(key) ?? 0) + by)
    seenChanged.add(key)
  }

  for (const w of changed) {
    const { path, summary } = w
    const touch = (drive: string, by: number, seq: number) => {
      let t = w.touched.get(drive)
      if (t === undefined) {
        const loaded = named.get(candidateKey(path, drive))
        if (loaded === undefined) return
        t = { before: loaded, after: { ...loaded } }
        w.touched.set(drive, t)
      }
      if (t.after.seq === seq) t.after.dominatedBy += by
    }
    const old = w.oldCandidate
    if (old !== undefined) {
      summary.candidates--
      if (old.dominatedBy === 0) summary.heads--
      for (const [drive, seq] of othersIn(old.clock, self)) {
        bumpSeen(seenKey(path, drive, seq), -1)
        touch(drive, -1, seq)
      }
    }
    if (w.statement !== null) {
      const clock = w.statement.stamp.clock
      w.newCandidate = toState(w.statement, seen.get(seenKey(path, self, w.statement.seq)) ?? 0)
      summary.candidates++
      if (w.newCandidate.dominatedBy === 0) summary.heads++
      for (const [drive, seq] of othersIn(clock, self)) {
        bumpSeen(seenKey(path, drive, seq), 1)
        touch(drive, 1, seq)
      }
    }
    for (const { before, after } of w.touched.values()) {
      summary.heads += (after.dominatedBy === 0 ? 1 : 0) - (before.dominatedBy === 0 ? 1 : 0)
    }
  }
  for (const key of seenChanged) {
    const count = seen.get(key) ?? 0
    writes.push({ part: 'seen', key, value: count > 0 ? count : null })
  }

  // 3. The path's best candidates: one comparison per newcomer, or a scan of the pool when the best left it.
  for (const w of changed) {
    const { path, summary, summaryBefore } = w
    const headsBefore = summaryBefore.heads > 0
    const headsAfter = summary.heads > 0
    const old = w.oldCandidate
    writeCandidate(writes, path, self, old, w.newCandidate)
    for (const [drive, { before, after }] of w.touched) {
      if (before.dominatedBy !== after.dominatedBy) writeCandidate(writes, path, drive, before, after)
    }

    // Two pools, before and after: the heads (every candidate while no head is left), and the pool
    // the best is picked from (the heads for 'causal', every candidate otherwise).
    const inHeads = (c: CandidateState, headsMode: boolean) => !headsMode || c.dominatedBy === 0
    const inBestPool = (c: CandidateState, headsMode: boolean) => !picksHeads(resolver) || inHeads(c, headsMode)
    const left = (pool: typeof inHeads, of: Candidate | null, dirs: boolean): boolean => {
      if (of === null) return false
      if (of.drive === self) {
        if (old === undefined || !pool(old, headsBefore)) return false
        // Replaced by a better statement of its own drive: nothing left in the pool can beat that.
        const next = w.newCandidate
        const fits = next !== null && pool(next, headsAfter) && (!dirs || isDirectoryKind(next.kind))
        return !fits || better(ranked(self, next), of, compare) === of
      }
      const t = w.touched.get(of.drive)
      return t !== undefined && pool(t.before, headsBefore) && !pool(t.after, headsAfter)
    }
    const rescan =
      !isIncremental(resolver) ||
      headsBefore !== headsAfter ||
      left(inBestPool, summary.best, false) ||
      left(inHeads, summary.bestDir, true)
    if (rescan) {
      // The heads alone hold both pools only for 'causal' with heads left; otherwise read every candidate.
      const all = !picksHeads(resolver) || !headsAfter
      const pool = [...(await poolOf(w, reader, self, all)).values()]
      pool.sort((a, b) => (a.c.drive < b.c.drive ? -1 : 1))
      const pick = (keep: (p: PoolMember) => boolean) =>
        bestOf(
          pool.filter(keep).map((p) => p.c),
          compare
        )
      summary.best = pick((p) => inBestPool(p.state, headsAfter))
      summary.bestDir = pick((p) => isDirectoryKind(p.c.kind) && inHeads(p.state, headsAfter))
    } else {
      const newcomers: PoolMember[] = []
      if (w.newCandidate) newcomers.push({ c: ranked(self, w.newCandidate), state: w.newCandidate })
      for (const [drive, t] of w.touched) {
        if (!inHeads(t.before, headsBefore)) newcomers.push({ c: ranked(drive, t.after), state: t.after })
      }
      for (const { c, state } of newcomers) {
        if (inBestPool(state, headsAfter)) summary.best = better(c, summary.best, compare)
        if (isDirectoryKind(c.kind) && inHeads(state, headsAfter)) {
          summary.bestDir = better(c, summary.bestDir, compare)
        }
      }
    }
    writes.push({ part: 'summaries', key: path, value: summary.candidates > 0 ? summary : null })
    w.winner = winnerOf(summary.best, summary.bestDir) as Ranked | null
  }

  // 4. The winners' records (the folding drive's are at hand), and the merged state of every path.
  const [winnerValues, conflictValues] = await loadWinners(changed, reader)
  const needRecord = changed.filter(
    (w) =>
      w.winner !== null &&
      w.winner.kind !== 'tombstone' &&
      w.winner.drive !== self &&
      !sameWinner(winnerValues.get(w.path)?.winner, w.winner)
  )
  const loadedRecords = await reader.get(
    'records',
    needRecord.map((w) => recordKey((w.winner as Ranked).drive, (w.winner as Ranked).sub, w.path))
  )
  const recordOf = new Map(needRecord.map((w, i) => [w.path, loadedRecords[i]]))

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
      const old = winnerValues.get(path)
      s = old ? { ...old } : { winner: null, liveChildren: 0, headConflict: conflictValues.has(path) }
      next.set(path, s)
    }
    return s
  }
  for (const w of changed) {
    const s = stateOf(w.path)
    const winner = w.winner
    let live: StoredRecord | null = null
    if (winner !== null && winner.kind !== 'tombstone') {
      if (winner.drive === self) live = w.statement
      else live = recordOf.get(w.path) ?? winnerValues.get(w.path)?.winner ?? null
    }
    s.winner = live
    s.headConflict = (w.summary.heads > 0 ? w.summary.heads : w.summary.candidates) > 1
    markDirty(w.path)
  }

  // 5. Children before parents: a path whose liveness flips changes its parent's child count.
  const out: MergedChange[] = []
  const mounts: DrivePath[] = []
  for (let depth = byDepth.length - 1; depth >= 0; depth--) {
    const bucket = byDepth[depth]
    if (bucket === undefined) continue
    for (const path of bucket) {
      const old = winnerValues.get(path) ?? null
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

      // The mount points that win: what the API overlays (it reads them at open).
      const mount = isLive && s.winner?.kind === 'mount' ? (s.winner.mount ?? null) : null
      const wasMount = old?.winner?.kind === 'mount' ? (old.winner.mount ?? null) : null
      if (mount !== wasMount) {
        const value = mount === null ? null : { key: mount, by: (s.winner as StoredRecord).drive }
        writes.push({ part: 'mounts', key: path, value })
        mounts.push(path)
      }

      const wasConflict = conflictValues.has(path)
      const conflict = path !== ROOT_PATH && isConflict(s)
      if (wasConflict !== conflict) writes.push({ part: 'conflicts', key: path, value: conflict ? '' : null })

      // A merged change when the winning record or the conflict status moved.
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
  return { writes, changes: out, mounts }
}

type PoolMember = { c: Ranked; state: CandidateState }

/** A candidate's rows: its state, and its head row while nothing dominates it. */
function writeCandidate(
  writes: IndexWrite[],
  path: DrivePath,
  drive: string,
  before: CandidateState | undefined,
  after: CandidateState | null
): void {
  const key = candidateKey(path, drive)
  writes.push({ part: 'candidates', key, value: after })
  if (after !== null && after.dominatedBy === 0) writes.push({ part: 'heads', key, value: ranked(drive, after) })
  else if (before !== undefined && before.dominatedBy === 0) writes.push({ part: 'heads', key, value: null })
}

function sameWinner(record: StoredRecord | null | undefined, winner: Ranked): boolean {
  return record !== null && record !== undefined && record.drive === winner.drive && record.seq === winner.seq
}

/**
 * The path's heads (or, with `all`, every candidate) after this batch: the stored rows with the
 * batch's own changes laid over them. Skips the scan when the batch already holds all of them.
 */
async function poolOf(w: PathWork, reader: FoldReader, self: string, all: boolean): Promise<Map<string, PoolMember>> {
  const pool = new Map<string, PoolMember>()
  const size = all ? w.summary.candidates : w.summary.heads
  const known: [string, CandidateState][] = []
  if (w.newCandidate) known.push([self, w.newCandidate])
  for (const [drive, t] of w.touched) known.push([drive, t.after])
  for (const [drive, state] of known) {
    if (all || state.dominatedBy === 0) pool.set(drive, { c: ranked(drive, state), state })
  }
  if (pool.size >= size) return pool
  const scan = all ? reader.scan('candidates', pathRange(w.path)) : reader.scan('heads', pathRange(w.path))
  for await (const [key, value] of scan) {
    const drive = driveOfCandidateKey(key)
    if (drive === self || w.touched.has(drive)) continue
    const state: CandidateState = all ? (value as CandidateState) : { ...(value as Ranked), dominatedBy: 0 }
    pool.set(drive, { c: ranked(drive, state), state })
  }
  return pool
}

/** The merged state of every changed path and its ancestors, and which of them are in conflict. */
async function loadWinners(
  works: readonly PathWork[],
  reader: FoldReader
): Promise<[Map<DrivePath, WinnerState>, Set<DrivePath>]> {
  const related = new Set<DrivePath>()
  for (const w of works) {
    related.add(w.path)
    for (const a of ancestorsOf(w.path)) related.add(a)
  }
  const list = [...related]
  const winners = await reader.get('winners', list)
  const winnerMap = new Map<DrivePath, WinnerState>()
  const conflictSet = new Set<DrivePath>()
  list.forEach((path, i) => {
    const w = winners[i]
    if (w === undefined) return
    winnerMap.set(path, w)
    // A live path's conflict row is what its merged state says (the fold writes them together).
    if (path !== ROOT_PATH && isConflict(w)) conflictSet.add(path)
  })
  // Only a path that is not live can be in conflict without a merged state (concurrent deletes).
  const dead = list.filter((path) => !winnerMap.has(path))
  const conflicts = await reader.get('conflicts', dead)
  dead.forEach((path, i) => {
    if (conflicts[i] !== undefined) conflictSet.add(path)
  })
  return [winnerMap, conflictSet]
}
