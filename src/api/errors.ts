/**
 * Errors thrown on purpose carry a stable `code`: the code is the contract, the message may change.
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

export class MultiDriveError extends Error {
  readonly code: MultiDriveErrorCode
  /** The path the operation was about, when there is one. */
  readonly path: string | undefined

  constructor(code: MultiDriveErrorCode, message: string, opts: { path?: string; cause?: unknown } = {}) {
    super(`${code}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'MultiDriveError'
    this.code = code
    this.path = opts.path
  }

  static ENOENT(path: string): MultiDriveError {
    return new MultiDriveError('ENOENT', `no such file or directory, '${path}'`, { path })
  }

  static EEXIST(path: string): MultiDriveError {
    return new MultiDriveError('EEXIST', `file already exists, '${path}'`, { path })
  }

  static EISDIR(path: string): MultiDriveError {
    return new MultiDriveError('EISDIR', `illegal operation on a directory, '${path}'`, { path })
  }

  static ENOTDIR(path: string): MultiDriveError {
    return new MultiDriveError('ENOTDIR', `not a directory, '${path}'`, { path })
  }

  static ENOTEMPTY(path: string): MultiDriveError {
    return new MultiDriveError('ENOTEMPTY', `directory not empty, '${path}'`, { path })
  }

  static EROFS(): MultiDriveError {
    return new MultiDriveError('EROFS', 'no writable drive: add one with addDrive() or pass { writer }')
  }

  static EINVAL(message: string, path?: string): MultiDriveError {
    return new MultiDriveError('EINVAL', message, path === undefined ? {} : { path })
  }

  static EBADF(fd: unknown): MultiDriveError {
    return new MultiDriveError('EBADF', `bad file descriptor: ${String(fd)}`)
  }

  static ECLOSED(): MultiDriveError {
    return new MultiDriveError('ECLOSED', 'the MultiDrive is closed')
  }

  static EUNKNOWNDRIVE(key: string, why: string): MultiDriveError {
    return new MultiDriveError('EUNKNOWNDRIVE', `drive ${key}: ${why}`)
  }
}
