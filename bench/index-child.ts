/**
 * Runs in a child process so that its peak RSS is its own: builds an on-disk index of the given
 * drives, then (optionally) reopens it and answers the first stat. Prints one JSON line.
 */
import { join } from 'node:path'
import Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../src/index.js'
import { openDrives } from './lib/fixtures.js'
import { once } from './lib/measure.js'

const [storeDir = '', indexDir = '', count = '0', prefix = 'm', firstPath = '/'] = process.argv.slice(2)
const n = Number(count)

async function open(): Promise<{ store: Corestore; drives: Hyperdrive[] }> {
  const store = new Corestore(join(storeDir))
  return { store, drives: await openDrives(store, n, prefix) }
}

async function main(): Promise<void> {
  let { store, drives } = await open()
  let multi = new MultiDrive(drives[0] as Hyperdrive, { index: indexDir })
  const buildUs = await once(async () => {
    await multi.ready()
    await Promise.all(drives.map((d) => multi.addDrive(d)))
  })
  const records = Object.values(multi.stats).reduce((s, d) => s + d.nodesRead, 0)
  const buildRss = process.resourceUsage().maxRSS / 1024
  await multi.close()
  await store.close()

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
  console.log(
    JSON.stringify({ buildMs: buildUs / 1000, records, buildRssMB: buildRss, reopenMs: reopenUs / 1000, reread, found })
  )
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
