/**
 * Change streams for consumers. The indexer publishes each commit's merged changes here, only after
 * the LevelDB batch committed: `changes$` (one MergedChange at a time), `watch(folder)` (an async
 * iterator of change lists, coalesced while the consumer is busy) and the seed's callback watch.
 */
import { mergeMap, type Observable, Subject, type Subscription } from 'rxjs'
import { isUnder } from './paths.js'
import type { MergedChange } from './types.js'

/** `for await (const changes of watcher)`; `destroy()` ends it. */
export interface ChangeWatcher extends AsyncIterableIterator<MergedChange[]> {
  destroy(): Promise<void>
}

class FolderWatcher implements ChangeWatcher {
  private pending: MergedChange[] = []
  private wake: (() => void) | null = null
  private ended = false
  private readonly subscription: Subscription

  constructor(commits: Observable<MergedChange[]>, folder: string) {
    const end = () => this.end()
    this.subscription = commits.subscribe({
      next: (changes) => {
        for (const change of changes) if (isUnder(folder, change.path)) this.pending.push(change)
        if (this.pending.length > 0) this.signal()
      },
      error: end,
      complete: end
    })
  }

  async next(): Promise<IteratorResult<MergedChange[]>> {
    while (this.pending.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
    }
    if (this.pending.length > 0) return { value: this.pending.splice(0), done: false }
    return { value: undefined, done: true }
  }

  async return(): Promise<IteratorResult<MergedChange[]>> {
    await this.destroy()
    return { value: undefined, done: true }
  }

  async destroy(): Promise<void> {
    this.pending = []
    this.end()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  private end(): void {
    this.ended = true
    this.subscription?.unsubscribe()
    this.signal()
  }

  private signal(): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }
}

export class ChangeFeed {
  private readonly commits = new Subject<MergedChange[]>()
  /** Every merged change, in commit order, after its commit. */
  readonly changes$: Observable<MergedChange> = this.commits.pipe(mergeMap((changes) => changes))

  publish(changes: MergedChange[]): void {
    if (changes.length > 0) this.commits.next(changes)
  }

  /** The change lists of each commit under a folder, as an async iterator. */
  watch(folder: string): ChangeWatcher {
    return new FolderWatcher(this.commits, folder)
  }

  /** The seed's form: `onchange()` after each commit that changed something under the folder. */
  onChange(folder: string, onchange: () => void): { destroy(): void } {
    const subscription = this.commits.subscribe({
      next: (changes) => {
        if (changes.some((c) => isUnder(folder, c.path))) onchange()
      },
      error: () => {}
    })
    return { destroy: () => subscription.unsubscribe() }
  }

  complete(): void {
    this.commits.complete()
  }
}
