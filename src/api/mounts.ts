/**
 * Mounts: while a mount record wins at a path, the drive it names shows its tree there. That
 * drive (opened through the primary's corestore) is indexed as a source of its own, `key@/path`,
 * whose paths carry the mount point in front: its records compete under the mount point like any
 * drive's (a union). When the mount stops winning (unmounted, or shadowed by a newer record), the
 * source's records leave the index. Mounts inside a mounted drive are not followed: a mount point
 * shows one drive's tree, and no chain of mounts can loop.
 */
import Hyperdrive from 'hyperdrive'
import mutexify from 'mutexify/promise.js'
import type { DriveKey, DrivePath } from '../events/types.js'
import type { IndexView } from '../index-store/view.js'
import type { DriveSet } from './drive-set.js'

interface Mounted {
  id: DriveKey
  key: string
  /** The drive, when this mount opened it (not when it is one of the added drives). */
  owned: Hyperdrive | null
}

export class Mounts {
  private readonly view: IndexView
  private readonly set: DriveSet
  /** Opens a drive by key on the primary's corestore (a session of its own, closed on unmount). */
  private readonly open: (key: Buffer) => Hyperdrive
  private readonly warn: (message: string) => void
  private readonly mounted = new Map<DrivePath, Mounted>()
  private readonly lock = mutexify()

  constructor(options: {
    view: IndexView
    set: DriveSet
    open: (key: Buffer) => Hyperdrive
    warn: (message: string) => void
  }) {
    this.view = options.view
    this.set = options.set
    this.open = options.open
    this.warn = options.warn
  }

  /** The source id a drive mounted at a path is indexed as. */
  static sourceOf(key: string, path: DrivePath): DriveKey {
    return `${key}@${path}` as DriveKey
  }

  /** Whether an indexed source is a mounted drive (not a drive of the set). */
  static isSource(id: string): boolean {
    return id.includes('@')
  }

  /** Mounts every mount point the index holds (at open). */
  async start(): Promise<void> {
    const points: DrivePath[] = []
    for await (const [path] of this.view.mountPoints()) points.push(path)
    await this.changed(points)
  }

  /** After a commit: the mount points among these paths are (un)mounted to match the index. */
  async changed(paths: readonly string[]): Promise<void> {
    const release = await this.lock()
    try {
      for (const path of paths as DrivePath[]) await this.sync(path)
    } finally {
      release()
    }
  }

  private async sync(path: DrivePath): Promise<void> {
    const want = this.view.mountAt(path)
    // A mount record of a mounted drive is not followed.
    const key = want !== null && !Mounts.isSource(want.by) ? want.key : null
    const current = this.mounted.get(path)
    if (current?.key === key) return
    if (current !== undefined) {
      this.mounted.delete(path)
      await this.set.detachSource(current.id)
      await current.owned?.close()
    }
    if (key === null) return
    const id = Mounts.sourceOf(key, path)
    try {
      // An added drive is read as it is: Hyperdrive opens a drive's core for one session at a time.
      const added = this.set.find(key)
      const owned = added === undefined ? this.open(Buffer.from(key, 'hex')) : null
      await owned?.ready()
      this.mounted.set(path, { id, key, owned })
      this.set.attachSource(id, added ?? (owned as Hyperdrive), path)
    } catch (err) {
      this.warn(`mounting drive ${key} at ${path} failed: ${(err as Error).message}`)
    }
  }
}

/** Opens mounted drives on a drive's corestore (as Hyperdrive's own mounts did). */
export function opener(primary: Hyperdrive): (key: Buffer) => Hyperdrive {
  return (key) => new Hyperdrive(primary.corestore.session(), key)
}
