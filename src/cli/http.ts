/**
 * `serve`'s HTTP API (docs/http.md is its reference): JSON reads of the merged view, file content,
 * the change stream, and (with `--writable`) writes guarded by a bearer token. Errors are always
 * `{ "error": { "code", "message" } }`. Paths come from the raw URL, one decoded segment at a
 * time, so no spelling of `..`, `/`, `\` or NUL in a segment gets past them.
 *
 * `/` is the web explorer (http-explorer.ts): a page of this origin that uses only these routes.
 * Every response says `X-Content-Type-Options: nosniff`.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { MultiDriveError } from '../index.js'
import { bearerMatches } from './auth.js'
import { CliError, messageText } from './cli-error.js'
import { registerExplorerRoutes } from './http-explorer.js'
import { registerFileRoutes } from './http-files.js'
import type { HealthJson } from './json-shapes.js'
import { isLoopback } from './names.js'
import type { LocalOperations } from './operations.js'
import { type ChangeLog, ChangeStreams } from './sse.js'
import type { Workspace } from './workspace.js'

/** The largest body `PUT /files/*` accepts. */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024

export interface HttpOptions {
  workspace: Workspace
  ops: LocalOperations
  changes: ChangeLog
  /** Accept writes (with the token). */
  writable: boolean
  token: string | null
  /** How long reading content this peer lacks may wait for peers. */
  fetchWaitMs: number
  /** The network's state, for `/health`. */
  network: () => { swarm: boolean; connections: number }
  /** The address the server listens on. */
  host: string
}

/** What route handlers share. */
export interface HttpContext {
  workspace: Workspace
  ops: LocalOperations
  fetchWaitMs: number
  /** The merged-view path after a route prefix; EINVAL for traversal and undecodable input. */
  pathOf(request: FastifyRequest, prefix: string): string
  /** An onRequest hook (before any body is read): 405 when writes are off, 401 without the right token. */
  requireWrite(request: FastifyRequest, reply: FastifyReply): Promise<void>
}

const STATUS: Record<string, number> = {
  ENOENT: 404,
  EUNKNOWNDRIVE: 404,
  EINVAL: 400,
  EISDIR: 400,
  ENOTDIR: 400,
  EEXIST: 409,
  ENOTEMPTY: 409,
  EUNAUTHORIZED: 401,
  EROFS: 405,
  EMETHOD: 405,
  ETOOLARGE: 413,
  ERANGE: 416,
  ECLOSED: 503,
  EUNAVAILABLE: 504
}

/** Route prefixes with the methods each allows (for 405 answers). */
const ROUTES: Record<string, string> = {
  '/files': 'GET, HEAD, PUT, DELETE',
  '/dirs': 'PUT',
  '/stat': 'GET, HEAD',
  '/ls': 'GET, HEAD',
  '/who': 'GET, HEAD',
  '/conflicts': 'GET, HEAD',
  '/drives': 'GET, HEAD, POST, DELETE',
  '/health': 'GET, HEAD',
  '/changes': 'GET',
  '/auth': 'GET, HEAD',
  '/explorer': 'GET, HEAD'
}

/** The merged-view path in a raw URL after `prefix`, checked segment by segment. */
export function pathFromUrl(rawUrl: string, prefix: string): string {
  const pathname = (rawUrl.split('?')[0] ?? '').slice(prefix.length)
  const names: string[] = []
  for (const segment of pathname.split('/')) {
    if (segment === '') continue
    let name: string
    try {
      name = decodeURIComponent(segment)
    } catch (err) {
      throw new MultiDriveError('EINVAL', `undecodable path segment '${segment}'`, { cause: err })
    }
    if (name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      throw new MultiDriveError('EINVAL', `path segment '${segment}' is not allowed (no '.', '..', '/', '\\' or NUL)`)
    }
    names.push(name)
  }
  return `/${names.join('/')}`
}

function errorBody(code: string, message: string) {
  return { error: { code, message: messageText(code, message) } }
}

/**
 * A server on loopback answers only requests addressed to loopback: a web page that points a name
 * of its own at 127.0.0.1 (DNS rebinding) would otherwise read the merged drive from a browser.
 */
function addressedToUs(bind: string, header: string | undefined): boolean {
  if (!isLoopback(bind)) return true
  const name = header?.startsWith('[') ? header.slice(1, header.indexOf(']')) : header?.split(':')[0]
  return name !== undefined && isLoopback(name)
}

function toHttpError(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof MultiDriveError || err instanceof CliError) {
    return { status: STATUS[err.code] ?? 500, code: err.code, message: err.message }
  }
  const e = err as { statusCode?: number; code?: string; message?: string }
  if (e.statusCode === 413) return { status: 413, code: 'ETOOLARGE', message: e.message ?? 'body too large' }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: 'EINVAL', message: e.message ?? 'bad request' }
  }
  return { status: 500, code: 'EINTERNAL', message: e.message ?? String(err) }
}

