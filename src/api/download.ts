/**
 * A download of winning blobs, shaped like Hyperdrive's: it starts at once, `done()` (or `await`)
 * resolves once every block is local, `destroy()` cancels it. Closing the MultiDrive before it is
 * done fails it with EUNAVAILABLE rather than leaving it pending.
 */
import { MultiDriveError, unavailable } from './errors.js'
import type { DownloadLike } from './hyperdrive-like.js'
import { settleOrAbort } from './waiting.js'

export class Download implements PromiseLike<undefined> {
  private readonly downloads: DownloadLike[] = []
  private readonly finished: Promise<undefined>
  private destroyed = false

  /** `start` finds the blobs and hands each core download to `track`; `closing` cancels them all. */
  constructor(start: (track: (download: DownloadLike) => void) => Promise<void>, closing: AbortSignal) {
    const track = (download: DownloadLike) => {
      if (this.destroyed) download.destroy()
      else this.downloads.push(download)
    }
    const run = async () => {
      await start(track)
      // As Hyperdrive's: a destroyed download's blocks stop coming, and done() resolves.
      if (!this.destroyed) await Promise.all(this.downloads.map((download) => download.done()))
    }
    const closed = () => MultiDriveError.EUNAVAILABLE(null, 'the MultiDrive closed during the download')
    const destroy = () => this.destroy()
    closing.addEventListener('abort', destroy, { once: true })
    this.finished = settleOrAbort(run(), closing, closed)
      .then(
        () => undefined,
        (err: unknown) => {
          if (this.destroyed && !closing.aborted) return undefined
          throw unavailable(null, err)
        }
      )
      .finally(() => closing.removeEventListener('abort', destroy))
    // Handled here too: a download nobody awaits must not fail the process.
    this.finished.catch(() => {})
  }

  /** Resolves once every winning block under the folder is local. */
  done(): Promise<undefined> {
    return this.finished
  }

  /** Stops downloading; `done()` then resolves. */
  destroy(): void {
    this.destroyed = true
    for (const download of this.downloads.splice(0)) download.destroy()
  }

  // biome-ignore lint/suspicious/noThenProperty: a download is deliberately awaitable, as `done()`.
  then<R1 = undefined, R2 = never>(
    onfulfilled?: ((value: undefined) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null
  ): Promise<R1 | R2> {
    return this.finished.then(onfulfilled, onrejected)
  }
}
