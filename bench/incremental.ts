/**
 * One remote write to `changes$`: peer A writes, peer B's MultiDrive emits the merged change. The
 * baseline is the same write seen by a raw replica's `watch()` on B. In-process replication.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { filter, firstValueFrom } from 'rxjs'
import { MultiDrive } from '../src/index.js'
import { createPeer, replicate, synced } from '../test/helpers/network.js'
import { sample } from './lib/measure.js'
import { type Result, side } from './lib/report.js'

export async function benchIncremental(dir: string, sizes: { writes: number }): Promise<Result[]> {
  await mkdir(join(dir, 'inc'), { recursive: true })
  const a = await createPeer('a', join(dir, 'inc', 'a'))
  const b = await createPeer('b', join(dir, 'inc', 'b'))
  const stop = replicate(a, b)
  await a.drive.put('/warm', Buffer.from('up'))
  const replica = await b.open(a.drive.key)
  await synced(replica, a.drive)
  const content = Buffer.from('one remote write')

  // Baseline: a raw replica's watch() wakes up for the write.
  const watcher = replica.watch('/')
  await watcher.ready()
  const iterator = watcher[Symbol.asyncIterator]()
  const raw = await sample(
    sizes.writes,
    async (i) => {
      const seen = iterator.next()
      await a.drive.put(`/raw/${i}`, content)
      await seen
    },
    5
  )
  await watcher.destroy()

  const multi = new MultiDrive(b.drive)
  await multi.ready()
  await multi.addDrive(replica)
  const merged = await sample(
    sizes.writes,
    async (i) => {
      const path = `/merged/${i}`
      const seen = firstValueFrom(multi.changes$.pipe(filter((c) => c.path === path)))
      await a.drive.put(path, content)
      await seen
    },
    5
  )
  stop()
  await multi.close()
  await Promise.all([a.close(), b.close()])
  const ratio = merged.median / raw.median
  return [
    {
      name: 'one remote write to changes$',
      sizes: { writes: sizes.writes },
      baseline: side('replica watch()', raw, 'ms'),
      merged: side('multi.changes$', merged, 'ms'),
      ratio,
      target: '≤ 1.2× + 5 ms (p50)',
      pass: merged.median <= 1.2 * raw.median + 5000
    }
  ]
}
