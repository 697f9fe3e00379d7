/** MultiDrive's events, typed: `multi.on('drive-add', (drive) => ...)` checks the name and the listener. */
import type { HyperdriveLike } from './hyperdrive-like.js'
import type { IndexProgress } from './progress.js'

/** A peer of the primary's core, as the drives' own type has it. */
export type PeerOf<D extends HyperdriveLike> = D['core']['peers'][number]

/** MultiDrive's events and their listeners (`ready` and `close` too). */
export interface MultiDriveEvents<D extends HyperdriveLike = HyperdriveLike> {
  'drive-add': (drive: D) => void
  'drive-remove': (drive: D) => void
  'peer-add': (peer: PeerOf<D>) => void
  'peer-remove': (peer: PeerOf<D>) => void
  /** A drive's actor committed a batch: indexed up to `indexed` of `length` (fully when equal). */
  indexed: (drive: D, progress: IndexProgress) => void
  /** A drive's log holds a block (or tree) that cannot be read: indexed up to `seq`, no further until it truncates. */
  'drive-stuck': (drive: D, stuck: { seq: number; reason: string }) => void
  /** The index cannot advance any more (a custom comparator threw); every wait rejects with this error. */
  error: (err: Error) => void
  /** Undecodable data from a remote drive, a failing read (without a listener: `process.emitWarning`). */
  warning: (message: string) => void
}
