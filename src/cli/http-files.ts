/**
 * `/files/*`: the winning file's content with HTTP caching and ranges (`ETag` from the winning
 * drive's key and the record's seq, `If-None-Match` -> 304, `Range` -> 206/416), or with
 * `?drive=KEY` one candidate's own version (a losing side of a conflict), and, on a writable
 * server, `PUT` and `DELETE`.
 */
import { basename } from 'node:path'
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type Hyperdrive from 'hyperdrive'
import { contentType } from 'mime-types'
import { MultiDriveError } from '../index.js'
import { CliError } from './cli-error.js'
import { ensureLocal, resolveFile } from './content.js'
import type { HttpContext } from './http.js'
import { parseDriveKey } from './names.js'

/** Files up to this size are read whole and sent as one buffer: a stream costs more than it saves. */
const BUFFERED_MAX_BYTES = 1024 * 1024

/** A byte range, inclusive, as `createReadStream({ start, end })` takes it. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * The range a `Range` header asks for in a body of `size` bytes: null to send it whole (no
 * header, another unit, several ranges), or ERANGE (416) when it cannot be satisfied.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null
  const spec = /^\s*bytes\s*=\s*(.*)$/i.exec(header)?.[1]
  if (spec === undefined || spec.includes(',')) return null
  const match = /^(\d*)-(\d*)$/.exec(spec.trim())
  const unsatisfiable = () => new CliError('ERANGE', `range '${header}' does not fit ${size} bytes`)
  if (!match || (match[1] === '' && match[2] === '')) throw unsatisfiable()
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) throw unsatisfiable()
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size || (match[2] !== '' && Number(match[2]) < start)) throw unsatisfiable()
  return { start, end }
}

/** What `/files/*` sends: the winning file, or with `?drive=KEY` that drive's own record. */
interface FileToSend {
  path: string
  /** The drive whose record it is, and that record's seq: the ETag. */
  drive: string
  seq: number
  size: number
  /** The record's stamp time in ms (0: unstamped). */
  mtimeMs: number
  /** Resolves once the bytes are here (fetched from peers for a while), or fails EUNAVAILABLE. */
  ensureLocal(): Promise<void>
  /** The whole content (small files). */
  read(): Promise<Buffer>
  stream(range: ByteRange | null): Readable
}

async function winningFile(ctx: HttpContext, path: string): Promise<FileToSend> {
  const multi = ctx.workspace.multi
  const file = await resolveFile(multi, path)
  return {
    path: file.path,
    drive: file.entry.drive,
    seq: file.entry.seq,
    size: file.stat.size,
    mtimeMs: file.stat.mtime.getTime(),
    ensureLocal: () => ensureLocal(multi, file.entry, ctx.fetchWaitMs),
    // By the entry, not its path: the bytes are the record the headers describe, even if another
    // record won while they were fetched.
    read: async () => (await multi.get(file.entry)) ?? Buffer.alloc(0),
    stream: (range) => multi.createReadStream(file.entry, range ?? {})
  }
}

/**
 * One candidate's version of a path (`?drive=KEY`): that drive's own file record, even when another
 * drive wins, so a losing version of a conflict can be read. Symlinks are not followed (a candidate
 * is a record); a drive whose record there is not a file is ENOENT.
 */
async function candidateFile(ctx: HttpContext, path: string, key: string): Promise<FileToSend> {
  const multi = ctx.workspace.multi
  const hex = parseDriveKey(key)
  const drive = multi.hasDrive(hex)
  if (drive === undefined) throw MultiDriveError.EUNKNOWNDRIVE(hex, 'is not merged here')
  const { candidates } = await multi.whoWins(path)
  const candidate = candidates.find((c) => c.drive === hex)
  const entry = candidate?.kind === 'file' ? await recordOf(drive, path, ctx.fetchWaitMs) : null
  if (entry?.value.blob == null) {
    throw new MultiDriveError('ENOENT', `drive ${hex.slice(0, 8)}… has no file at '${path}'`, { path })
  }
  return {
    path: entry.key,
    drive: hex,
    seq: entry.seq,
    size: entry.value.blob.byteLength,
    mtimeMs: candidate?.t ?? 0,
    ensureLocal: () => ensureLocal(drive, { key: entry.key, drive: hex }, ctx.fetchWaitMs),
    // By the entry, not its path: the bytes are this record's even if the drive moved on since.
    read: async () => (await drive.get(entry)) ?? Buffer.alloc(0),
    stream: (range) => drive.createReadStream(entry, range ?? {})
  }
}

