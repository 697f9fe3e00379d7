/**
 * `npm run bench` (full sizes) and `npm run bench:quick` (small sizes, a smoke run): every
 * benchmark against its baseline measured in the same run. Prints a table and writes
 * bench/results.json, bench/RESULTS.md and the charts bench/stat-latency.svg and
 * bench/shared-paths.svg (quick: `*-quick` files). `--only=NAME` runs the steps whose name
 * contains NAME and writes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchBuild } from './build.js'
import { benchIncremental } from './incremental.js'
import { type Chart, chart, notes, type Result, table, writeReport } from './lib/report.js'
import { benchManyDrives } from './many-drives.js'
import { benchMemory } from './memory.js'
import { benchReadFile } from './read-file.js'
import { benchReaddir } from './readdir.js'
import { benchSharedPaths } from './shared-paths.js'
import { benchStat } from './stat.js'
import { benchWrites } from './writes.js'

const quick = process.argv.includes('--quick')
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7)

const SIZES = quick
  ? {
      stat: { drives: [1, 10], files: 200, reads: 1000 },
      readFile: { drives: 10, files: 100, reads: 500 },
      readdir: { drives: 10, names: 1000, runs: 5 },
      build: { drives: 10, files: 1000, runs: 1 },
      shared: { drives: [5, 20], paths: 200, small: 5, large: 20, runs: 1 },
      writes: { writes: 100, inFlight: 64, runs: 1 },
      many: { drives: 50, small: 10, files: 20, reads: 500 },
      incremental: { writes: 20 },
      memory: { small: 2, large: 8, perDrive: 2000 }
    }
  : {
      stat: { drives: [1, 10, 100], files: 1000, reads: 5000 },
      readFile: { drives: 10, files: 1000, reads: 3000 },
      readdir: { drives: 10, names: 10_000, runs: 7 },
      build: { drives: 10, files: 10_000, runs: 2 },
      shared: { drives: [10, 20, 50, 100, 200], paths: 200, small: 10, large: 100, runs: 3 },
      writes: { writes: 1000, inFlight: 64, runs: 3 },
      many: { drives: 1000, small: 10, files: 100, reads: 5000 },
      incremental: { writes: 100 },
      memory: { small: 5, large: 20, perDrive: 50_000 }
    }

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'multidrive-bench-'))
  const results: Result[] = []
  const charts: Chart[] = []
  const step = async (name: string, fn: () => Promise<Result[]>) => {
    if (only && !name.includes(only)) return
    const started = Date.now()
    process.stdout.write(`${name}… `)
    const out = await fn()
    results.push(...out)
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
  try {
    await step('stat', async () => {
      const { results: out, chart: series } = await benchStat(dir, SIZES.stat)
      charts.push({
        file: 'stat-latency',
        alt: 'stat latency against the number of drives',
        svg: chart('stat latency (median) against the number of drives', series)
      })
      return out
    })
    await step('readFile', () => benchReadFile(dir, SIZES.readFile))
    await step('readdir', () => benchReaddir(dir, SIZES.readdir))
    await step('build', () => benchBuild(dir, SIZES.build))
    await step('shared-paths', async () => {
      const { results: out, chart: series } = await benchSharedPaths(dir, SIZES.shared)
      charts.push({
        file: 'shared-paths',
        alt: 'index build per record against the number of drives sharing paths',
        svg: chart(`index build, µs per record: D drives writing the same ${SIZES.shared.paths} paths`, series)
      })
      return out
    })
    await step('writes', () => benchWrites(dir, SIZES.writes))
    await step('many-drives', () => benchManyDrives(dir, SIZES.many))
    await step('incremental', () => benchIncremental(dir, SIZES.incremental))
    await step('memory', () => benchMemory(dir, SIZES.memory))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  console.log(`\n${table(results)}\n\n${notes(results).join('\n')}\n`)
  const missed = results.filter((r) => !r.pass)
  console.log(
    missed.length === 0
      ? 'Every target met.'
      : `${missed.length} target(s) missed: ${missed.map((r) => r.name).join('; ')}`
  )
  // A partial run (--only) prints its table but leaves the recorded results alone.
  if (only) return
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  await writeReport(
    import.meta.dirname,
    {
      mode: quick ? 'quick' : 'full',
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpu}, Node ${process.version}`,
      results
    },
    charts,
    quick ? '-quick' : ''
  )
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
