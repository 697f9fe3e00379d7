/**
 * Why a drive wins a path, for a person: the causal rule of docs/http.md (`GET /who/*`) read back
 * from a `whoWins` answer. Pure (no DOM), so the suite checks it against the resolver itself.
 */
import type { CandidateJson, WhoJson } from '../cli/json-shapes.js'

/**
 * - `none`: nothing was ever written at the path;
 * - `causal`: one head: its writer had seen every other candidate (directly or through another);
 * - `directory`: concurrent heads, and a directory beats a file at the same path;
 * - `time`: concurrent heads, the winner has the newest stamp time;
 * - `key`: concurrent heads with the same newest time: the higher drive key wins.
 */
export type WinReason = 'none' | 'causal' | 'directory' | 'time' | 'key'

/** Why a candidate lost: superseded (by whom), or a concurrent head that lost the tie-break. */
export type Standing =
  | { role: 'winner' }
  | { role: 'head' }
  | { role: 'superseded'; by: CandidateJson; how: 'later' | 'seen' }

export interface Explanation {
  reason: WinReason
  /** Each candidate's standing, in the order of `who.candidates`. */
  standings: Standing[]
}

function same(a: CandidateJson, b: CandidateJson): boolean {
  return a.drive === b.drive && a.seq === b.seq
}

/** The record that supersedes `a` (a later record of its drive, or one whose clock names it), if any. */
function supersederOf(a: CandidateJson, candidates: readonly CandidateJson[]): Standing | null {
  for (const b of candidates) {
    if (b === a) continue
    if (b.drive === a.drive && b.seq > a.seq) return { role: 'superseded', by: b, how: 'later' }
    if (b.drive !== a.drive && b.clock[a.drive] === a.seq) return { role: 'superseded', by: b, how: 'seen' }
  }
  return null
}

export function explain(who: WhoJson): Explanation {
  const { winner, candidates, heads } = who
  const isHead = (c: CandidateJson) => heads.some((head) => same(head, c))
  const standings = candidates.map((c): Standing => {
    if (winner !== null && same(c, winner)) return { role: 'winner' }
    if (isHead(c)) return { role: 'head' }
    return supersederOf(c, candidates) ?? { role: 'head' }
  })
  return { reason: reasonOf(who), standings }
}

/** Newest stamp time first, then the higher drive key: how concurrent heads are ranked. */
function byTimeThenKey(a: CandidateJson, b: CandidateJson): number {
  if (a.t !== b.t) return b.t - a.t
  return a.drive < b.drive ? 1 : a.drive > b.drive ? -1 : 0
}

function reasonOf({ winner, heads }: WhoJson): WinReason {
  if (winner === null) return 'none'
  if (heads.length <= 1) return 'causal'
  const [first] = [...heads].sort(byTimeThenKey)
  // A directory head beats the file or symlink that ranks first.
  if (first !== undefined && !same(first, winner)) return 'directory'
  return heads.every((h) => same(h, winner) || h.t < winner.t) ? 'time' : 'key'
}

/** One sentence that says why the winner won. */
export function reasonText(reason: WinReason, who: WhoJson): string {
  const n = who.heads.length
  switch (reason) {
    case 'none':
      return 'No drive has ever written this path.'
    case 'causal':
      return who.candidates.length === 1
        ? 'Causal: it is the only drive with a record here.'
        : 'Causal: its writer had seen every other version (each is superseded), so it is the only head.'
    case 'directory':
      return `Directory over file: ${n} drives wrote here concurrently and a directory beats a file at the same path.`
    case 'time':
      return `Time: ${n} drives wrote here concurrently (a conflict); the winner has the newest stamp time.`
    case 'key':
      return `Drive key tie-break: ${n} drives wrote here concurrently with the same newest time; the higher drive key wins.`
  }
}
