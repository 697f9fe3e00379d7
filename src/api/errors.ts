/**
 * Errors thrown on purpose carry a stable `code`: the code is the contract, the message may change.
 * Every error is built by a static factory (`throw MultiDriveError.ENOENT(path)`), as hypercore-errors
 * does, and its stack starts where it was thrown, not inside the factory.
 */
export type MultiDriveErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ENOTEMPTY'
  | 'EROFS'
  | 'EINVAL'
  | 'EBADF'
  | 'ECLOSED'
  | 'EUNKNOWNDRIVE'
  | 'EUNAVAILABLE'
  | 'EBUSY'

interface ErrorOptions {
  path?: string | undefined
  cause?: unknown
}

// biome-ignore lint/complexity/noBannedTypes: any factory function is a valid stack boundary.
type StackBoundary = Function

export class MultiDriveError extends Error {
  readonly code: MultiDriveErrorCode
  /** The path the operation was about, when there is one. */
  readonly path: string | undefined

  constructor(code: MultiDriveErrorCode, message: string, opts: ErrorOptions = {}, boundary?: StackBoundary) {
    super(`${code}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'MultiDriveError'
    this.code = code
    this.path = opts.path
    Error.captureStackTrace?.(this, boundary ?? MultiDriveError)
  }

  static ENOENT(path: string): MultiDriveError {
    return new MultiDriveError('ENOENT', `no such file or directory, '${path}'`, { path }, MultiDriveError.ENOENT)
  }

  /**
   * Content that is not available locally and could not be fetched: `wait: false`, a `timeout`,
   * the drive closing, or the MultiDrive closing while the read waited. The path exists.
   */
  static EUNAVAILABLE(drive: string | null, why: string, cause?: unknown): MultiDriveError {
    const what = drive === null ? 'content' : `content of drive ${drive}`
    const message = `${what} is not available locally and could not be fetched: ${why}`
    return new MultiDriveError('EUNAVAILABLE', message, { cause }, MultiDriveError.EUNAVAILABLE)
  }

  /** The index directory is in use (another MultiDrive, here or in another process, holds its lock). */
  static EBUSY(dir: string, cause?: unknown): MultiDriveError {
    const message = `the index directory '${dir}' is in use by another MultiDrive (its lock is held)`
    return new MultiDriveError('EBUSY', message, { path: dir, cause }, MultiDriveError.EBUSY)
  }

  static EEXIST(path: string): MultiDriveError {
    return new MultiDriveError('EEXIST', `file already exists, '${path}'`, { path }, MultiDriveError.EEXIST)
  }

  static EISDIR(path: string): MultiDriveError {
    return new MultiDriveError(
      'EISDIR',
      `illegal operation on a directory, '${path}'`,
      { path },
      MultiDriveError.EISDIR
    )
  }

  static ENOTDIR(path: string): MultiDriveError {
    return new MultiDriveError('ENOTDIR', `not a directory, '${path}'`, { path }, MultiDriveError.ENOTDIR)
  }

  static ENOTEMPTY(path: string): MultiDriveError {
    return new MultiDriveError('ENOTEMPTY', `directory not empty, '${path}'`, { path }, MultiDriveError.ENOTEMPTY)
  }

  static EROFS(): MultiDriveError {
    const message = 'no writable drive: add one with addDrive() or pass { writer }'
    return new MultiDriveError('EROFS', message, {}, MultiDriveError.EROFS)
  }

  static EINVAL(message: string, path?: string, cause?: unknown): MultiDriveError {
    return new MultiDriveError('EINVAL', message, { path, cause }, MultiDriveError.EINVAL)
  }

  static EBADF(fd: unknown): MultiDriveError {
    return new MultiDriveError('EBADF', `bad file descriptor: ${String(fd)}`, {}, MultiDriveError.EBADF)
  }

  static ECLOSED(): MultiDriveError {
    return new MultiDriveError('ECLOSED', 'the MultiDrive is closed', {}, MultiDriveError.ECLOSED)
  }

  static EUNKNOWNDRIVE(key: string, why: string): MultiDriveError {
    return new MultiDriveError('EUNKNOWNDRIVE', `drive ${key}: ${why}`, {}, MultiDriveError.EUNKNOWNDRIVE)
  }
}

/** Hypercore's errors for a block that did not come: no peer had it in time, or its session closed. */
const UNAVAILABLE_CODES = new Set([
  'BLOCK_NOT_AVAILABLE',
  'REQUEST_TIMEOUT',
  'REQUEST_CANCELLED',
  'SESSION_CLOSED',
  'SNAPSHOT_NOT_AVAILABLE'
])

/** A content read's failure as the caller sees it: a block that did not come is EUNAVAILABLE. */
export function unavailable(drive: string | null, err: unknown): unknown {
  if (err instanceof MultiDriveError) return err
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
    return MultiDriveError.EUNAVAILABLE(drive, (err as Error).message, err)
  }
  return err
}

/** An index directory that failed to open: EBUSY when another MultiDrive holds its lock. */
export function indexOpenError(dir: string, err: unknown): unknown {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause
  return cause?.code === 'LEVEL_LOCKED' ? MultiDriveError.EBUSY(dir, err) : err
}
