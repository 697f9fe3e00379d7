/** `readdir` of one directory whose names are spread over several drives, against one Hyperdrive. */
import { join } from 'node:path'
import Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { SUB_ENCODERS, stampMetadata } from '../src/events/records.js'
import { MultiDrive } from '../src/index.js'
import { openDrives } from './lib/fixtures.js'
import { sample } from './lib/measure.js'
import { type Result, side } from './lib/report.js'

async function fill(drive: Hyperdrive, names: string[]): Promise<void> {
  const blob = await (await drive.getBlobs()).put(Buffer.from('x'))
  for (let start = 0; start < names.length; start += 1000) {
    const batch = drive.batch()
    for (const name of names.slice(start, start + 1000)) {
      const metadata = stampMetadata(null, { t: 1, clock: {} })
      await batch.db.put(
        `/big/${name}`,
        { executable: false, linkname: null, blob, metadata },
        { keyEncoding: SUB_ENCODERS.files }
      )
    }
    await batch.flush()
  }
}

export async function benchReaddir(
  dir: string,
  sizes: { drives: number; names: number; runs: number }
): Promise<Result[]> {
  const store = new Corestore(join(dir, 'readdir', 'store'))
  const [single, ...drives] = await openDrives(store, sizes.drives + 1)
  const names = Array.from({ length: sizes.names }, (_, k) => `name-${String(k).padStart(6, '0')}`)
  await fill(single as Hyperdrive, names)
  for (const [d, drive] of drives.entries())
    await fill(
      drive,
      names.filter((_, k) => k % sizes.drives === d)
    )
  const multi = new MultiDrive(drives[0] as Hyperdrive, { index: join(dir, 'readdir', 'index') })
  await multi.ready()
  for (const d of drives) await multi.addDrive(d)

  const baseline = await sample(
    sizes.runs,
    async () => {
      let n = 0
      for await (const _ of (single as Hyperdrive).readdir('/big')) n++
      if (n !== sizes.names) throw new Error(`readdir saw ${n} names`)
    },
    1
  )
  const merged = await sample(
    sizes.runs,
    async () => {
      const n = (await multi.readdir('/big')).length
      if (n !== sizes.names) throw new Error(`multi.readdir saw ${n} names`)
    },
    1
  )
  await multi.close()
  await store.close()
  const ratio = merged.median / baseline.median
  return [
    {
      name: 'readdir of one directory',
      sizes: { names: sizes.names, drives: sizes.drives },
      baseline: side('one Hyperdrive readdir', baseline, 'ms'),
      merged: side('multi.readdir()', merged, 'ms'),
      ratio,
      target: '≤ 2.0×',
      pass: ratio <= 2
    }
  ]
}
