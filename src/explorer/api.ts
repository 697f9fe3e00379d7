/**
 * The HTTP API of `multidrive serve` as the explorer calls it (docs/http.md is the reference; the
 * shapes are the server's own declarations, which import nothing the browser lacks).
 * Every path is sent one encoded segment at a time, so a name is never read as URL syntax.
 */
import type { ConflictsJson, DrivesJson, HealthJson, LsJson, StatJson, WhoJson } from '../cli/json-shapes.js'

/** An error the API answered with (`{ error: { code, message } }`), or a network failure. */
export class ApiError extends Error {
  readonly code: string
  readonly status: number

  constructor(code: string, message: string, status: number) {
    super(`${code}: ${message}`)
    this.code = code
    this.status = status
  }
}

/** `/docs/a b.md` as `/docs/a%20b.md`: each segment encoded, so `#`, `?` and `%` stay names. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => `/${encodeURIComponent(segment)}`)
    .join('')
}

/** The URL of a file's content: the winner's, or with `drive` that drive's own version. */
export function fileUrl(path: string, drive?: string): string {
  return `/files${encodePath(path)}${drive === undefined ? '' : `?drive=${drive}`}`
}

async function failure(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } }
    return new ApiError(body.error?.code ?? 'EHTTP', body.error?.message ?? res.statusText, res.status)
  } catch {
    return new ApiError('EHTTP', `${res.status} ${res.statusText}`, res.status)
  }
}

export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response
  try {
    res = await fetch(url, init)
  } catch (err) {
    throw new ApiError('ENETWORK', `the server cannot be reached (${(err as Error).message})`, 0)
  }
  if (!res.ok && res.status !== 304) throw await failure(res)
  return res
}

async function json<T>(url: string): Promise<T> {
  return (await (await request(url)).json()) as T
}

export const api = {
  ls: (path: string) => json<LsJson>(`/ls${encodePath(path)}`),
  stat: (path: string) => json<StatJson>(`/stat${encodePath(path)}`),
  who: (path: string) => json<WhoJson>(`/who${encodePath(path)}`),
  conflicts: () => json<ConflictsJson>('/conflicts'),
  drives: () => json<DrivesJson>('/drives'),
  health: () => json<HealthJson>('/health')
}

/** The writes of a `serve --writable`, each with the bearer token. */
export function writes(token: string) {
  const headers = { authorization: `Bearer ${token}` }
  return {
    /** Resolves when the token is accepted (204), fails EUNAUTHORIZED (401) or EROFS (405). */
    check: () => request('/auth', { headers }).then(() => undefined),
    put: (path: string, body: Blob) =>
      request(fileUrl(path), { method: 'PUT', body, headers }).then((res) => res.json() as Promise<StatJson>),
    remove: (path: string, recursive: boolean) =>
      request(`${fileUrl(path)}${recursive ? '?recursive=true' : ''}`, { method: 'DELETE', headers }).then(
        () => undefined
      ),
    mkdir: (path: string) =>
      request(`/dirs${encodePath(path)}`, { method: 'PUT', headers }).then((res) => res.json() as Promise<StatJson>)
  }
}

export type Writes = ReturnType<typeof writes>

/** The folder a path is in (`/` for a top-level name). */
export function parentOf(path: string): string {
  const cut = path.lastIndexOf('/')
  return cut <= 0 ? '/' : path.slice(0, cut)
}

/** `/a/b` under `/a`: the path joined with a name. */
export function join(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`
}

/** Every folder a path lies in, outermost first: `/a/b/c` -> `/`, `/a`, `/a/b`. */
export function ancestorsOf(path: string): string[] {
  const folders = ['/']
  const names = path.split('/').filter((name) => name !== '')
  for (let i = 1; i < names.length; i++) folders.push(`/${names.slice(0, i).join('/')}`)
  return folders
}
