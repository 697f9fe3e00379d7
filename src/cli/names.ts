/**
 * How the command names things: merged-view paths, drive keys and hosts. Kept free of the library so
 * that commands answered by a running `serve` start without loading it.
 */
import { posix } from 'node:path'
import * as id from 'hypercore-id-encoding'
import { CliError } from './cli-error.js'

/** A path as the merged view names it: absolute, `..` and `.` resolved. */
export function absolute(path: string): string {
  return posix.resolve('/', path)
}

/** A drive key in hex or z-base-32, as lowercase hex; EINVAL for anything else. */
export function parseDriveKey(input: string): string {
  try {
    return id.decode(input.trim()).toString('hex')
  } catch (err) {
    throw new CliError('EINVAL', `not a drive key (64 hex characters or z-base-32): '${input}'`, { cause: err })
  }
}

/** Whether a host name or address is this machine's loopback. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