export async function createHttpServer(opts: HttpOptions): Promise<FastifyInstance> {
  const { workspace, ops } = opts
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_UPLOAD_BYTES,
    // Requests racing a shutdown get our JSON errors (ECLOSED), not fastify's own 503 body.
    return503OnClosing: false,
    // A URL the router cannot even decode gets the same JSON error as any bad path.
    frameworkErrors: (err, _request, reply) => {
      const json = reply as FastifyReply
      json.code(400).send(errorBody('EINVAL', err.message))
    }
  })
  const streams = new ChangeStreams(opts.changes)

  // Bodies arrive as bytes, whatever their type: a file is a file, and POST /drives parses itself.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  const ctx: HttpContext = {
    workspace,
    ops,
    fetchWaitMs: opts.fetchWaitMs,
    pathOf: (request, prefix) => pathFromUrl(request.raw.url ?? '', prefix),
    async requireWrite(request, reply) {
      if (!opts.writable || opts.token === null) {
        reply.header('Allow', 'GET, HEAD')
        throw new MultiDriveError('EROFS', 'writes over HTTP are off: start `multidrive serve --writable`')
      }
      if (!bearerMatches(request.headers.authorization, opts.token)) {
        reply.header('WWW-Authenticate', 'Bearer')
        throw new CliError(
          'EUNAUTHORIZED',
          'a valid `Authorization: Bearer TOKEN` is required (the token file is in the data dir)'
        )
      }
    }
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff')
    if (!addressedToUs(opts.host, request.headers.host)) {
      throw new MultiDriveError('EINVAL', `this service answers requests for ${opts.host}, not ${request.headers.host}`)
    }
  })
  app.setErrorHandler((err, _request, reply) => {
    const { status, code, message } = toHttpError(err)
    reply.code(status).send(errorBody(code, message))
  })
  app.setNotFoundHandler((request, reply) => {
    const pathname = (request.raw.url ?? '').split('?')[0] ?? ''
    const prefix = Object.keys(ROUTES).find((p) => pathname === p || pathname.startsWith(`${p}/`))
    // A method the route takes, on a path it does not have (`/explorer/nope.js`), is not found.
    if (prefix !== undefined && !ROUTES[prefix]?.split(', ').includes(request.method)) {
      reply.header('Allow', ROUTES[prefix])
      return reply.code(405).send(errorBody('EMETHOD', `${request.method} is not allowed on ${prefix}`))
    }
    return reply.code(404).send(errorBody('ENOENT', `no route ${request.method} ${pathname}`))
  })

  registerExplorerRoutes(app)
  registerFileRoutes(app, ctx)
  // Lets a client (the explorer) check a token without writing anything.
  app.get('/auth', { onRequest: ctx.requireWrite }, (_request, reply) => reply.code(204).send())
  for (const [prefix, read] of [
    ['/stat', (path: string) => ops.stat(path)],
    ['/ls', (path: string) => ops.ls(path)],
    ['/who', (path: string) => ops.who(path)],
    ['/conflicts', (path: string) => ops.conflicts(path)]
  ] as const) {
    for (const url of [prefix, `${prefix}/*`]) app.get(url, (request) => read(ctx.pathOf(request, prefix)))
  }
  app.put('/dirs/*', { onRequest: ctx.requireWrite }, async (request, reply) => {
    return reply.code(201).send(await ops.mkdir(ctx.pathOf(request, '/dirs')))
  })

  app.get('/drives', () => ops.drives())
  app.post('/drives', { onRequest: ctx.requireWrite }, async (request, reply) => {
    const key = parseKeyBody(request.body)
    const known = workspace.driveKeys.length
    const drive = await ops.addDrive(key)
    return reply.code(workspace.driveKeys.length > known ? 201 : 200).send(drive)
  })
  app.delete('/drives/:key', { onRequest: ctx.requireWrite }, async (request, reply) => {
    await ops.removeDrive((request.params as { key: string }).key)
    return reply.code(204).send()
  })

  app.get('/health', (): HealthJson => {
    const network = opts.network()
    return {
      ok: true,
      writer: workspace.writerKey,
      writable: opts.writable,
      drives: workspace.driveKeys.length,
      swarm: network.swarm,
      connections: network.connections,
      sseClients: streams.clients,
      version: workspace.multi.version
    }
  })

  app.get('/changes', { exposeHeadRoute: false }, (request, reply) => {
    reply.hijack()
    streams.serve(request.raw, reply.raw)
  })
  app.addHook('preClose', (done) => {
    streams.closeAll()
    done()
  })

  return app
}

function parseKeyBody(body: unknown): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf-8') : '')
  } catch (err) {
    throw new MultiDriveError('EINVAL', 'the body must be JSON: { "key": "<hex or z-base-32>" }', { cause: err })
  }
  const key = (parsed as { key?: unknown } | null)?.key
  if (typeof key !== 'string')
    throw new MultiDriveError('EINVAL', 'the body must be JSON: { "key": "<hex or z-base-32>" }')
  return key
}
