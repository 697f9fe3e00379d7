/** Candidates for the resolver's tests: three drive keys, and a candidate in one call. */
import type { Candidate } from '../../src/events/types.js'

export const A = 'a'.repeat(64)
export const B = 'b'.repeat(64)
export const C = 'c'.repeat(64)

export function cand(
  drive: string,
  seq: number,
  t: number,
  clock: Record<string, number> = {},
  kind: Candidate['kind'] = 'file'
): Candidate {
  return { drive, seq, kind, t, clock }
}
