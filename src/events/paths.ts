/** Paths as Hyperdrive normalises them, so a multidrive path and a drive key always agree. */
import Hyperdrive from 'hyperdrive'
import type { DrivePath } from './types.js'

export const ROOT_PATH = '/' as DrivePath

/**
 * The longest path (UTF-8 bytes) and the deepest (components) multidrive writes or indexes, as
 * Linux's PATH_MAX. Every ancestor of a path has a row in the index, so a path costs index space
 * in proportion to its length times its depth: these bound what one remote record can cost.
 */
export const MAX_PATH_BYTES = 4096
export const MAX_PATH_DEPTH = 256

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

/** Whether a path is a folder or lies under it (everything lies under the root). */
export function isUnder(folder: string, path: string): boolean {
  return folder === ROOT_PATH || path === folder || path.startsWith(`${folder}/`)
}

/** How many components a path has (the root: 0). */
export function depthOf(path: string): number {
  if (path === ROOT_PATH) return 0
  let depth = 0
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++
  return depth
}

/** Why a normalised path is past the limits, or null when it is within them. */
export function pathTooLarge(path: string): string | null {
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `longer than ${MAX_PATH_BYTES} bytes`
  return depthOf(path) > MAX_PATH_DEPTH ? `deeper than ${MAX_PATH_DEPTH} components` : null
}

/**
 * Why a key read from a drive is no record path (remote drives may hold anything), or null for a
 * normalised non-root path within the limits.
 */
export function recordPathProblem(path: string): string | null {
  if (path === ROOT_PATH || normalizePath(path) !== path) return 'not a normalised UTF-8 path'
  return pathTooLarge(path)
}
