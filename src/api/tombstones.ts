/**
 * The seed's tombstone API, on top of the writes: which drive's tombstone wins a path, a reversible
 * tombstone, undoing one (even another drive's), and erasing the writer's own.
 */
import type Hyperdrive from 'hyperdrive'
import { ROOT_PATH } from '../events/paths.js'
import type { DriveKey, DrivePath } from '../events/types.js'
import { resolveRecords } from '../index-store/resolve.js'
import { ancestorsOf } from '../index-store/schema.js'
import type { IndexView } from '../index-store/view.js'
import { type DriveSet, keyOf } from './drive-set.js'
import type { Writes } from './writes.js'

export class Tombstones {
  private readonly view: IndexView
  private readonly writes: Writes

  constructor(view: IndexView, writes: Writes) {
    this.view = view
    this.writes = writes
  }

  /** The added drive whose tombstone wins the path, if a tombstone wins it. */
  async winningDrive(path: DrivePath, set: DriveSet): Promise<Hyperdrive | null> {
    const { winner } = await this.view.resolve(path)
    return (winner?.kind === 'tombstone' && set.get(winner.drive as DriveKey)) || null
  }

  /**
   * `true`: a tombstone in the writer, the writer's own copy kept under it (so this can be undone).
   * `false`: the writer's own tombstone goes, and if another drive's tombstone still wins, the best
   * live version of the path is copied into the writer so that it wins again.
   */
  async set(path: DrivePath, active: boolean): Promise<void> {
    await this.writes.custom(path, async (writer) => {
      if (active) return this.writes.tombstone(writer, path, { keepOwnCopy: true })
      const writerKey = keyOf(writer)
      const records = await this.view.recordsAt(path)
      const others = records.filter((r) => !(r.drive === writerKey && r.sub === 'tombstones'))
      const { record } = resolveRecords(others, this.view.resolver)
      if (record !== null && record.kind === 'tombstone') {
        const live = resolveRecords(
          others.filter((r) => r.kind !== 'tombstone'),
          this.view.resolver
        ).record
        if (live !== null) return this.writes.copy(writer, path, live)
      }
      return others.length === records.length ? [] : this.writes.dropRecords([path], 'tombstones')
    })
  }

  /** Removes the writer's own tombstones at the path and at each of its parents. */
  async erase(path: DrivePath): Promise<void> {
    // Writes at its parents touch this path too: none of them shares its group.
    await this.writes.custom(path, async (writer) => {
      const writerKey = keyOf(writer)
      const paths = [path, ...ancestorsOf(path).filter((a) => a !== ROOT_PATH)]
      const all = await this.view.recordsAtEach(paths)
      const erased = paths.filter((_, i) => (all[i] ?? []).some((r) => r.drive === writerKey && r.sub === 'tombstones'))
      return this.writes.dropRecords(erased, 'tombstones')
    })
  }
}
