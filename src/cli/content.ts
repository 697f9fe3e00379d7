/**
 * A file's content in the merged view: the file a path names once symlinks are followed, and
 * whether its bytes are here. Reading bytes a replica lacks waits for a peer forever, so the
 * command checks first: offline it fails at once, `serve` waits a bounded time for the swarm.
 */
import { posix } from 'node:path'
import { type MergedEntry, type MultiDrive, MultiDriveError, type Stat } from '../index.js'
import { CliError } from './cli-error.js'

const MAX_SYMLINK_HOPS = 16

export interface FileContent {
  /** The file itself, symlinks followed. */
  path: string
  entry: MergedEntry
  stat: Stat
}

/** The file at a path (following symlinks): ENOENT if missing, EISDIR for a directory. */
export async function resolveFile(multi: MultiDrive, input: string): Promise<FileContent> {
  let path = input
  for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
    const stat = await multi.lstat(path)
    if (stat.isDirectory()) throw MultiDriveError.EISDIR(path)
    if (!stat.isSymbolicLink()) {
      const entry = await multi.entry(path)
      if (entry === null) throw MultiDriveError.ENOENT(path)
      return { path: entry.key, entry, stat }
    }
    path = posix.resolve(posix.dirname(posix.resolve('/', path)), stat.linkname ?? '')
  }
  throw MultiDriveError.EINVAL(`too many levels of symbolic links, '${input}'`, input)
}

/**
 * Resolves once a file entry's bytes are stored locally. `waitMs` 0: fail at once if they are not;
 * otherwise fetch them from peers for up to `waitMs` (EUNAVAILABLE after that).
 */
export async function ensureLocal(multi: MultiDrive, entry: MergedEntry, waitMs: number): Promise<void> {
  const blob = entry.value.blob
  if (!blob || blob.blockLength === 0) return
  const drive = multi.hasDrive(entry.drive)
  if (drive === undefined) throw MultiDriveError.EUNKNOWNDRIVE(entry.drive, 'is not merged here')
  const blobs = drive.blobs ?? (await drive.getBlobs())
  const range = { start: blob.blockOffset, end: blob.blockOffset + blob.blockLength }
  if (await blobs.core.has(range.start, range.end)) return
  const where = `'${entry.key}' (drive ${entry.drive.slice(0, 8)}…)`
  if (waitMs <= 0) {
    throw new CliError('EUNAVAILABLE', `the content of ${where} is not downloaded here; 'multidrive serve' fetches it`)
  }
  const download = blobs.core.download(range)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError('EUNAVAILABLE', `no peer sent the content of ${where} within ${waitMs} ms`)),
      waitMs
    )
  })
  try {
    await Promise.race([download.done(), timeout])
  } finally {
    clearTimeout(timer)
    download.destroy()
  }
}
