/**
 * The naive resolver: what the seed did, asking every drive on every read, with the same rule.
 * It is the oracle of the property tests and the baseline of the benchmarks.
 */
import type Hyperdrive from 'hyperdrive'
import { recordPathProblem } from '../../src/events/paths.js'
import { decodeRecord, RECORD_SUBS, SUB_ENCODERS } from '../../src/events/records.js'
import type { DriveKey, DrivePath } from '../../src/events/types.js'
import { type Resolver, resolveRecords } from '../../src/index-store/resolve.js'
import { ancestorsOf, type StoredRecord } from '../../src/index-store/schema.js'

const ignore = () => {}

function keyOf(drive: Hyperdrive): DriveKey {
  return drive.key.toString('hex') as DriveKey
}

/** Every drive's records at one path, read from the drives (three lookups per drive). */
export async function naiveRecords(drives: readonly Hyperdrive[], path: DrivePath): Promise<StoredRecord[]> {
  const out: StoredRecord[] = []
  await Promise.all(
    drives.flatMap((drive) =>
      RECORD_SUBS.map(async (sub) => {
        const node = await drive.db.get(path, { keyEncoding: SUB_ENCODERS[sub] })
        if (node === null || node.value === null) return
        const { path: _, ...record } = decodeRecord(keyOf(drive), sub, path, node.seq, node.value, ignore)
        out.push(record)
      })
    )
  )
  return out
}

/** `stat` the naive way: ask every drive, then resolve. */
export async function naiveWinner(
  drives: readonly Hyperdrive[],
  path: DrivePath,
  resolver: Resolver = 'causal'
): Promise<StoredRecord | null> {
  const { record } = resolveRecords(await naiveRecords(drives, path), resolver)
  return record !== null && record.kind !== 'tombstone' ? record : null
}

export interface NaiveView {
  /** Live file and symlink paths (not shadowed by a directory) -> winning record. */
  files: Map<string, StoredRecord>
  /** Every directory -> its sorted child names. */
  dirs: Map<string, string[]>
  /** Paths with several heads, or a file that lost to a directory. */
  conflicts: string[]
}

/** The whole merged view, resolved from scratch from every drive's full state. */
export async function naiveView(drives: readonly Hyperdrive[], resolver: Resolver = 'causal'): Promise<NaiveView> {
  const byPath = new Map<string, StoredRecord[]>()
  for (const drive of drives) {
    for (const sub of RECORD_SUBS) {
      for await (const node of drive.db.createReadStream<string, unknown>({}, { keyEncoding: SUB_ENCODERS[sub] })) {
        if (recordPathProblem(node.key) !== null || node.value === null) continue
        const { path, ...record } = decodeRecord(keyOf(drive), sub, node.key as DrivePath, node.seq, node.value, ignore)
        const list = byPath.get(path) ?? []
        list.push(record)
        byPath.set(path, list)
      }
    }
  }
  const live = new Map<string, StoredRecord>()
  const headConflicts = new Set<string>()
  for (const [path, records] of byPath) {
    const resolved = resolveRecords(records, resolver)
    if (resolved.conflict) headConflicts.add(path)
    if (resolved.record !== null && resolved.record.kind !== 'tombstone') live.set(path, resolved.record)
  }
  const dirs = new Map<string, Set<string>>([['/', new Set()]])
  for (const path of live.keys()) {
    let child = path
    for (const parent of ancestorsOf(path as DrivePath)) {
      const names = dirs.get(parent) ?? new Set()
      names.add(child.slice(child.lastIndexOf('/') + 1))
      dirs.set(parent, names)
      child = parent
    }
  }
  for (const [path, record] of live) if (record.kind === 'dir' && !dirs.has(path)) dirs.set(path, new Set())
  const files = new Map<string, StoredRecord>()
  const conflicts = new Set(headConflicts)
  for (const [path, record] of live) {
    if (record.kind === 'dir') continue
    if (dirs.has(path)) conflicts.add(path)
    else files.set(path, record)
  }
  return {
    files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))),
    dirs: new Map(
      [...dirs].map(([d, names]) => [d, [...names].sort()] as [string, string[]]).sort(([a], [b]) => (a < b ? -1 : 1))
    ),
    conflicts: [...conflicts].sort()
  }
}
