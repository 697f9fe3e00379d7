/**
 * Resolution: which drive's record wins a path. Pure functions of the candidates, so every peer with
 * the same drive contents picks the same winner whatever the order drives were added in.
 */
import { randomBytes } from 'node:crypto'
import type { Candidate } from '../events/types.js'
import { type StoredRecord, toCandidate } from './schema.js'

/** A custom comparator: negative when `a` wins over `b`. */
export type Comparator = (a: Candidate, b: Candidate) => number
export type Resolver = 'causal' | 'wall-clock' | Comparator

export interface Resolution {
  /** The winning candidate; a tombstone winner means the path does not exist. */
  winner: Candidate | null
  /** Every candidate, sorted by drive key. */
  candidates: Candidate[]
  /** The candidates no other candidate dominates (concurrent statements), sorted by drive key. */
  heads: Candidate[]
  /** Several heads: concurrent writes the resolver had to break a tie between. */
  conflict: boolean
}

/** `b` dominates `a` when `b` is a later record of the same drive, or `b`'s writer had seen `a`. */
export function dominates(b: Candidate, a: Candidate): boolean {
  if (b.drive === a.drive) return b.seq > a.seq
  const seen = b.clock[a.drive]
  return seen !== undefined && seen >= a.seq
}

/**
 * The candidates no other candidate dominates. Normally never empty; but a drive that truncated
 * and rewrote its log can leave clocks that name seqs of its old fork, and two records may then
 * dominate each other. With no heads at all, every candidate is treated as concurrent.
 */
export function headsOf(candidates: readonly Candidate[]): Candidate[] {
  const heads = candidates.filter((a) => !candidates.some((b) => b !== a && dominates(b, a)))
  return heads.length > 0 || candidates.length === 0 ? heads : [...candidates]
}

/** Newest `t` first, then the higher drive key (hex compares like the key's bytes). */
function byTimeThenKey(a: Candidate, b: Candidate): number {
  if (a.t !== b.t) return b.t - a.t
  return a.drive < b.drive ? 1 : a.drive > b.drive ? -1 : 0
}

function best(candidates: readonly Candidate[], compare: Comparator): Candidate | null {
  let winner: Candidate | null = null
  for (const c of candidates) {
    if (winner === null) winner = c
    else {
      const order = compare(c, winner)
      // A comparator that calls it even still needs one answer on every peer: the drive key.
      if (order < 0 || (order === 0 && c.drive > winner.drive)) winner = c
    }
  }
  return winner
}

function byDriveKey(a: Candidate, b: Candidate): number {
  return a.drive < b.drive ? -1 : a.drive > b.drive ? 1 : 0
}

export function resolve(candidates: readonly Candidate[], resolver: Resolver = 'causal'): Resolution {
  const sorted = [...candidates].sort(byDriveKey)
  const heads = headsOf(sorted)
  const compare = resolver === 'causal' || resolver === 'wall-clock' ? byTimeThenKey : resolver
  let winner = best(resolver === 'causal' ? heads : sorted, compare)
  // A file and a directory written concurrently at one path: the directory wins.
  if (winner !== null && (winner.kind === 'file' || winner.kind === 'symlink')) {
    winner =
      best(
        heads.filter((h) => h.kind === 'dir'),
        compare
      ) ?? winner
  }
  return { winner, candidates: sorted, heads, conflict: heads.length > 1 }
}

/** Each drive's newest record at a path is that drive's statement (one per drive). */
export function candidateRecords(records: readonly StoredRecord[]): StoredRecord[] {
  const byDrive = new Map<string, StoredRecord>()
  for (const r of records) {
    const prev = byDrive.get(r.drive)
    if (prev === undefined || r.seq > prev.seq) byDrive.set(r.drive, r)
  }
  return [...byDrive.values()]
}

/** Resolves a path's records; `record` is the full record of the winning candidate. */
export function resolveRecords(
  records: readonly StoredRecord[],
  resolver: Resolver
): Resolution & { record: StoredRecord | null } {
  const statements = candidateRecords(records)
  const resolution = resolve(statements.map(toCandidate), resolver)
  const winner = resolution.winner
  const record = winner === null ? null : (statements.find((r) => r.drive === winner.drive) ?? null)
  return { ...resolution, record }
}

/**
 * A name for a resolver, stored in the index so that a change of resolver triggers a rebuild. A
 * function's identity cannot be known from its source (closures with the same source differ), so
 * each function object gets a name of its own: an index built with a comparator is rebuilt when
 * opened with any other function object, in particular in every new process.
 */
export function resolverId(resolver: Resolver): string {
  if (typeof resolver === 'string') return resolver
  let id = comparatorIds.get(resolver)
  if (id === undefined) {
    id = `custom:${randomBytes(8).toString('hex')}`
    comparatorIds.set(resolver, id)
  }
  return id
}

const comparatorIds = new WeakMap<Comparator, string>()
