/// <reference path="../types/index.d.ts" preserve="true" />
/** multidrive: read many Hyperdrives as one. */

export type { DriveActorState } from './actors/drive-machine.js'
export type { MultiDriveErrorCode } from './api/errors.js'
export { MultiDriveError } from './api/errors.js'
export { Listing } from './api/listing.js'
export type { DriveStats, MultiDriveOptions, VerifyResult, WhoWins } from './api/multi-drive.js'
export { MultiDrive } from './api/multi-drive.js'
export { Stat } from './api/stat.js'
export type { ChangeWatcher } from './events/changes.js'
export type { BlobId, Candidate, Clock, MergedChange, MergedEntry, RecordKind, Stamp } from './events/types.js'
export type { Comparator, Resolver } from './index-store/resolve.js'
export type { Difference } from './index-store/verify.js'
