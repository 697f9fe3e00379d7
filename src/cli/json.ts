/**
 * The JSON of the merged view, shared by the command's `--json` output and the HTTP API: one
 * function per shape (declared in ./json-shapes.ts), so both always agree.
 */
import type { DriveStats, MergedChange, MergedEntry, Stat } from '../index.js'
import type { ChangeJson, DriveJson, EntryJson, EntryType, StatJson } from './json-shapes.js'

function typeOf(stat: Stat): EntryType {
  return stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'file'
}

export function statJson(path: string, stat: Stat): StatJson {
  return {
    path,
    type: typeOf(stat),
    size: stat.size,
    mode: stat.mode,
    executable: stat.isFile() && (stat.mode & 0o111) !== 0,
    mtime: stat.mtime.toISOString(),
    mtimeMs: stat.mtime.getTime(),
    linkname: stat.linkname,
    metadata: stat.metadata ?? null,
    drive: stat.driveKey,
    mount: stat.mount?.key ?? null
  }
}

export function entryJson(entry: MergedEntry | null): EntryJson | null {
  if (entry === null) return null
  const { value } = entry
  return {
    path: entry.key,
    // The change stream carries mkdir markers as entries with neither blob nor link.
    type: value.linkname ? 'symlink' : value.blob === null ? 'directory' : 'file',
    size: value.blob?.byteLength ?? 0,
    executable: value.executable,
    linkname: value.linkname,
    metadata: value.metadata ?? null,
    drive: entry.drive,
    seq: entry.seq
  }
}

export function changeJson(change: MergedChange): ChangeJson {
  return { path: change.path, type: change.type, before: entryJson(change.before), after: entryJson(change.after) }
}

export function driveJson(
  key: string,
  stats: DriveStats | undefined,
  opts: { writer: boolean; peers: number }
): DriveJson {
  const indexed = stats?.indexed ?? 0
  const length = stats?.length ?? null
  return {
    key,
    writer: opts.writer,
    state: stats?.state ?? null,
    indexed,
    length,
    progress: length === null ? null : length === 0 ? 1 : Math.min(1, indexed / length),
    peers: opts.peers,
    lastError: stats?.lastError ?? null,
    stuck: stats?.stuck ?? null
  }
}
