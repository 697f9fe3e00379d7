/**
 * A file's content in the merged view for the command and the HTTP server: the file a path names
 * once symlinks are followed, and its bytes made local first. Reading bytes a replica lacks waits
 * for a peer, so the command asks for them with a bound: offline (`waitMs` 0) it fails at once,
 * `serve` gives the swarm a while. Both fail with EUNAVAILABLE.
 */
import { type MergedEntry, type MultiDrive, MultiDriveError, type Stat } from '../index.js'

export interface FileContent {
  /** The file itself, symlinks followed. */
  path: string
  entry: MergedEntry
  stat: Stat
}

/** The file at a path (following symlinks): ENOENT if missing, EISDIR for a directory. */
export async function resolveFile(multi: MultiDrive, path: string): Promise<FileContent> {
  const stat = await multi.stat(path)
  if (stat.isDirectory()) throw MultiDriveError.EISDIR(path)
  const entry = await multi.entry(path, { follow: true })
  if (entry === null) throw MultiDriveError.ENOENT(path)
  return { path: entry.key, entry, stat }
}

/** What holds a file's bytes: the merged view (the winner's) or one drive (its own record's). */
export interface ContentSource {
  has(path: string): Promise<boolean>
  download(path: string): { done(): Promise<void>; destroy(): void }
}

/** Resolves once a file's bytes are local: fetched from peers for up to `waitMs` (0: not at all). */
export async function ensureLocal(
  source: ContentSource,
  entry: { key: string; drive: string },
  waitMs: number
): Promise<void> {
  if (await source.has(entry.key)) return
  const where = `the content of '${entry.key}' (drive ${entry.drive.slice(0, 8)}…)`
  if (waitMs <= 0) throw MultiDriveError.EUNAVAILABLE(null, `${where} is not here; 'multidrive serve' fetches it`)
  const download = source.download(entry.key)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(MultiDriveError.EUNAVAILABLE(null, `no peer sent ${where} within ${waitMs} ms`)),
      waitMs
    )
  })
  try {
    await Promise.race([download.done(), late])
  } finally {
    clearTimeout(timer)
    download.destroy()
  }
}