/** A drive's entry at a path, waiting for a peer at most `waitMs` (a replica's tree may lack it). */
async function recordOf(drive: Hyperdrive, path: string, waitMs: number): Promise<Hyperdrive.Entry | null> {
  try {
    return await drive.entry(path, waitMs > 0 ? { timeout: waitMs } : { wait: false })
  } catch (err) {
    const hex = drive.key.toString('hex')
    throw MultiDriveError.EUNAVAILABLE(hex, `no peer sent its record at '${path}'`, err)
  }
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t === etag || t === `W/${etag}`
  })
}

async function sendFile(ctx: HttpContext, request: FastifyRequest, reply: FastifyReply, head: boolean) {
  const path = ctx.pathOf(request, '/files')
  const { drive } = request.query as { drive?: unknown }
  const file = typeof drive === 'string' ? await candidateFile(ctx, path, drive) : await winningFile(ctx, path)
  const size = file.size
  const etag = `"${file.drive}.${file.seq}"`
  reply
    .header('ETag', etag)
    .header('Accept-Ranges', 'bytes')
    .header('Cache-Control', 'no-cache')
    .header('X-Content-Type-Options', 'nosniff')
    // Drive content is whoever-wrote-it's: never let it run as this origin (where the API is).
    .header('Content-Security-Policy', 'sandbox')
    .header('Content-Type', contentType(basename(file.path)) || 'application/octet-stream')
  if (file.mtimeMs > 0) reply.header('Last-Modified', new Date(file.mtimeMs).toUTCString())
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send()

  const ifRange = request.headers['if-range']
  let range: ByteRange | null = null
  if (ifRange === undefined || ifRange === etag) {
    try {
      range = parseRange(request.headers.range, size)
    } catch (err) {
      reply.header('Content-Range', `bytes */${size}`)
      throw err
    }
  }
  await file.ensureLocal()
  if (range !== null) {
    reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
  }
  const length = range === null ? size : range.end - range.start + 1
  reply.header('Content-Length', length)
  if (head || length === 0) return reply.send()
  if (size <= BUFFERED_MAX_BYTES) {
    const whole = await file.read()
    return reply.send(range === null ? whole : whole.subarray(range.start, range.end + 1))
  }
  return reply.send(file.stream(range))
}

export function registerFileRoutes(app: FastifyInstance, ctx: HttpContext): void {
  for (const url of ['/files', '/files/*']) {
    app.get(url, { exposeHeadRoute: false }, (request, reply) => sendFile(ctx, request, reply, false))
    app.head(url, (request, reply) => sendFile(ctx, request, reply, true))
    app.put(url, { onRequest: ctx.requireWrite }, async (request, reply) => {
      const path = ctx.pathOf(request, '/files')
      const body = request.body
      const data = Buffer.isBuffer(body) ? body : Buffer.alloc(0)
      const existed = await ctx.workspace.multi.exists(path)
      const stat = await ctx.ops.put(path, data)
      return reply.code(existed ? 200 : 201).send(stat)
    })
    app.delete(url, { onRequest: ctx.requireWrite }, async (request, reply) => {
      const query = request.query as { recursive?: string }
      const recursive = query.recursive === 'true' || query.recursive === '1'
      await ctx.ops.rm(ctx.pathOf(request, '/files'), { recursive })
      return reply.code(204).send()
    })
  }
}
