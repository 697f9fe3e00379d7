/** How the read commands print their results as text (`--json` prints the JSON shapes as they are). */
import type { CandidateJson, ConflictsJson, DrivesJson, LsJson, StatJson, WhoJson } from './json-shapes.js'

const TYPE_CHAR = { file: '-', directory: 'd', symlink: 'l' } as const

function short(key: string | null): string {
  return key === null ? '-' : key.slice(0, 8)
}

export function formatLs(listing: LsJson, long: boolean): string {
  if (!long) return listing.map((e) => e.name).join('\n')
  const width = Math.max(1, ...listing.map((e) => String(e.size).length))
  return listing
    .map((e) => {
      const link = e.linkname === null ? '' : ` -> ${e.linkname}`
      return `${TYPE_CHAR[e.type]} ${String(e.size).padStart(width)} ${e.mtime} ${short(e.drive)} ${e.name}${link}`
    })
    .join('\n')
}

export function formatStat(stat: StatJson): string {
  const lines = [
    `path: ${stat.path}`,
    `type: ${stat.type}`,
    `size: ${stat.size}`,
    `mode: ${stat.mode.toString(8)}`,
    `mtime: ${stat.mtime}`,
    `drive: ${stat.drive ?? '-'}`
  ]
  if (stat.linkname !== null) lines.push(`link: ${stat.linkname}`)
  if (stat.metadata !== null) lines.push(`metadata: ${JSON.stringify(stat.metadata)}`)
  return lines.join('\n')
}

function candidateLine(c: CandidateJson, who: WhoJson): string {
  const marks = [
    who.winner !== null && c.drive === who.winner.drive && c.seq === who.winner.seq ? 'winner' : '',
    who.heads.some((h) => h.drive === c.drive && h.seq === c.seq) ? 'head' : ''
  ].filter(Boolean)
  const t = c.t > 0 ? new Date(c.t).toISOString() : 'unstamped'
  return `  ${c.drive} seq ${c.seq} ${c.kind} ${t}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`
}

export function formatWho(path: string, who: WhoJson): string {
  const w = who.winner
  const head =
    w === null
      ? `${path}: no record`
      : w.kind === 'tombstone'
        ? `${path}: deleted by ${w.drive}`
        : `${path}: ${w.kind} from ${w.drive} (seq ${w.seq})`
  return [head, ...who.candidates.map((c) => candidateLine(c, who)), `conflict: ${who.conflict ? 'yes' : 'no'}`].join(
    '\n'
  )
}

export function formatDrives(drives: DrivesJson): string {
  return drives
    .map((d) => {
      const progress = d.length === null ? `${d.indexed}/?` : `${d.indexed}/${d.length}`
      const error = d.stuck
        ? ` (stuck at seq ${d.stuck.seq}: ${d.stuck.reason})`
        : d.lastError
          ? ` (${d.lastError})`
          : ''
      return `${d.key} ${d.writer ? 'writer' : 'merged'} ${d.state ?? 'stopped'} ${progress} peers ${d.peers}${error}`
    })
    .join('\n')
}

export function formatConflicts(conflicts: ConflictsJson): string {
  return conflicts.join('\n')
}
