/**
 * How records live inside a drive's `drive.db`: files and symlinks are ordinary Hyperdrive entries
 * (stamp inside `metadata`), tombstones and directory markers have subs of their own (stamp as the
 * value). The only owner of that format: actors decode with this module, writes encode with it.
 */
import SubEncoder from 'sub-encoder'
import { recordPathProblem } from './paths.js'
import type { BlobId, DriveKey, DrivePath, DriveRecord, RecordKind, RecordOp, RecordSub, Stamp } from './types.js'

/** The reserved metadata key that carries a file's stamp. */
export const STAMP_KEY = 'multidrive:stamp'

/**
 * The most user metadata (as JSON) a file carries: it is copied into the index with the record.
 * Writes over it are EINVAL; a remote entry's larger metadata is dropped (with a warning).
 */
export const MAX_METADATA_BYTES = 64 * 1024

/** Key encodings of the three subs, as Hyperdrive encodes its own `files` sub. */
export const SUB_ENCODERS: Record<RecordSub, SubEncoder> = {
  files: new SubEncoder('files', 'utf-8'),
  tombstones: new SubEncoder('tombstones', 'utf-8'),
  dirs: new SubEncoder('dirs', 'utf-8'),
  mounts: new SubEncoder('mounts', 'utf-8')
}

/** Kinds that make a path a directory: a directory marker, a mount point. */
export function isDirectoryKind(kind: RecordKind | undefined): boolean {
  return kind === 'dir' || kind === 'mount'
}

export const RECORD_SUBS = Object.keys(SUB_ENCODERS) as RecordSub[]

const PREFIXES = RECORD_SUBS.map((sub) => ({ sub, prefix: SUB_ENCODERS[sub].prefix as Buffer }))

export const UNSTAMPED: Stamp = Object.freeze({ t: 0, clock: Object.freeze({}) }) as Stamp

/** Called with a reason when a remote drive holds data we cannot decode (never throws). */
export type Warn = (message: string) => void

/** Which sub a raw `drive.db` key belongs to, and its path; `null` for keys that are not records. */
export function decodeKey(raw: Buffer): { sub: RecordSub; path: DrivePath } | null {
  for (const { sub, prefix } of PREFIXES) {
    if (raw.length > prefix.length && raw.compare(prefix, 0, prefix.length, 0, prefix.length) === 0) {
      const path = raw.toString('utf-8', prefix.length)
      // Bytes that are not UTF-8 would all decode to U+FFFD and collide: such keys are no paths.
      if (!Buffer.from(path).equals(raw.subarray(prefix.length))) return { sub, path: INVALID_PATH }
      return { sub, path: path as DrivePath }
    }
  }
  return null
}

/** What `decodeKey` gives for a record key that is not UTF-8 (never a valid record path). */
const INVALID_PATH = '\u0000' as DrivePath

const HEX_KEY = /^[0-9a-f]{64}$/
/** What a clock may name: a drive (hex key), or a drive mounted at a path (`key@/path`). */
const SOURCE_ID = /^[0-9a-f]{64}(@\/[^\0]*)?$/

/** A stamp as written by a (possibly malicious or buggy) remote writer, or `null` if malformed. */
export function parseStamp(value: unknown): Stamp | null {
  if (value === null || typeof value !== 'object') return null
  const { t, clock } = value as { t?: unknown; clock?: unknown }
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) return null
  if (clock === null || typeof clock !== 'object' || Array.isArray(clock)) return null
  const parsed: Record<string, number> = {}
  for (const [drive, seq] of Object.entries(clock)) {
    if (!SOURCE_ID.test(drive) || !Number.isSafeInteger(seq) || (seq as number) < 0) return null
    parsed[drive] = seq as number
  }
  return { t, clock: parsed }
}

/** Any object but an array: what a decoded value must be to have fields (its prototype aside). */
function isObjectMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isBlobId(value: unknown): value is BlobId {
  if (!isObjectMap(value)) return false
  return (
    Number.isSafeInteger(value.byteOffset) &&
    Number.isSafeInteger(value.blockOffset) &&
    Number.isSafeInteger(value.blockLength) &&
    Number.isSafeInteger(value.byteLength)
  )
}

/** Splits an entry's metadata into the user's part and our stamp. */
export function splitMetadata(metadata: unknown): { user: unknown; stamp: unknown } {
  if (!isObjectMap(metadata) || !(STAMP_KEY in metadata)) return { user: metadata ?? null, stamp: undefined }
  const { [STAMP_KEY]: stamp, ...user } = metadata
  return { user: Object.keys(user).length === 0 ? null : user, stamp }
}

/** Metadata to store with a file: the user's keys plus the stamp under the reserved key. */
export function stampMetadata(user: Record<string, unknown> | null, stamp: Stamp): Record<string, unknown> {
  return { ...user, [STAMP_KEY]: stamp }
}

/** One node of a drive's `drive.db` as Hyperbee appends it: its key and value bytes (null: no record). */
export interface RawNode {
  key: Buffer
  value: Buffer | null
}

/** What a file or symlink record carries besides its path and stamp. */
export interface FileFields {
  executable?: boolean
  /** The user's metadata (never the stamp). */
  metadata: Record<string, unknown> | null
}

/** A record of one sub at a path, as the bytes Hyperdrive itself writes (`drive.db` encodes values as JSON). */
function node(sub: RecordSub, path: DrivePath, value: unknown): RawNode {
  return { key: SUB_ENCODERS[sub].encode(path), value: Buffer.from(JSON.stringify(value)) }
}

