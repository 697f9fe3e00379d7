/** Paths as Hyperdrive normalises them, so a multidrive path and a drive key always agree. */
import Hyperdrive from 'hyperdrive'
import type { DrivePath } from './types.js'

export const ROOT_PATH = '/' as DrivePath

/** `a/../b` -> `/b`, `x/` -> `/x`; the root is `/`. `null` for what is not a path (NUL byte, not a string). */
export function normalizePath(input: unknown): DrivePath | null {
  if (typeof input !== 'string' || input.includes('\0')) return null
  try {
    return Hyperdrive.normalizePath(input) as DrivePath
  } catch {
    // Hyperdrive refuses exactly one name: the root.
    return ROOT_PATH
  }
}

/** Whether a key read from a drive is a normalised non-root path (remote drives may hold anything). */
export function isRecordPath(path: string): path is DrivePath {
  return path !== ROOT_PATH && normalizePath(path) === path
}
