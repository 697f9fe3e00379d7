/**
 * Waiting for data without ever hanging: peers' latest lengths (`update`, `addDrive({ wait })`),
 * `findingPeers` as Hyperdrive's, the `{ wait, timeout }` options of reads, and the close signal
 * that ends every wait still pending when the MultiDrive closes.
 */
import { setMaxListeners } from 'node:events'
import type Hyperdrive from 'hyperdrive'
import type { DriveSet } from './drive-set.js'
import { MultiDriveError } from './errors.js'
import type { WaitOptions } from './method-options.js'

/** `{ wait, timeout }` checked (EINVAL), with only the options given (Hypercore reads `undefined` as set). */
export function waitOptions(opts: WaitOptions | undefined): WaitOptions {
  const { wait, timeout } = opts ?? {}
  if (wait !== undefined && typeof wait !== 'boolean') throw MultiDriveError.EINVAL(`invalid wait: ${String(wait)}`)
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
    throw MultiDriveError.EINVAL(`invalid timeout: ${String(timeout)}`)
  }
  return { ...(wait === undefined ? {} : { wait }), ...(timeout === undefined ? {} : { timeout }) }
}

export class Waiting {
  private readonly set: DriveSet
  private readonly closed = new AbortController()
  /** The `findingPeers()` calls not yet done: each holds one per drive, drives added meanwhile too. */
  private readonly finding = new Set<(() => void)[]>()

  constructor(set: DriveSet) {
    this.set = set
    // Every read that waits listens for the close: as many as there are reads, not a leak.
    setMaxListeners(0, this.closed.signal)
  }

  /** Aborted when the MultiDrive starts closing. */
  get signal(): AbortSignal {
    return this.closed.signal
  }

  /**
   * Asks the connected peers for every drive's latest length (waiting for peers while someone is
   * `findingPeers`), then resolves once the index has caught up with those lengths (or a drive
   * waits for peers that have its blocks). True if anything new was indexed.
   */
  async update(): Promise<boolean> {
    const before = this.set.stats()
    await Promise.all(this.set.list.map((drive) => this.settle(drive)))
    const after = this.set.stats()
    return Object.entries(after).some(([key, stats]) => stats.indexed !== (before[key]?.indexed ?? 0))
  }

  /** `update()` of one drive: its peers' latest length, then indexed up to it. */
  async settle(drive: Hyperdrive): Promise<void> {
    await this.whileOpen(drive.core.update({ wait: true }))
    await this.whileOpen(this.set.caughtUp(drive))
  }

  /**
   * As Hyperdrive's: until the returned function is called, updates wait for peers rather than
   * concluding that there are none. Covers drives added meanwhile.
   */
  findingPeers(): () => void {
    const dones = this.set.list.map((drive) => drive.findingPeers())
    this.finding.add(dones)
    return () => {
      if (!this.finding.delete(dones)) return
      for (const done of dones) done()
    }
  }

  /** A drive joined: every `findingPeers()` still going covers it too. */
  added(drive: Hyperdrive): void {
    for (const dones of this.finding) dones.push(drive.findingPeers())
  }

  /** Ends every wait: pending reads fail, finding peers is over. */
  close(): void {
    this.closed.abort()
    for (const dones of this.finding) for (const done of dones) done()
    this.finding.clear()
  }

  /** The promise, or ECLOSED as soon as the MultiDrive starts closing. */
  private whileOpen<T>(promise: Promise<T>): Promise<T> {
    return settleOrAbort(promise, this.signal, () => MultiDriveError.ECLOSED())
  }
}

/** Settles as `promise` does, or rejects with `error()` once `signal` aborts, whichever comes first. */
export function settleOrAbort<T>(promise: Promise<T>, signal: AbortSignal, error: () => Error): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(error())
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(error())
    signal.addEventListener('abort', abort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}
