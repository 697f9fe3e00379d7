/** `readFile` of small (100 B) files: the winner's blob read by id, against Hyperdrive's `get()`. */
import { join } from 'node:path'
import Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../src/index.js'
import { openDrives, writeSmallFiles } from './lib/fixtures.js'
import { random, sample } from './lib/measure.js'
import { type Result, side } from './lib/report.js'

export async function benchReadFile(
  dir: string,
  sizes: { drives: number; files: number; reads: number }
): Promise<Result[]> {
  const store = new Corestore(join(dir, 'read-file', 'store'))
  const drives = await openDrives(store, sizes.drives)
  const pathsOf = (d: number) => Array.from({ length: sizes.files }, (_, k) => `/small/${d}/${k}.txt`)
  for (const [d, drive] of drives.entries()) await writeSmallFiles(drive, pathsOf(d), 100)
  const multi = new MultiDrive(drives[0] as Hyperdrive, { index: join(dir, 'read-file', 'index') })
  await multi.ready()
  for (const d of drives) await multi.addDrive(d)

  const rnd = random(7)
  const own = pathsOf(0)
  const all = drives.flatMap((_, d) => pathsOf(d))
  const get = await sample(sizes.reads, () =>
    (drives[0] as Hyperdrive).get(own[Math.floor(rnd() * own.length)] as string)
  )
  const read = await sample(sizes.reads, () => multi.readFile(all[Math.floor(rnd() * all.length)] as string))
  await multi.close()
  await store.close()
  const ratio = read.median / get.median
  return [
    {
      name: 'readFile, 100 B files',
      sizes: { drives: sizes.drives, files: all.length },
      baseline: side('one Hyperdrive get()', get),
      merged: side('multi.readFile()', read),
      ratio,
      target: '≤ 0.8×',
      pass: ratio <= 0.8
    }
  ]
}
