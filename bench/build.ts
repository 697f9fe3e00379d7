/** A full index build of many drives, against streaming the same drives' `diff(0)`. */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import Corestore from 'corestore'
import { timeBuild, timeDiffs } from './lib/builds.js'
import { openDrives, overlapFixture } from './lib/fixtures.js'
import { summarize } from './lib/measure.js'
import { type Result, side } from './lib/report.js'

export async function benchBuild(
  dir: string,
  sizes: { drives: number; files: number; runs: number }
): Promise<Result[]> {
  const store = new Corestore(join(dir, 'build', 'store'))
  for (const drive of (await overlapFixture(store, sizes.drives, sizes.files)).drives) await drive.close()
  const diffs: number[] = []
  const builds: number[] = []
  for (let run = 0; run < sizes.runs; run++) {
    diffs.push(await timeDiffs(store, sizes.drives, 'd'))
    const index = join(dir, 'build', `index-${run}`)
    const { us, multi } = await timeBuild(await openDrives(store, sizes.drives, 'd'), index)
    builds.push(us)
    await multi.close()
    await rm(index, { recursive: true, force: true })
  }
  await store.close()
  const baseline = summarize(diffs)
  const merged = summarize(builds)
  const ratio = merged.median / baseline.median
  const records = sizes.drives * sizes.files
  return [
    {
      name: 'full index build',
      sizes: { drives: sizes.drives, 'files per drive': sizes.files },
      baseline: side('diff(0) of every drive', baseline, 'ms'),
      merged: side('index build (LevelDB)', merged, 'ms'),
      ratio,
      target: '≤ 2.0×',
      pass: ratio <= 2,
      note: `${Math.round(records / (merged.median / 1e6)).toLocaleString('en-US')} records/s into an on-disk index; median of ${sizes.runs} runs each`
    }
  ]
}
