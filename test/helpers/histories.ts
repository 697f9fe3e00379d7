/**
 * What the random histories of the property tests share: the paths they write, and the writes an
 * honest peer makes through its MultiDrive.
 */
import fc from 'fast-check'
import { type MultiDrive, MultiDriveError } from '../../src/index.js'

/** Files and folders that nest, so that random writes collide (a file over a folder, ...). */
export const PATHS = ['/a', '/b', '/d', '/d/x', '/d/y', '/d/x/z']

export type HonestWrite =
  | { type: 'put'; peer: number; path: string; content: string }
  | { type: 'del'; peer: number; path: string }
  | { type: 'mkdir'; peer: number; path: string }

/** The honest writes, weighted for `fc.oneof`, each by a peer drawn from `peer`. */
export function honestWrites(peer: fc.Arbitrary<number>) {
  const path = fc.constantFrom(...PATHS)
  return [
    {
      weight: 4,
      arbitrary: fc.record({ type: fc.constant('put' as const), peer, path, content: fc.string({ maxLength: 8 }) })
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('del' as const), peer, path }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('mkdir' as const), peer, path }) }
  ]
}

/** Makes an honest write through `multi`. */
export function write(multi: MultiDrive, cmd: HonestWrite): Promise<void> {
  if (cmd.type === 'put') return unlessRefused(multi.put(cmd.path, cmd.content))
  if (cmd.type === 'del') return multi.del(cmd.path)
  return unlessRefused(multi.mkdir(cmd.path))
}

/** A write the merged view refuses (a file over a folder, ...) is part of a random history. */
export async function unlessRefused(op: PromiseLike<void>): Promise<void> {
  try {
    await op
  } catch (err) {
    if (!(err instanceof MultiDriveError) || !['EISDIR', 'ENOTDIR', 'EEXIST'].includes(err.code)) throw err
  }
}
