/**
 * The bus between drive actors and the indexer: an awaited queue. `submit` resolves once the
 * indexer committed the event, so an actor never reads ahead of the index (pull, bounded memory:
 * at most one event per actor is ever queued).
 */
import type { IndexEvent } from './types.js'

interface Pending {
  event: IndexEvent
  resolve: () => void
  reject: (err: Error) => void
}

export class IndexBus {
  private readonly queue: Pending[] = []
  private waiting: (() => void) | null = null
  private closedWith: Error | null = null

  /** Resolves once the indexer has committed the event; rejects if it failed or the bus closed. */
  submit(event: IndexEvent): Promise<void> {
    if (this.closedWith !== null) return Promise.reject(this.closedWith)
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject })
      this.wake()
    })
  }

  /** The indexer's side: the next event and its settlement, or null once closed and drained. */
  async take(): Promise<Pending | null> {
    while (this.queue.length === 0) {
      if (this.closedWith !== null) return null
      await new Promise<void>((resolve) => {
        this.waiting = resolve
      })
    }
    return this.queue.shift() ?? null
  }

  /** Rejects everything still queued and every later submit. */
  close(err: Error): void {
    this.closedWith = err
    for (const pending of this.queue.splice(0)) pending.reject(err)
    this.wake()
  }

  private wake(): void {
    const waiting = this.waiting
    this.waiting = null
    waiting?.()
  }
}
