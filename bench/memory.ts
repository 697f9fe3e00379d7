/**
 * Memory and restart at scale: index N records in a child process (its peak RSS must stay flat as
 * N grows: bounded batches), then reopen the index and answer the first stat without re-reading.
 * For the record, the default in-memory index's peak at the smaller N.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Corestore from 'corestore'
import { IN_MEMORY } from './lib/builds.js'
import { distinctFixture } from './lib/fixtures.js'
import { figure, type Result } from './lib/report.js'

const run = promisify(execFile)

interface ChildResult {
  buildMs: number
  records: number
  buildRssMB: number
  anonMB: number
  fileMB: number
  /** The rest only for an on-disk index. */
  reopenMs: number
  reread: number
  found: boolean
}

async function child(storeDir: string, indexDir: string, drives: number): Promise<ChildResult> {
  const script = join(import.meta.dirname, 'index-child.ts')
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', script, storeDir, indexDir, String(drives), 'm', '/d0/0-0'],
    { maxBuffer: 1 << 20 }
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildResult
}

export async function benchMemory(
  dir: string,
  sizes: { small: number; large: number; perDrive: number }
): Promise<Result[]> {
  const storeDir = join(dir, 'memory', 'store')
  const store = new Corestore(storeDir)
  for (const d of await distinctFixture(store, sizes.large, sizes.perDrive)) await d.close()
  await store.close()

  const small = await child(storeDir, join(dir, 'memory', 'index-small'), sizes.small)
  const large = await child(storeDir, join(dir, 'memory', 'index-large'), sizes.large)
  const inMemory = await child(storeDir, IN_MEMORY, sizes.small)
  const growth = large.buildRssMB / small.buildRssMB
  const records = (drives: number) => drives * sizes.perDrive
  return [
    {
      name: 'memory: peak RSS while indexing',
      sizes: { records: records(sizes.large), 'baseline records': records(sizes.small) },
      baseline: figure(`${records(sizes.small).toLocaleString('en-US')} records`, small.buildRssMB, 'MB'),
      merged: figure(`${records(sizes.large).toLocaleString('en-US')} records`, large.buildRssMB, 'MB'),
      ratio: growth,
      target: '≤ 300 MB, flat',
      pass: large.buildRssMB <= 300 && growth <= 1.25,
      note: `peak RSS of a child process that only indexes (with ${sizes.large} drives: at most ${Math.round(large.anonMB)} MB anonymous, ${Math.round(large.fileMB)} MB file-backed: mapped LevelDB and RocksDB files, reclaimable page cache; with ${sizes.small}: ${Math.round(small.anonMB)} / ${Math.round(small.fileMB)} MB). Indexing took ${(small.buildMs / 1000).toFixed(1)} s and ${(large.buildMs / 1000).toFixed(1)} s (${Math.round(records(sizes.large) / (large.buildMs / 1000)).toLocaleString('en-US')} records/s)`
    },
    {
      name: 'reopen the index, first stat',
      sizes: { records: records(sizes.large) },
      baseline: figure('rebuild from scratch', large.buildMs, 'ms'),
      merged: figure('reopen + first stat', large.reopenMs, 'ms'),
      ratio: large.reopenMs / large.buildMs,
      target: '≤ 0.5 s, nothing re-read',
      pass: large.reopenMs <= 500 && large.reread === 0 && large.found,
      note: `${large.reread} nodes re-read on reopen; the reopen includes opening the corestore and ${sizes.large} drives`
    },
    {
      name: 'memory: peak RSS, default in-memory index',
      sizes: { records: records(sizes.small) },
      baseline: figure('on-disk index', small.buildRssMB, 'MB'),
      merged: figure('in-memory index', inMemory.buildRssMB, 'MB'),
      ratio: inMemory.buildRssMB / small.buildRssMB,
      target: '— (documented)',
      pass: true,
      note: `the cost of \`new MultiDrive(primary)\` without \`index\`: every record lives in the heap (at most ${Math.round(inMemory.anonMB)} MB anonymous, ${Math.round(inMemory.fileMB)} MB file-backed). Indexing took ${(inMemory.buildMs / 1000).toFixed(1)} s against ${(small.buildMs / 1000).toFixed(1)} s on disk`
    }
  ]
}
