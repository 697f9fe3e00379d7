/**
 * Many drives: a full build of `drives` drives × `files` files (every path written by three drives
 * in a causal chain, as the stat benchmark's layout), per record, against `small` drives of the
 * same files and against `small` drives holding as many records; merged `stat` at that scale
 * against one Hyperdrive's `entry()`; and what the MultiDrive holds per drive once built: open file
 * descriptors, event listeners on the drives, timers, heap.
 */
import { readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { timeBuild } from './lib/builds.js'
import { openDrives, overlapFixture } from './lib/fixtures.js'
import { random, type Summary, sample } from './lib/measure.js'
import { figure, type Result, side } from './lib/report.js'

export interface ManySizes {
  drives: number
  small: number
  files: number
  reads: number
}

/** What the process holds: open file descriptors, timers, listeners on the drives' emitters, heap. */
interface Held {
  fds: number
  timers: number
  listeners: Map<string, number>
  /** bytes live after a full GC */
  heap: number
}

/** A full GC on demand, so that the heap measured is what is live (the bench runs without --expose-gc). */
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function held(drives: Hyperdrive[]): Held {
  gc()
  const listeners = new Map<string, number>()
  for (const drive of drives) {
    for (const [what, emitter] of [
      ['drive', drive],
      ['core', drive.core],
      ['blobs', drive.blobs?.core]
    ] as const) {
      for (const event of emitter?.eventNames() ?? []) {
        const name = `${what} '${String(event)}'`
        listeners.set(name, (listeners.get(name) ?? 0) + (emitter?.listenerCount(event) ?? 0))
      }
    }
  }
  return {
    fds: readdirSync('/proc/self/fd').length,
    timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
    listeners,
    heap: process.memoryUsage().heapUsed
  }
}

const total = (m: Map<string, number>) => [...m.values()].reduce((s, x) => s + x, 0)

interface Scale {
  n: number
  files: number
  /** µs per record of the full build, once the index is open */
  perRecord: number
  entry: Summary
  stat: Summary
  /** Added by the build, per drive (drives already open before it: their own fds, listeners). */
  fds: number
  timers: number
  listeners: number
  /** KB */
  heap: number
  /** The build's listeners per drive by emitter and event, biggest first. */
  byEvent: string
  /** Totals after the build, for the record. */
  after: Held
}

async function measure(dir: string, n: number, files: number, reads: number): Promise<Scale> {
  const root = join(dir, 'many', String(n))
  const store = new Corestore(join(root, 'store'))
  const { drives: written, paths } = await overlapFixture(store, n, files)
  for (const drive of written) await drive.close()

  const drives = await openDrives(store, n, 'd')
  const before = held(drives)
  const { indexUs, multi } = await timeBuild(drives, join(root, 'index'))
  const after = held(drives)

  const own: string[] = []
  for await (const entry of (drives[0] as Hyperdrive).list('/')) own.push(entry.key)
  const rnd = random(n)
  const pick = (list: string[]) => list[Math.floor(rnd() * list.length)] as string
  const entry = await sample(reads, () => (drives[0] as Hyperdrive).entry(pick(own)))
  const stat = await sample(reads, () => multi.stat(pick(paths)))
  await multi.close()
  await store.close()
  await rm(root, { recursive: true, force: true })

  const added = new Map(
    [...after.listeners]
      .map(([name, count]) => [name, count - (before.listeners.get(name) ?? 0)] as const)
      .filter(([, count]) => count !== 0)
      .sort((a, b) => b[1] - a[1])
  )
  return {
    n,
    files,
    perRecord: indexUs / (n * files),
    entry,
    stat,
    fds: (after.fds - before.fds) / n,
    timers: (after.timers - before.timers) / n,
    listeners: total(added) / n,
    heap: (after.heap - before.heap) / n / 1024,
    byEvent: [...added].map(([name, count]) => `${name} ${+(count / n).toFixed(2)}`).join(', ') || 'none',
    after
  }
}

export async function benchManyDrives(dir: string, sizes: ManySizes): Promise<Result[]> {
  // One untimed round first: the first measurement would otherwise pay for a cold JIT.
  await measure(dir, sizes.small, sizes.files, 50)
  const small = await measure(dir, sizes.small, sizes.files, sizes.reads)
  const large = await measure(dir, sizes.drives, sizes.files, sizes.reads)
  // The same records held by the few drives: what each drive costs beyond its records.
  const same = await measure(dir, sizes.small, (sizes.files * sizes.drives) / sizes.small, 50)
  const n = sizes.drives
  const perDriveMs = ((large.perRecord - same.perRecord) * sizes.files) / 1000
  const growth = large.perRecord / small.perRecord
  const statRatio = large.stat.median / large.entry.median
  const per = (s: Scale) =>
    `with ${s.n} drives: ${+s.fds.toFixed(3)} fds, ${+s.listeners.toFixed(2)} listeners (${s.byEvent}), ${+s.timers.toFixed(3)} timers, ${Math.round(s.heap)} KB of live heap per drive; ${s.after.fds} fds and ${s.after.timers} timers open in all`
  return [
    {
      name: `build per record, ${n} vs ${sizes.small} drives`,
      sizes: { drives: n, 'files per drive': sizes.files, records: n * sizes.files },
      baseline: figure(`${sizes.small} drives`, small.perRecord, 'µs'),
      merged: figure(`${n} drives`, large.perRecord, 'µs'),
      ratio: growth,
      target: '≤ 1.3×',
      pass: growth <= 1.3,
      note: `full build into an on-disk index, ${((large.perRecord * n * sizes.files) / 1e6).toFixed(1)} s for ${n} drives; every path written by three drives in a causal chain (the stat layout)`
    },
    {
      name: `build per record, ${n} drives against ${sizes.small} holding the same records`,
      sizes: { records: n * sizes.files },
      baseline: figure(`${sizes.small} drives × ${same.files.toLocaleString('en-US')} files`, same.perRecord, 'µs'),
      merged: figure(`${n} drives × ${sizes.files} files`, large.perRecord, 'µs'),
      ratio: large.perRecord / same.perRecord,
      target: '— (reported)',
      pass: true,
      note: `each drive costs ~${perDriveMs.toFixed(1)} ms of build beyond its records`
    },
    {
      name: `stat, ${n} drives`,
      sizes: { drives: n, 'files per drive': sizes.files },
      baseline: side('one Hyperdrive entry()', large.entry),
      merged: side('multi.stat()', large.stat),
      ratio: statRatio,
      target: '≤ 0.5×',
      pass: statRatio <= 0.5
    },
    {
      name: `held per drive after the build, ${n} drives`,
      sizes: { drives: n },
      baseline: figure(`listeners, ${sizes.small} drives`, small.listeners, 'per drive'),
      merged: figure(`listeners, ${n} drives`, large.listeners, 'per drive'),
      ratio: large.listeners / small.listeners,
      target: '— (reported)',
      pass: true,
      note: `what the MultiDrive adds once built (the drives were open before): ${per(large)}; ${per(small)}`
    }
  ]
}
