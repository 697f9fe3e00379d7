/**
 * Benchmark drives, written fast but for real: Hyperdrive entries with multidrive stamps, in
 * batches of 1,000 per append. Files may share one blob (when their content does not matter).
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
  stamp: Stamp
}

/** Appends entries that all point at one blob (`stamps` give each its stamp), 1,000 per batch. */
async function writeEntries(drive: Hyperdrive, blob: BlobId, planned: Planned[]): Promise<void> {
  for (let start = 0; start < planned.length; start += BATCH) {
    const batch = drive.batch()
    for (const { path, stamp } of planned.slice(start, start + BATCH)) {
      const value = { executable: false, linkname: null, blob, metadata: stampMetadata(null, stamp) }
      await batch.db.put(path, value, { keyEncoding: SUB_ENCODERS.files })
    }
    await batch.flush()
  }
}

/** The seq the next appended block will get (Hyperbee writes its header block first). */
function nextSeq(drive: Hyperdrive): number {
  return Math.max(1, drive.core.length)
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
  // The clocks above assumed consecutive seqs: check a few, so a wrong assumption cannot go unseen.
  for (const [d, list] of own.entries()) {
    for (const i of [list[0], list.at(-1)]) {
      if (i === undefined) continue
      const entry = await (drives[d] as Hyperdrive).entry(paths[i] as string)
      if (entry?.seq !== seqOf.get(`${d}:${i}`)) throw new Error(`fixture: unexpected seq for drive ${d} path ${i}`)
    }
  }
  return { drives, paths }
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
