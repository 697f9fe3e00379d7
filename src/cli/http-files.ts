/**
 * `/files/*`: the winning file's content with HTTP caching and ranges (`ETag` from the winning
 * drive's key and the record's seq, `If-None-Match` -> 304, `Range` -> 206/416), and, on a
 * writable server, `PUT` and `DELETE`.
 */
import { basename } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { contentType } from 'mime-types'
import { CliError } from './cli-error.js'
import { ensureLocal, type FileContent, resolveFile } from './content.js'
import type { HttpContext } from './http.js'

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

function etagOf(file: FileContent): string {
  return `"${file.entry.drive}.${file.entry.seq}"`
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t === etag || t === `W/${etag}`
  })
}

async function sendFile(ctx: HttpContext, request: FastifyRequest, reply: FastifyReply, head: boolean) {
  const file = await resolveFile(ctx.workspace.multi, ctx.pathOf(request, '/files'))
  const size = file.stat.size
  const etag = etagOf(file)
  reply
    .header('ETag', etag)
    .header('Accept-Ranges', 'bytes')
    .header('Cache-Control', 'no-cache')
    .header('X-Content-Type-Options', 'nosniff')
    // Drive content is whoever-wrote-it's: never let it run as this origin (where the API is).
    .header('Content-Security-Policy', 'sandbox')
    .header('Content-Type', contentType(basename(file.path)) || 'application/octet-stream')
  if (file.stat.mtime.getTime() > 0) reply.header('Last-Modified', file.stat.mtime.toUTCString())
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
  await ensureLocal(ctx.workspace.multi, file.entry, ctx.fetchWaitMs)
  if (range !== null) {
    reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
  }
  const length = range === null ? size : range.end - range.start + 1
  reply.header('Content-Length', length)
  if (head || length === 0) return reply.send()
  const multi = ctx.workspace.multi
  if (size <= BUFFERED_MAX_BYTES) {
    const whole = (await multi.get(file.path)) ?? Buffer.alloc(0)
    return reply.send(range === null ? whole : whole.subarray(range.start, range.end + 1))
  }
  return reply.send(multi.createReadStream(file.path, range ?? {}))
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
