/**
 * Progress of long work on stderr, only when stderr is a terminal (pipes and logs stay clean):
 * indexing fed from `multi.stats`, and counted steps (mirror). A bar appears only if the work
 * outlasts a short delay, so quick commands never flicker.
 */
import { SingleBar } from 'cli-progress'
import type { MultiDrive } from '../index.js'

const SHOW_AFTER_MS = 400
const REFRESH_MS = 100

export interface Progress {
  /** Moves the bar (total may grow as work is discovered). */
  update(value: number, total: number): void
  stop(): void
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} }
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% {value}/{total}`,
    hideCursor: true,
    clearOnComplete: true
  })
  let started = false
  let last = { value: 0, total: 0 }
  const timer = setTimeout(() => {
    started = true
    bar.start(last.total, last.value)
  }, SHOW_AFTER_MS)
  return {
    update(value, total) {
      last = { value, total }
      if (!started) return
      bar.setTotal(total)
      bar.update(value)
    },
    stop() {
      clearTimeout(timer)
      if (started) bar.stop()
    }
  }
}

/** Shows how far every drive is indexed (blocks of their logs) until `work` settles. */
export async function withIndexingProgress<T>(multi: MultiDrive, work: Promise<T>): Promise<T> {
  const progress = progressBar('indexing')
  const poll = setInterval(() => {
    let indexed = 0
    let total = 0
    for (const stats of Object.values(multi.stats)) {
      indexed += stats.indexed
      total += Math.max(stats.length ?? 0, stats.indexed)
    }
    progress.update(indexed, total)
  }, REFRESH_MS)
  try {
    return await work
  } finally {
    clearInterval(poll)
    progress.stop()
  }
}
