/**
 * `mirror(out)`: a real MirrorDrive from the merged view into another drive (a Hyperdrive, a
 * Localdrive, another MultiDrive), as Hyperdrive's `mirror`. Its published type is described
 * here, so that the declarations name no Holepunch module.
 */
import MirrorDrive from 'mirror-drive'

/** One step of a mirror, as MirrorDrive yields them. */
export interface MirrorDiff {
  op: 'add' | 'change' | 'remove' | 'equal'
  key: string
  bytesRemoved: number
  bytesAdded: number
}

/** MirrorDrive's options (its README lists them all). */
export interface MirrorOptions {
  /** Only paths under these folders. */
  prefix?: string | string[]
  /** Delete what the destination has and the source does not (default true). */
  prune?: boolean
  dryRun?: boolean
  ignore?: string | string[] | ((key: string) => boolean)
  filter?: (key: string) => boolean
  /** Also yield files that are the same on both sides. */
  includeEquals?: boolean
  [option: string]: unknown
}

/** A running mirror: iterate it for each change, or `await done()`; `count` tallies what it did. */
export interface MirrorLike extends AsyncIterable<MirrorDiff> {
  readonly count: { files: number; add: number; remove: number; change: number }
  readonly bytesRemoved: number
  readonly bytesAdded: number
  done(): Promise<void>
}

/** A MirrorDrive from `src` into `out`. */
export function mirror(src: object, out: object, opts: MirrorOptions = {}): MirrorLike {
  return new MirrorDrive(src, out, opts)
}
