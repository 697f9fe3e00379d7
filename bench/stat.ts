/**
 * `stat` of random existing paths with 1, 10, 100 drives: multidrive (one index lookup) against a
 * single Hyperdrive's `entry()` and against the naive resolver (every drive asked on every read).
 */
import { join } from 'node:path'
import Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../src/index.js'
import { naiveWinner } from '../test/helpers/oracle.js'
import { overlapFixture } from './lib/fixtures.js'
import { random, sample } from './lib/measure.js'
import { type ChartSeries, type Result, side } from './lib/report.js'

export interface StatSizes {
  drives: number[]
  files: number
  reads: number
}

export async function benchStat(dir: string, sizes: StatSizes): Promise<{ results: Result[]; chart: ChartSeries[] }> {
  const results: Result[] = []
  const merged: [number, number][] = []
  const naive: [number, number][] = []
  const single: [number, number][] = []
  for (const n of sizes.drives) {
    const store = new Corestore(join(dir, `stat-${n}`, 'store'))
    const { drives, paths } = await overlapFixture(store, n, sizes.files)
    const multi = new MultiDrive(drives[0] as Hyperdrive, { index: join(dir, `stat-${n}`, 'index') })
    await multi.ready()
    for (const d of drives) await multi.addDrive(d)

    const own: string[] = []
    for await (const entry of (drives[0] as Hyperdrive).list('/')) own.push(entry.key)
    const rnd = random(n)
    const pick = (list: string[]) => list[Math.floor(rnd() * list.length)] as string

    const entry = await sample(sizes.reads, () => (drives[0] as Hyperdrive).entry(pick(own)))
    const stat = await sample(sizes.reads, () => multi.stat(pick(paths)))
    const naiveReads = Math.max(50, Math.floor(sizes.reads / n))
    const resolve = await sample(naiveReads, () => naiveWinner(drives, pick(paths) as never), 10)

    const sizesOf = { drives: n, 'files per drive': sizes.files, paths: paths.length }
    const last = n === Math.max(...sizes.drives)
    const ratio = stat.median / entry.median
    results.push({
      name: `stat, ${n} drive${n > 1 ? 's' : ''}`,
      sizes: sizesOf,
      baseline: side('one Hyperdrive entry()', entry),
      merged: side('multi.stat()', stat),
      ratio,
      target: last ? '≤ 0.5×' : '—',
      pass: !last || ratio <= 0.5
    })
    const naiveRatio = resolve.median / stat.median
    results.push({
      name: `naive stat, ${n} drive${n > 1 ? 's' : ''}`,
      sizes: sizesOf,
      baseline: side('multi.stat()', stat),
      merged: side('naive: every drive asked', resolve),
      ratio: naiveRatio,
      target: last ? '≥ 100× (naive / merged)' : '—',
      pass: !last || naiveRatio >= 100
    })
    merged.push([n, stat.median])
    naive.push([n, resolve.median])
    single.push([n, entry.median])
    await multi.close()
    await store.close()
  }
  return {
    results,
    chart: [
      { label: 'multidrive stat', color: '#1f77b4', points: merged },
      { label: 'naive (seed-style)', color: '#d62728', points: naive },
      { label: 'one Hyperdrive entry()', color: '#7f7f7f', points: single }
    ]
  }
}
