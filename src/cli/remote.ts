/**
 * The command's operations through the HTTP API of the `serve` that holds the data dir: the
 * corestore is locked by that process, so reads (and, with `--writable`, writes) go through it.
 */
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { CliError } from './cli-error.js'
import type { ConflictsJson, DriveJson, DrivesJson, LsJson, StatJson, WhoJson } from './json-shapes.js'
import { absolute, parseDriveKey } from './names.js'
import type { DriveOperations } from './operations.js'

function encodePath(path: string): string {
  return absolute(path).split('/').map(encodeURIComponent).join('/')
}

export class RemoteOperations implements DriveOperations {
  private readonly url: string
  private readonly token: string | null

  constructor(url: string, token: string | null) {
    this.url = url.replace(/\/$/, '')
    this.token = token
  }

  private async request(method: string, route: string, body?: Buffer | string): Promise<Response> {
    const headers: Record<string, string> = {}
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined)
      headers['content-type'] = typeof body === 'string' ? 'application/json' : 'application/octet-stream'
    let res: Response
    try {
      res = await fetch(`${this.url}${route}`, { method, headers, ...(body !== undefined ? { body } : {}) })
    } catch (err) {
      throw new CliError('EHTTP', `the serve at ${this.url} did not answer: ${(err as Error).message}`, { cause: err })
    }
    if (res.ok) return res
    const text = await res.text()
    let error: { code?: unknown; message?: unknown } | undefined
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error
    } catch {}
    if (typeof error?.code === 'string') throw new CliError(error.code, String(error.message ?? ''))
    throw new CliError('EHTTP', `${method} ${route}: HTTP ${res.status} ${text.slice(0, 200)}`)
  }

  private async json<T>(method: string, route: string, body?: Buffer | string): Promise<T> {
    return (await (await this.request(method, route, body)).json()) as T
  }

  stat(path: string): Promise<StatJson> {
    return this.json('GET', `/stat${encodePath(path)}`)
  }

  ls(path: string): Promise<LsJson> {
    return this.json('GET', `/ls${encodePath(path)}`)
  }

  who(path: string): Promise<WhoJson> {
    return this.json('GET', `/who${encodePath(path)}`)
  }

  conflicts(folder: string): Promise<ConflictsJson> {
    return this.json('GET', `/conflicts${encodePath(folder)}`)
  }

  drives(): Promise<DrivesJson> {
    return this.json('GET', '/drives')
  }

  async read(path: string): Promise<Readable> {
    const res = await this.request('GET', `/files${encodePath(path)}`)
    if (res.body === null) return Readable.from([])
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)
  }

  put(path: string, data: Buffer): Promise<StatJson> {
    return this.json('PUT', `/files${encodePath(path)}`, data)
  }

  async rm(path: string, { recursive }: { recursive: boolean }): Promise<void> {
    await this.request('DELETE', `/files${encodePath(path)}${recursive ? '?recursive=true' : ''}`)
  }

  mkdir(path: string): Promise<StatJson> {
    return this.json('PUT', `/dirs${encodePath(path)}`)
  }

  addDrive(key: string): Promise<DriveJson> {
    return this.json('POST', '/drives', JSON.stringify({ key: parseDriveKey(key) }))
  }

  async removeDrive(key: string): Promise<void> {
    await this.request('DELETE', `/drives/${parseDriveKey(key)}`)
  }
}
