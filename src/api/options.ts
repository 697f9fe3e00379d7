/** What `new MultiDrive(primary, options)` takes, checked once at construction: a bad option is EINVAL there, not a hang later. */
import type { AbstractLevel } from 'abstract-level'
import type { Resolver } from '../index-store/resolve.js'
import { assertDrive } from './drive-set.js'
import { MultiDriveError } from './errors.js'
import type { HyperdriveLike } from './hyperdrive-like.js'

export interface MultiDriveOptions<D extends HyperdriveLike = HyperdriveLike> {
  /** A directory for a LevelDB index on disk, or an abstract-level database; default: in memory. */
  // biome-ignore lint/suspicious/noExplicitAny: any abstract-level database will do.
  index?: string | AbstractLevel<any, string, any>
  /** The drive writes go to while it is added; default: the primary if writable, else the first writable drive added. */
  writer?: D
  /** Which record wins a path: 'causal' (default), 'wall-clock', or a comparator. */
  resolve?: Resolver
  /** The wall clock stamped on writes, in ms; default `Date.now`. */
  now?: () => number
}

/** EINVAL for any option that is not what `MultiDriveOptions` says. */
export function checkOptions(options: unknown): asserts options is MultiDriveOptions {
  if (options === null || typeof options !== 'object') throw MultiDriveError.EINVAL('options must be an object')
  const { index, writer, resolve, now } = options as Record<string, unknown>
  const isDatabase = (db: unknown) =>
    db !== null && typeof db === 'object' && typeof (db as { sublevel?: unknown }).sublevel === 'function'
  if (index !== undefined && !(typeof index === 'string' && index.length > 0) && !isDatabase(index)) {
    throw MultiDriveError.EINVAL('options.index must be a directory or an abstract-level database')
  }
  if (writer !== undefined) assertDrive(writer, 'options.writer')
  if (resolve !== undefined && resolve !== 'causal' && resolve !== 'wall-clock' && typeof resolve !== 'function') {
    throw MultiDriveError.EINVAL("options.resolve must be 'causal', 'wall-clock' or a comparator function")
  }
  if (now !== undefined && typeof now !== 'function') throw MultiDriveError.EINVAL('options.now must be a function')
}
