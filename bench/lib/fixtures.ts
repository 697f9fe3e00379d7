/**
 * Benchmark drives, written fast but for real: Hyperdrive entries with multidrive stamps (or none,
 * as plain Hyperdrive writes them), in batches of 1,000 per append. Files may share one blob (when
 * their content does not matter).
 */
import type Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { SUB_ENCODERS, stampMetadata } from '../../src/events/records.js'
import type { BlobId, Clock, Stamp } from '../../src/events/types.js'

const BATCH = 1000
const T0 = 1_700_000_000_000

export async function openDrives(store: Corestore, n: number, prefix = 'd'): Promise<Hyperdrive[]> {
  const drives: Hyperdrive[] = []
  for (let i = 0; i < n; i++) {
    const drive = new Hyperdrive(store.namespace(`${prefix}${i}`))
    await drive.ready()
    drives.push(drive)
  }
  return drives
}

interface Planned {
  path: string
  /** `null`: no stamp, as a plain Hyperdrive writes an entry. */
  stamp: Stamp | null
}

/** Appends entries that all point at one blob (`stamps` give each its stamp), 1,000 per batch. */
async function writeEntries(drive: Hyperdrive, blob: BlobId, planned: Planned[]): Promise<void> {
  for (let start = 0; start < planned.length; start += BATCH) {
    const batch = drive.batch()
    for (const { path, stamp } of planned.slice(start, start + BATCH)) {
      const metadata = stamp === null ? null : stampMetadata(null, stamp)
      const value = { executable: false, linkname: null, blob, metadata }
      await batch.db.put(path, value, { keyEncoding: SUB_ENCODERS.files })
    }
    await batch.flush()
  }
}

/** The seq the next appended block will get (Hyperbee writes its header block first). */
function nextSeq(drive: Hyperdrive): number {
  return Math.max(1, drive.core.length)
}

/**
 * Clocks name seqs the fixture assumed (consecutive, in the order written): checks each drive's
 * first and last record, so a wrong assumption cannot go unseen.
 */
async function assertSeqs(drives: Hyperdrive[], written: { path: string; seq: number }[][]): Promise<void> {
  for (const [d, list] of written.entries()) {
    for (const expected of [list[0], list.at(-1)]) {
      if (expected === undefined) continue
      const entry = await (drives[d] as Hyperdrive).entry(expected.path)
      if (entry?.seq !== expected.seq) throw new Error(`fixture: unexpected seq for drive ${d} at ${expected.path}`)
    }
  }
}

export interface OverlapFixture {
  drives: Hyperdrive[]
  /** Every path of the merged view. */
  paths: string[]
}

/**
 * `n` drives of `perDrive` files each, with overlapping paths: with 3 drives or more every path is
 * written by three drives in turn, each having seen the previous ones (its clock says so), as
 * people editing a shared folder; with fewer, every drive writes every path.
 */
export async function overlapFixture(store: Corestore, n: number, perDrive: number): Promise<OverlapFixture> {
  const drives = await openDrives(store, n)
  const pool = n >= 3 ? Math.floor((n * perDrive) / 3) : perDrive
  const paths = Array.from({ length: pool }, (_, i) => `/dir${i % 100}/file${i}.txt`)
  const writersOf = (i: number) => (n >= 3 ? [i % n, (i + 1) % n, (i + 2) % n] : drives.map((_, d) => d))

  const own: number[][] = drives.map(() => [])
  for (let i = 0; i < pool; i++) for (const d of writersOf(i)) own[d]?.push(i)
  const blobs = await Promise.all(drives.map(async (d) => (await d.getBlobs()).put(Buffer.alloc(100, 7))))
  const base = drives.map(nextSeq)
  const seqOf = new Map<string, number>()
  for (const [d, list] of own.entries()) {
    for (const [k, i] of list.entries()) seqOf.set(`${d}:${i}`, (base[d] ?? 1) + k)
  }

  for (const [d, drive] of drives.entries()) {
    const planned = (own[d] ?? []).map((i) => {
      const writers = writersOf(i)
      const clock: Clock = {}
      for (const w of writers.slice(0, writers.indexOf(d))) {
        clock[(drives[w] as Hyperdrive).key.toString('hex')] = seqOf.get(`${w}:${i}`) ?? 0
      }
      return { path: paths[i] as string, stamp: { t: T0 + i * 10 + writers.indexOf(d), clock } }
    })
    await writeEntries(drive, blobs[d] as BlobId, planned)
  }
  await assertSeqs(
    drives,
    own.map((list, d) => list.map((i) => ({ path: paths[i] as string, seq: seqOf.get(`${d}:${i}`) ?? 0 })))
  )
  return { drives, paths }
}

/** How the drives of a shared-paths fixture stamp their records. */
export type SharedVariant = 'unstamped' | 'chain'

/**
 * `n` drives that all write the same `pathCount` paths (`/d{i % 100}/f{i}`), one record each per
 * path: many peers holding the same tree. `unstamped`: entries as plain Hyperdrive writes them (no
 * clock), so every record at a path is a concurrent head. `chain`: drive d's record at each path
 * names drive d-1's record at that path in its clock, so each path has one head (the last drive's).
 */
export async function sharedFixture(
  store: Corestore,
  n: number,
  pathCount: number,
  variant: SharedVariant,
  prefix: string
): Promise<Hyperdrive[]> {
  const drives = await openDrives(store, n, prefix)
  const paths = Array.from({ length: pathCount }, (_, i) => `/d${i % 100}/f${i}`)
  const blobs = await Promise.all(drives.map(async (d) => (await d.getBlobs()).put(Buffer.alloc(100, 7))))
  const base = drives.map(nextSeq)
  const seqOf = (d: number, i: number) => (base[d] ?? 1) + i
  for (const [d, drive] of drives.entries()) {
    const previous = d > 0 ? (drives[d - 1] as Hyperdrive).key.toString('hex') : null
    const planned = paths.map((path, i) => ({
      path,
      stamp:
        variant === 'unstamped' ? null : { t: T0 + d, clock: previous === null ? {} : { [previous]: seqOf(d - 1, i) } }
    }))
    await writeEntries(drive, blobs[d] as BlobId, planned)
  }
  await assertSeqs(
    drives,
    drives.map((_, d) => paths.map((path, i) => ({ path, seq: seqOf(d, i) })))
  )
  return drives
}

/** Distinct files per drive (`/d{k % 100}/{drive}-{k}`), all sharing one blob. */
export async function distinctFixture(
  store: Corestore,
  n: number,
  perDrive: number,
  prefix = 'm'
): Promise<Hyperdrive[]> {
  const drives = await openDrives(store, n, prefix)
  for (const [d, drive] of drives.entries()) {
    const blob = await (await drive.getBlobs()).put(Buffer.alloc(100, 7))
    const planned = Array.from({ length: perDrive }, (_, k) => ({
      path: `/d${k % 100}/${d}-${k}`,
      stamp: { t: T0 + k, clock: {} }
    }))
    await writeEntries(drive, blob, planned)
  }
  return drives
}

/** Real small files (each its own blob), written through Hyperdrive's batch put. */
export async function writeSmallFiles(drive: Hyperdrive, paths: string[], size: number): Promise<void> {
  for (let start = 0; start < paths.length; start += BATCH) {
    const batch = drive.batch()
    for (const [k, path] of paths.slice(start, start + BATCH).entries()) {
      const content = Buffer.alloc(size, (start + k) % 251)
      await batch.put(path, content, { metadata: stampMetadata(null, { t: T0 + start + k, clock: {} }) })
    }
    await batch.flush()
  }
}
