/**
 * Writes: `multi.writeFile(path, 1 KB)` (on-disk index, resolving once the write is indexed)
 * against a plain `drive.put` of the same bytes on a separate drive of the same store: latency and
 * writes/s one write at a time, and writes/s with many writes in flight. The two sides take turns
 * run by run (not write by write: they share the store, and a write would pay for the other
 * side's leftover work). Every write goes to a new path, on both sides alike.
 */
import { join } from 'node:path'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../src/index.js'
import { once, perSecond, summarize, timings } from './lib/measure.js'
import { figure, type Result, side } from './lib/report.js'

export interface WriteSizes {
  /** Writes per measurement. */
  writes: number
  /** Writes in flight at once (`Promise.all` of that many, then the next). */
  inFlight: number
  /** Runs of `writes` writes each, the two sides taking turns; throughput: the median run. */
  runs: number
}

type Write = (path: string) => Promise<unknown>

/** Writes/s of `count` writes, `inFlight` at a time. */
async function concurrent(write: Write, prefix: string, count: number, inFlight: number): Promise<number> {
  return perSecond(
    count,
    await once(async () => {
      for (let start = 0; start < count; start += inFlight) {
        const group = Array.from({ length: Math.min(inFlight, count - start) }, (_, k) => `${prefix}/${start + k}`)
        await Promise.all(group.map(write))
      }
    })
  )
}

export async function benchWrites(dir: string, sizes: WriteSizes): Promise<Result[]> {
  const store = new Corestore(join(dir, 'writes', 'store'))
  const plain = new Hyperdrive(store.namespace('plain'))
  await plain.ready()
  const multi = new MultiDrive(new Hyperdrive(store.namespace('writer')), { index: join(dir, 'writes', 'index') })
  await multi.ready()
  const data = Buffer.alloc(1024, 1)
  const put: Write = (path) => plain.put(path, data)
  const writeFile: Write = (path) => multi.writeFile(path, data)

  // Warm-up writes use paths of their own: the timed ones must all be new files.
  for (let i = 0; i < Math.min(100, sizes.writes); i++) {
    await put(`/warm/${i}`)
    await writeFile(`/warm/${i}`)
  }
  const one = { put: [] as number[], writeFile: [] as number[] }
  const rates = { put: [] as number[], writeFile: [] as number[], putBurst: [] as number[], writeBurst: [] as number[] }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  for (let run = 0; run < sizes.runs; run++) {
    // Who goes first alternates, so neither side always follows the other's leftover work.
    const sides = [put, writeFile]
    if (run % 2 === 1) sides.reverse()
    const times = new Map<Write, number[]>()
    for (const write of sides) times.set(write, await timings(sizes.writes, (i) => write(`/seq${run}/${i}`)))
    const putTimes = times.get(put) as number[]
    const writeTimes = times.get(writeFile) as number[]
    one.put.push(...putTimes)
    one.writeFile.push(...writeTimes)
    rates.put.push(perSecond(sizes.writes, sum(putTimes)))
    rates.writeFile.push(perSecond(sizes.writes, sum(writeTimes)))
    for (const write of sides) {
      const burst = write === put ? rates.putBurst : rates.writeBurst
      burst.push(await concurrent(write, `/burst${run}`, sizes.writes, sizes.inFlight))
    }
  }
  // Every write of the bursts landed, as its own file in the merged view.
  for (let run = 0; run < sizes.runs; run++) {
    const names = await multi.readdir(`/burst${run}`)
    if (names.length !== sizes.writes) throw new Error(`writes: /burst${run} has ${names.length} files`)
  }
  await multi.close()
  await plain.close()
  await store.close()

  const putLatency = summarize(one.put)
  const writeLatency = summarize(one.writeFile)
  const median = (xs: number[]) => summarize(xs).median
  const put1 = median(rates.put)
  const write1 = median(rates.writeFile)
  const putN = median(rates.putBurst)
  const writeN = median(rates.writeBurst)
  const latency = writeLatency.median / putLatency.median
  const burst = writeN / put1
  const runs = `median of ${sizes.runs} run${sizes.runs > 1 ? 's' : ''} of ${sizes.writes} writes, the two sides taking turns`
  return [
    {
      name: 'writeFile, 1 KB, one at a time',
      sizes: { writes: sizes.writes * sizes.runs },
      baseline: side('plain drive.put', putLatency, 'ms'),
      merged: side('multi.writeFile', writeLatency, 'ms'),
      ratio: latency,
      target: '≤ 1.3×',
      pass: latency <= 1.3,
      note: `p99 ${(writeLatency.p99 / putLatency.p99).toFixed(2)}× (${(writeLatency.p99 / 1000).toFixed(1)} vs ${(putLatency.p99 / 1000).toFixed(1)} ms); writeFile resolves once its record is indexed (on-disk index)`
    },
    {
      name: 'sequential writes/s, 1 KB',
      sizes: { writes: sizes.writes },
      baseline: figure('plain drive.put', put1, 'writes/s'),
      merged: figure('multi.writeFile', write1, 'writes/s'),
      ratio: write1 / put1,
      target: '—',
      pass: true,
      note: `ratio is writes/s over writes/s (higher is better); ${runs}`
    },
    {
      name: `writes/s, 1 KB, ${sizes.inFlight} in flight`,
      sizes: { writes: sizes.writes, 'in flight': sizes.inFlight },
      baseline: figure('plain drive.put, sequential', put1, 'writes/s'),
      merged: figure(`multi.writeFile, ${sizes.inFlight} in flight`, writeN, 'writes/s'),
      ratio: burst,
      target: '≥ 2×',
      pass: burst >= 2,
      note: `ratio is writes/s over writes/s (higher is better); plain drive.put with ${sizes.inFlight} in flight: ${Math.round(putN).toLocaleString('en-US')} writes/s; ${runs}`
    }
  ]
}
