/** merge-drive: read many Hyperdrives as one. */

export type { DriveActorState } from './actors/drive-machine.js'
export type { Download } from './api/download.js'
export type { MultiDriveErrorCode } from './api/errors.js'
export { MultiDriveError } from './api/errors.js'
export type {
  BeeViewLike,
  BlobsLike,
  BlockReadOptions,
  CoreLike,
  DbBatchLike,
  DownloadLike,
  ExtensionHandlers,
  ExtensionLike,
  HyperdriveLike,
  PeerLike
} from './api/hyperdrive-like.js'
export { Listing } from './api/listing.js'
export type {
  ByteRange,
  EntryLike,
  EntryOptions,
  FileOptions,
  Ignore,
  ListOptions,
  WaitOptions
} from './api/method-options.js'
export type { MirrorDiff, MirrorLike, MirrorOptions } from './api/mirror.js'
export type { WhoWins } from './api/multi-drive.js'
export { MultiDrive } from './api/multi-drive.js'
export type { MultiDriveEvents, PeerOf } from './api/multi-drive-events.js'
export type { MultiDriveOptions } from './api/options.js'
export type { DriveStats, IndexProgress } from './api/progress.js'
export { Stat } from './api/stat.js'
export type { ChangeWatcher } from './events/changes.js'
export type { BlobId, Candidate, Clock, MergedChange, MergedEntry, RecordKind, Stamp } from './events/types.js'
export type { Comparator, Resolver } from './index-store/resolve.js'
export type { Difference, VerifyResult } from './index-store/verify.js'
