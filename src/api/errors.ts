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

  /** The winning record's content could not be read from its drive. */
  static contentUnavailable(drive: string, seq: number, path?: string): MultiDriveError {
    const message = `content of drive ${drive} seq ${seq} is not available`
    return new MultiDriveError('ENOENT', message, { path }, MultiDriveError.contentUnavailable)
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
