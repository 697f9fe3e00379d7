/**
 * The options MultiDrive's methods take, as Hyperdrive 13 and `fs/promises` name them. Kept apart
 * from the code that reads them so the published declarations stay free of internals.
 */
import type { BlobId } from '../events/types.js'

/** Inclusive byte offsets, as `createReadStream`'s. */
export interface ByteRange {
  start?: number
  end?: number
}

/** How a read waits for content that is not local: `wait` (default true) and `timeout` in ms (default none). */
export interface WaitOptions {
  wait?: boolean
  timeout?: number
}

/** An entry object, as Hyperdrive's methods take one in place of a path: ours carry their drive. */
export interface EntryLike {
  key: string
  value?: { blob?: BlobId | null } | null
  /** Hex key of the drive the entry is from (MultiDrive's entries have it). */
  drive?: string
}

/** Options of `entry`: `follow` symlinks (as Hyperdrive's); `wait`/`timeout` are accepted (the index is local). */
export interface EntryOptions extends WaitOptions {
  follow?: boolean
}

/** Which paths a listing leaves out, as Hyperdrive's `ignore`: paths (with what is under them) or a test. */
export type Ignore = string | readonly string[] | ((key: string) => boolean)

/** Options of `list`, as Hyperdrive's. */
export interface ListOptions {
  recursive?: boolean
  ignore?: Ignore | null
}

/** Options of a file write. */
export interface FileOptions {
  executable?: boolean
  /** The user's metadata: a plain object (the key `multidrive:stamp` is reserved), or null. */
  metadata?: Record<string, unknown> | null
}
