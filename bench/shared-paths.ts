/**
 * The shared-paths build curve: D drives all writing the same paths, µs per record of a full build
 * into an on-disk index (`addDrive` of every drive, once the index is open), for D along `drives`. Two ways of sharing: records as plain Hyperdrive
 * writes them (no clock: all D records of a path are concurrent heads) and a causal chain (each
 * drive's record names the previous drive's: one head per path). Baselines from the same run: the
 * same number of drives with distinct paths (same records), and streaming the drives' `diff(0)`.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import Corestore from 'corestore'
import { timeBuild, timeDiffs } from './lib/builds.js'
import { distinctFixture, openDrives, type SharedVariant, sharedFixture } from './lib/fixtures.js'
import { summarize } from './lib/measure.js'
import { type ChartSeries, figure, type Result } from './lib/report.js'

export interface SharedSizes {
  /** The curve: numbers of drives. */
  drives: number[]
  /** Paths each drive writes (shared: the same ones; distinct: its own). */
  paths: number
  /** The targets compare `large` drives with `small` (both among `drives`). */
  small: number
  large: number
  /** Builds of fewer than 20,000 records (fast, so noisier) are repeated this often: the median counts. */
  runs: number
}

/** A build of at least this many records is measured once (it takes seconds). */
const ONE_RUN_RECORDS = 20_000

type Layout = SharedVariant | 'distinct'

const LAYOUTS: { layout: Layout; label: string; color: string }[] = [
  { layout: 'unstamped', label: 'shared, unstamped', color: '#d62728' },
  { layout: 'chain', label: 'shared, causal chain', color: '#ff7f0e' },
  { layout: 'distinct', label: 'distinct paths', color: '#1f77b4' }
]

interface Point {
  /** µs per record of the full build */
  build: number
  /** µs per record of streaming the same drives' diff(0) */
  diff: number
}

/** The heads one path must have after the build: what the fixture claims to measure. */
function expectedHeads(layout: Layout, drives: number): number {
  return layout === 'unstamped' ? drives : 1
}

async function measure(dir: string, layout: Layout, n: number, sizes: SharedSizes): Promise<Point> {
  const root = join(dir, 'shared', `${layout}-${n}`)
  const store = new Corestore(join(root, 'store'))
  const prefix = layout.slice(0, 1)
  const written =
    layout === 'distinct'
      ? await distinctFixture(store, n, sizes.paths, prefix)
      : await sharedFixture(store, n, sizes.paths, layout, prefix)
  for (const drive of written) await drive.close()

  const records = n * sizes.paths
  const runs = records < ONE_RUN_RECORDS ? sizes.runs : 1
  const diffs: number[] = []
  const builds: number[] = []
  for (let run = 0; run < runs; run++) {
    diffs.push((await timeDiffs(store, n, prefix)) / records)
    const index = join(root, `index-${run}`)
    const { indexUs, multi } = await timeBuild(await openDrives(store, n, prefix), index)
    builds.push(indexUs / records)
    const probe = layout === 'distinct' ? '/d0/0-0' : '/d0/f0'
    const { heads } = await multi.whoWins(probe)
    if (heads.length !== expectedHeads(layout, n)) {
      throw new Error(`shared-paths ${layout}, ${n} drives: ${probe} has ${heads.length} heads`)
    }
    await multi.close()
    await rm(index, { recursive: true, force: true })
  }
  await store.close()
  await rm(root, { recursive: true, force: true })
  return { build: summarize(builds).median, diff: summarize(diffs).median }
}

export async function benchSharedPaths(
  dir: string,
  sizes: SharedSizes
): Promise<{ results: Result[]; chart: ChartSeries[] }> {
  const points = new Map<Layout, Map<number, Point>>(LAYOUTS.map(({ layout }) => [layout, new Map()]))
  const at = (layout: Layout, n: number) => points.get(layout)?.get(n) as Point
  // One untimed round first: the first measurement would otherwise pay for a cold JIT.
  await measure(dir, 'distinct', sizes.small, { ...sizes, runs: 1 })
  for (const n of sizes.drives) {
    for (const { layout } of LAYOUTS) points.get(layout)?.set(n, await measure(dir, layout, n, sizes))
  }

  const results: Result[] = []
  for (const { layout, label } of LAYOUTS) {
    for (const n of sizes.drives) {
      const { build, diff } = at(layout, n)
      const ratio = build / diff
      const target = n === sizes.large
      results.push({
        name: `build, ${n} drives, ${label}`,
        sizes: { drives: n, 'paths per drive': sizes.paths, records: n * sizes.paths },
        baseline: figure('diff(0) of every drive, per record', diff, 'µs'),
        merged: figure('full build (addDrive, LevelDB), per record', build, 'µs'),
        ratio,
        target: target ? '≤ 1.2×' : '—',
        pass: !target || ratio <= 1.2
      })
    }
  }
  const { small, large } = sizes
  for (const { layout, label } of LAYOUTS.filter((l) => l.layout !== 'distinct')) {
    const flat = at(layout, large).build / at(layout, small).build
    results.push({
      name: `build per record, ${large} vs ${small} drives sharing paths (${label.replace('shared, ', '')})`,
      sizes: { 'paths per drive': sizes.paths },
      baseline: figure(`${small} drives`, at(layout, small).build, 'µs'),
      merged: figure(`${large} drives`, at(layout, large).build, 'µs'),
      ratio: flat,
      target: '≤ 1.3×',
      pass: flat <= 1.3,
      note: `µs per record of \`addDrive\` of every drive into an open on-disk index; builds under ${ONE_RUN_RECORDS.toLocaleString('en-US')} records are the median of ${sizes.runs}`
    })
    const shared = at(layout, large).build / at('distinct', large).build
    results.push({
      name: `build per record, ${large} drives, shared vs distinct paths (${label.replace('shared, ', '')})`,
      sizes: { drives: large, 'paths per drive': sizes.paths },
      baseline: figure('distinct paths', at('distinct', large).build, 'µs'),
      merged: figure('shared paths', at(layout, large).build, 'µs'),
      ratio: shared,
      target: '≤ 1.3×',
      pass: shared <= 1.3
    })
  }
  const curve = (layout: Layout, pick: (p: Point) => number): [number, number][] =>
    sizes.drives.map((n) => [n, pick(at(layout, n))])
  return {
    results,
    chart: [
      ...LAYOUTS.map(({ layout, label, color }) => ({ label, color, points: curve(layout, (p) => p.build) })),
      { label: 'diff(0), shared', color: '#7f7f7f', points: curve('unstamped', (p) => p.diff) }
    ]
  }
}
