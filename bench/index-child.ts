/**
 * Runs in a child process so that its peak RSS is its own: builds an index of the given drives (on
 * disk, or the default in-memory index for `IN_MEMORY`), then (on disk) reopens it and
 * answers the first stat. Prints one JSON line.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../src/index.js'
import { IN_MEMORY, timeBuild } from './lib/builds.js'
import { openDrives } from './lib/fixtures.js'
import { once } from './lib/measure.js'

const [storeDir = '', indexDir = '', count = '0', prefix = 'm', firstPath = '/'] = process.argv.slice(2)
const n = Number(count)

/** Resident memory in MB: anonymous (heap, native allocations) and file-backed (mapped files). */
function resident(): { anon: number; file: number } {
  const status = readFileSync('/proc/self/status', 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 }
}

async function open(): Promise<{ store: Corestore; drives: Hyperdrive[] }> {
  const store = new Corestore(join(storeDir))
  return { store, drives: await openDrives(store, n, prefix) }
}

async function main(): Promise<void> {
  let { store, drives } = await open()
  const peak = { anon: 0, file: 0 }
  const sampler = setInterval(() => {
    const now = resident()
    peak.anon = Math.max(peak.anon, now.anon)
    peak.file = Math.max(peak.file, now.file)
  }, 100)
  const build = await timeBuild(drives, indexDir)
  let multi = build.multi
  clearInterval(sampler)
  const records = Object.values(multi.stats).reduce((s, d) => s + d.nodesRead, 0)
  const buildRss = process.resourceUsage().maxRSS / 1024
  await multi.close()
  await store.close()
  const built = { buildMs: build.us / 1000, records, buildRssMB: buildRss, anonMB: peak.anon, fileMB: peak.file }
  if (indexDir === IN_MEMORY) {
    console.log(JSON.stringify(built))
    return
  }

  // Reopen everything and answer the first stat: nothing already indexed may be read again.
  let reread = 0
  let found = false
  const reopenUs = await once(async () => {
    ;({ store, drives } = await open())
    multi = new MultiDrive(drives[0] as Hyperdrive, { index: indexDir })
    await multi.ready()
    await Promise.all(drives.map((d) => multi.addDrive(d)))
    found = (await multi.stat(firstPath)).isFile()
  })
  reread = Object.values(multi.stats).reduce((s, d) => s + d.nodesRead, 0)
  await multi.close()
  await store.close()
  console.log(JSON.stringify({ ...built, reopenMs: reopenUs / 1000, reread, found }))
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
