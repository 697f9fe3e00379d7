/**
 * The JSON shapes of the merged view, as the command's `--json` output and the HTTP API send them
 * (docs/http.md documents them). Declarations only, importing nothing: the web explorer, compiled
 * for the browser apart from the server, reads these very types (src/cli/json.ts builds them).
 */

export type EntryType = 'file' | 'directory' | 'symlink'

export interface StatJson {
  path: string
  type: EntryType
  size: number
  /** File type and permission bits, as `fs.Stats#mode`. */
  mode: number
  executable: boolean
  /** The winning record's stamp time (the writer's clock) as ISO 8601, and in ms. */
  mtime: string
  mtimeMs: number
  /** A symlink's target, else null. */
  linkname: string | null
  /** The user's metadata of the winning record. */
  metadata: unknown
  /** Hex key of the drive whose record won (null for a directory that exists through its children). */
  drive: string | null
  /** A mount point's mounted drive (hex key), else null. */
  mount: string | null
}

/** One entry of a directory. */
export interface LsEntryJson extends StatJson {
  name: string
}

/** A directory's entries, sorted by name. */
export type LsJson = LsEntryJson[]

/** A winning record in a change: a file, a symlink, or a directory marker (from mkdir). */
export interface EntryJson {
  path: string
  type: EntryType
  size: number
  executable: boolean
  linkname: string | null
  metadata: unknown
  drive: string
  seq: number
}

export interface ChangeJson {
  path: string
  type: 'put' | 'del' | 'conflict'
  before: EntryJson | null
  after: EntryJson | null
}

/** A drive's statement at a path, as `whoWins` weighs it. */
export interface CandidateJson {
  drive: string
  seq: number
  kind: 'file' | 'symlink' | 'dir' | 'mount' | 'tombstone'
  /** The writer's wall time (ms). */
  t: number
  /** What the writer had seen: hex drive key -> seq. */
  clock: Record<string, number>
}

/** Who wins a path, and against whom (`multi.whoWins`). */
export interface WhoJson {
  /** The winning candidate; a tombstone winner means the path does not exist. */
  winner: CandidateJson | null
  /** Every candidate, sorted by drive key. */
  candidates: CandidateJson[]
  /** The candidates no other candidate dominates (concurrent statements), sorted by drive key. */
  heads: CandidateJson[]
  /** Several heads: concurrent writes the resolver had to break a tie between. */
  conflict: boolean
}

export interface DriveJson {
  key: string
  /** This peer's own writable drive. */
  writer: boolean
  /** The drive actor's lifecycle state (null: none). */
  state: 'opening' | 'catchingUp' | 'live' | 'waitingForPeers' | 'retrying' | 'stuck' | 'closed' | null
  /** Length indexed so far, the drive's known length, and their ratio (null while the length is unknown). */
  indexed: number
  length: number | null
  progress: number | null
  /** Peers connected for this drive. */
  peers: number
  lastError: string | null
  /** Where the drive's log stopped being readable (a block that is not a Hyperbee node), and why. */
  stuck: { seq: number; reason: string } | null
}

/** The merged drives, this peer's writer first. */
export type DrivesJson = DriveJson[]

/** Paths with several heads, sorted. */
export type ConflictsJson = string[]

/** `GET /health`: the service at a glance. */
export interface HealthJson {
  ok: true
  /** This peer's writer (hex key). */
  writer: string
  /** Whether writes are taken (`--writable`). */
  writable: boolean
  /** How many drives are merged. */
  drives: number
  /** Whether the service is on hyperswarm (not `--no-swarm`), and its open connections. */
  swarm: boolean
  connections: number
  /** Clients following `GET /changes`. */
  sseClients: number
  /** Hex drive key -> indexed length (`multi.version`). */
  version: Record<string, number>
}