/** A file entry over content in the writer's blobs, as Hyperdrive's `putEntry` writes it. */
export function fileNode(path: DrivePath, blob: BlobId | null, fields: FileFields, stamp: Stamp): RawNode {
  const executable = fields.executable === true
  return node('files', path, { executable, linkname: null, blob, metadata: stampMetadata(fields.metadata, stamp) })
}

/** A symlink, as Hyperdrive's `symlink` writes it. */
export function symlinkNode(
  path: DrivePath,
  target: string,
  metadata: Record<string, unknown> | null,
  stamp: Stamp
): RawNode {
  return node('files', path, {
    executable: false,
    linkname: target,
    blob: null,
    metadata: stampMetadata(metadata, stamp)
  })
}

/** A tombstone or directory marker: its stamp is its value (never a `blob` field: Hyperdrive reads those). */
export function markerNode(sub: 'tombstones' | 'dirs', path: DrivePath, stamp: Stamp): RawNode {
  return node(sub, path, { t: stamp.t, clock: stamp.clock })
}

/** A mount: the drive (hex key) whose tree shows at the path, and the stamp. */
export function mountNode(path: DrivePath, key: string, stamp: Stamp): RawNode {
  return node('mounts', path, { key, t: stamp.t, clock: stamp.clock })
}

/** The removal of the drive's own record of one sub at a path. */
export function deletionNode(sub: RecordSub, path: DrivePath): RawNode {
  return { key: SUB_ENCODERS[sub].encode(path), value: null }
}

/**
 * Decodes one `drive.db` node into a record. Malformed stamps or values from a remote drive make
 * an unstamped record (and a warning), never an exception.
 */
export function decodeRecord(
  drive: DriveKey,
  sub: RecordSub,
  path: DrivePath,
  seq: number,
  value: unknown,
  warn: Warn,
  /** The value's size as stored: only a value this large can carry too much metadata. */
  bytes = 0
): DriveRecord {
  if (sub !== 'files') {
    const stamp = parseStamp(value)
    if (stamp === null)
      warn(`drive ${drive} has a malformed ${sub} value at ${path} (seq ${seq}); treated as unstamped`)
    if (sub !== 'mounts') {
      return { drive, sub, path, seq, kind: sub === 'dirs' ? 'dir' : 'tombstone', stamp: stamp ?? UNSTAMPED }
    }
    const key = isObjectMap(value) && typeof value.key === 'string' && HEX_KEY.test(value.key) ? value.key : null
    if (key === null) warn(`drive ${drive} has a mount at ${path} (seq ${seq}) with no drive key; nothing is mounted`)
    return { drive, sub, path, seq, kind: 'mount', stamp: stamp ?? UNSTAMPED, mount: key }
  }
  const entry = isObjectMap(value) ? value : {}
  const split = splitMetadata(entry.metadata)
  const { stamp: rawStamp } = split
  let { user } = split
  if (bytes > MAX_METADATA_BYTES && Buffer.byteLength(JSON.stringify(user) ?? '') > MAX_METADATA_BYTES) {
    warn(`drive ${drive} has more than ${MAX_METADATA_BYTES} bytes of metadata at ${path} (seq ${seq}); dropped`)
    user = null
  }
  let stamp = UNSTAMPED
  if (rawStamp !== undefined) {
    const parsed = parseStamp(rawStamp)
    if (parsed === null) warn(`drive ${drive} has a malformed stamp at ${path} (seq ${seq}); treated as unstamped`)
    else stamp = parsed
  }
  const linkname = typeof entry.linkname === 'string' ? entry.linkname : null
  return {
    drive,
    sub,
    path,
    seq,
    kind: linkname !== null ? 'symlink' : 'file',
    stamp,
    executable: entry.executable === true,
    linkname,
    blob: isBlobId(entry.blob) ? entry.blob : null,
    metadata: user
  }
}

function parseValue(raw: Buffer, warn: Warn, where: string): unknown {
  try {
    return JSON.parse(raw.toString('utf-8'))
  } catch {
    warn(`${where} does not decode as JSON; treated as empty`)
    return null
  }
}

/**
 * One `drive.db` node (its raw key and value) as a record op, the same for every reader: null for
 * keys that are no records (other subs, or paths that are not valid: skipped with a warning). A
 * node without a value states no record: Hyperbee writes a deletion and a put of null alike.
 * A mounted drive's records show under its mount point: `prefix` goes in front of their paths.
 */
export function decodeNode(
  drive: DriveKey,
  seq: number,
  key: Buffer,
  value: Buffer | null,
  warn: Warn,
  prefix: DrivePath | null = null
): RecordOp | null {
  const at = decodeKey(key)
  if (at === null) return null
  const own = recordPathProblem(at.path)
  const path = (own === null && prefix !== null ? `${prefix}${at.path}` : at.path) as DrivePath
  const problem = own ?? recordPathProblem(path)
  if (problem !== null) {
    warn(`drive ${drive} has a record at a path that is ${problem}; skipped`)
    return null
  }
  if (value === null) return { op: 'del', sub: at.sub, path, seq }
  const parsed = parseValue(value, warn, `drive ${drive} seq ${seq}`)
  return { op: 'put', record: decodeRecord(drive, at.sub, path, seq, parsed, warn, value.length) }
}
