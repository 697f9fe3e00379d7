/**
 * The web explorer's page and assets: `GET /` is its HTML, `GET /explorer/NAME` its scripts,
 * stylesheet and icon (src/explorer, built into dist/esm/explorer beside this module). They are
 * read once, on first use, and served from memory; only files of the built folder are served, by
 * exact name. The page gets a Content-Security-Policy that allows scripts, styles and images of
 * this origin only (no inline script, no eval), and talks to the API on the same origin.
 */
import { readdir, readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { CliError } from './cli-error.js'

/** Where the build puts the explorer: dist/esm/explorer, a sibling of dist/esm/cli. */
const ASSETS = new URL('../explorer/', import.meta.url)

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml'
}

/** The page may load its own scripts, styles and images, and call its own origin: nothing else. */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

interface Asset {
  type: string
  body: Buffer
}

async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>()
  let names: string[]
  try {
    names = await readdir(ASSETS)
  } catch (err) {
    throw new CliError('ENOENT', 'the web explorer is not built (npm run build)', { cause: err })
  }
  for (const name of names) {
    const type = TYPES[extname(name)]
    if (type !== undefined) assets.set(name, { type, body: await readFile(new URL(name, ASSETS)) })
  }
  return assets
}

export function registerExplorerRoutes(app: FastifyInstance): void {
  let assets: Promise<Map<string, Asset>> | null = null
  const send = async (reply: FastifyReply, name: string) => {
    assets ??= loadAssets()
    // A failed load (not built) is retried on the next request rather than remembered.
    const loaded = await assets.catch((err) => {
      assets = null
      throw err
    })
    const asset = loaded.get(name)
    if (asset === undefined) throw new CliError('ENOENT', `no explorer asset '${name}'`)
    return reply
      .header('Content-Type', asset.type)
      .header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', EXPLORER_CSP)
      .header('Referrer-Policy', 'no-referrer')
      .header('X-Frame-Options', 'DENY')
      .header('Cross-Origin-Opener-Policy', 'same-origin')
      .send(asset.body)
  }
  app.get('/', (_request, reply) => send(reply, 'index.html'))
  app.get('/explorer/:name', (request, reply) => send(reply, (request.params as { name: string }).name))
}
