/**
 * Resolution: which drive's record wins a path. Pure functions of the candidates, so every peer with
 * the same drive contents picks the same winner whatever the order drives were added in. The fold
 * keeps the same answer up to date record by record with the pieces exported here.
 */
import { randomBytes } from 'node:crypto'
import { isDirectoryKind } from '../events/records.js'
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

/**
 * `b` dominates `a` when `b` is a later record of the same drive, or `b`'s writer saw exactly `a`:
 * its clock names `a`'s seq. A clock entry naming another seq is no evidence of having seen `a`:
 * an older seq means `a` was written since; a newer one names a record `a`'s drive does not hold
 * (a forged clock, or a fork that rewrote the drive) and must not hide the drive's later writes.
 */
export function dominates(b: Candidate, a: Candidate): boolean {
  if (b.drive === a.drive) return b.seq > a.seq
  return b.clock[a.drive] === a.seq
}

/**
 * The candidates no other candidate dominates. Normally never empty; but records may dominate each
 * other (a fork that reused a seq, or forged clocks), leaving no head at all: then every candidate
 * is treated as concurrent.
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

/** A custom comparator threw, or returned something that is not a number: the index cannot be built. */
export class ComparatorError extends Error {
  constructor(cause: unknown) {
    super('the resolve comparator threw, or returned something that is not a number', { cause })
    this.name = 'ComparatorError'
  }
}

/** The order a resolver ranks candidates by (negative: `a` ranks first). */
export function compareFor(resolver: Resolver): Comparator {
  if (resolver === 'causal' || resolver === 'wall-clock') return byTimeThenKey
  return (a, b) => {
    let order: unknown
    try {
      order = resolver(a, b)
    } catch (err) {
      throw new ComparatorError(err)
    }
    if (typeof order !== 'number' || Number.isNaN(order))
      throw new ComparatorError(new TypeError(`it returned ${String(order)}`))
    return order
  }
}

/**
 * Whether the resolver's order is total and known (ties broken by drive key), so that the best of
 * a set can be kept incrementally; a custom comparator is re-run over the whole set in drive-key order.
 */
export function isIncremental(resolver: Resolver): boolean {
  return resolver === 'causal' || resolver === 'wall-clock'
}

/** Whether the resolver picks among the heads only ('causal') or among every candidate. */
export function picksHeads(resolver: Resolver): boolean {
  return resolver === 'causal'
}

/** The better of a candidate and the best so far. */
export function better(c: Candidate, best: Candidate | null, compare: Comparator): Candidate {
  if (best === null) return c
  const order = compare(c, best)
  // A comparator that calls it even still needs one answer on every peer: the drive key.
  return order < 0 || (order === 0 && c.drive > best.drive) ? c : best
}

/** The best of candidates in drive-key order. */
export function bestOf(candidates: readonly Candidate[], compare: Comparator): Candidate | null {
  let best: Candidate | null = null
  for (const c of candidates) best = better(c, best, compare)
  return best
}

/** The winner from the best candidate and the best directory head: a directory (or mount) beats a concurrent file. */
export function winnerOf(best: Candidate | null, bestDir: Candidate | null): Candidate | null {
  if (best !== null && (best.kind === 'file' || best.kind === 'symlink') && bestDir !== null) return bestDir
  return best
}

function byDriveKey(a: Candidate, b: Candidate): number {
  return a.drive < b.drive ? -1 : a.drive > b.drive ? 1 : 0
}

export function resolve(candidates: readonly Candidate[], resolver: Resolver = 'causal'): Resolution {
  const sorted = [...candidates].sort(byDriveKey)
  const heads = headsOf(sorted)
  const compare = compareFor(resolver)
  const best = bestOf(picksHeads(resolver) ? heads : sorted, compare)
  const bestDir = bestOf(
    heads.filter((h) => isDirectoryKind(h.kind)),
    compare
  )
  return { winner: winnerOf(best, bestDir), candidates: sorted, heads, conflict: heads.length > 1 }
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
