/** Paths as callers give them: checked and normalised, symlinks followed, errors coded. */
import { normalizePath, pathTooLarge, ROOT_PATH } from '../events/paths.js'
import type { DrivePath } from '../events/types.js'
import type { IndexView, PathNode } from '../index-store/view.js'
import { MultiDriveError } from './errors.js'

/** A path as the index keys it; EINVAL for what is not a path (and for the root, unless allowed). */
export function toPath(input: unknown, { root = false } = {}): DrivePath {
  const path = normalizePath(input)
  if (path === null) throw MultiDriveError.EINVAL(`invalid path: ${JSON.stringify(input)}`)
  if (path === ROOT_PATH && !root) throw MultiDriveError.EINVAL('the root is not a file', path)
  // What other peers would refuse to index is never written.
  const tooLarge = pathTooLarge(path)
  if (tooLarge !== null) throw MultiDriveError.EINVAL(`path ${tooLarge}`, path.slice(0, 256))
  return path
}

/** The path with its symlinks followed, and what lives there; EINVAL on a loop. */
export function follow(view: IndexView, path: DrivePath): { path: DrivePath; node: PathNode } {
  const followed = view.follow(path)
  if (followed === null) throw MultiDriveError.EINVAL(`too many levels of symbolic links, '${path}'`, path)
  return followed
}
