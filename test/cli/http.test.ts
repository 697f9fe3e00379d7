// `multidrive serve`'s HTTP API with a real client (fetch, and node:http for raw URLs fetch would
// normalise), against one built `serve --no-swarm --writable` on a temp data dir.

import { readFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, events, ok, poll, Serve, tempDir } from '../helpers/cli.js'

const test = suite('multidrive serve HTTP')

let server: Serve
let token: string
let writer: string
const big = Buffer.alloc(4 * 1024 * 1024, 7)

test.before(async () => {
  const data = join(await tempDir(), 'data')
  writer = await ok(['--data', data, 'init'])
  server = await Serve.start(data, ['--no-swarm', '--writable'])
  token = (await readFile(join(data, 'token'), 'utf-8')).trim()
  for (const [path, body] of [
    ['/hello.txt', 'hello world'],
    ['/docs/b.md', '# b'],
    ['/docs/a.json', '{"a":1}'],
    ['/empty.bin', ''],
    ['/big.bin', big]
  ] as const) {
    const res = await put(path, body)
    assert.is(res.status, 201, path)
  }
})
test.after(cleanup)

function url(route: string): string {
  return `${server.url}${route}`
}

function put(path: string, body: string | Buffer, auth = `Bearer ${token}`): Promise<Response> {
  return fetch(url(`/files${path}`), { method: 'PUT', body, headers: { authorization: auth } })
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  const body = (await res.json()) as { error: { code: string; message: string } }
  assert.equal(Object.keys(body), ['error'])
  assert.type(body.error.message, 'string')
  return body.error
}

/** A request with the URL sent exactly as written (fetch would resolve `..` first). */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.on('data', (c) => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('a request addressed to another host (DNS rebinding) is refused 400 EINVAL; loopback names are answered', async () => {
  const { port } = new URL(server.url)
  const rebound = await raw('/files/hello.txt', { host: `attacker.example:${port}` })
  assert.is(rebound.status, 400)
  assert.is(JSON.parse(rebound.body).error.code, 'EINVAL')
  assert.is((await raw('/ls/', { host: 'attacker.example' })).status, 400)
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    assert.equal(await raw('/files/hello.txt', { host }), { status: 200, body: 'hello world' }, host)
  }
})

test('GET /files/* sends the winning content with type, length and ETag; HEAD the same without body', async () => {
  const res = await fetch(url('/files/hello.txt'))
  assert.is(res.status, 200)
  assert.is(await res.text(), 'hello world')
  assert.is(res.headers.get('content-type'), 'text/plain; charset=utf-8')
  assert.is(res.headers.get('content-length'), '11')
  assert.is(res.headers.get('accept-ranges'), 'bytes')
  assert.match(res.headers.get('etag') ?? '', new RegExp(`^"${writer}\\.\\d+"$`))
  assert.is((await fetch(url('/files/docs/a.json'))).headers.get('content-type'), 'application/json; charset=utf-8')

  const head = await fetch(url('/files/hello.txt'), { method: 'HEAD' })
  assert.is(head.status, 200)
  assert.is(head.headers.get('content-length'), '11')
  assert.is(head.headers.get('etag'), res.headers.get('etag'))
  assert.is(await head.text(), '')

  const empty = await fetch(url('/files/empty.bin'))
  assert.equal([empty.status, await empty.text(), empty.headers.get('content-length')], [200, '', '0'])
})

test('If-None-Match gives 304 until the file changes', async () => {
  const etag = (await fetch(url('/files/hello.txt'))).headers.get('etag') as string
  const cached = await fetch(url('/files/hello.txt'), { headers: { 'if-none-match': etag } })
  assert.is(cached.status, 304)
  assert.is(await cached.text(), '')
  assert.is((await put('/hello.txt', 'hello again')).status, 200)
  const changed = await fetch(url('/files/hello.txt'), { headers: { 'if-none-match': etag } })
  assert.is(changed.status, 200)
  assert.is(await changed.text(), 'hello again')
  assert.is.not(changed.headers.get('etag'), etag)
})

test('Range gives 206 with Content-Range; past the end 416 with a JSON body', async () => {
  const cases: [string, string, string][] = [
    ['bytes=0-4', 'hello', 'bytes 0-4/11'],
    ['bytes=6-', 'again', 'bytes 6-10/11'],
    ['bytes=-5', 'again', 'bytes 6-10/11'],
    ['bytes=6-100', 'again', 'bytes 6-10/11']
  ]
  for (const [range, body, contentRange] of cases) {
    const res = await fetch(url('/files/hello.txt'), { headers: { range } })
    assert.is(res.status, 206, range)
    assert.is(await res.text(), body, range)
    assert.is(res.headers.get('content-range'), contentRange, range)
    assert.is(res.headers.get('content-length'), String(body.length), range)
  }
  for (const range of ['bytes=11-', 'bytes=5-2', 'bytes=-0', 'bytes=x-y']) {
    const res = await fetch(url('/files/hello.txt'), { headers: { range } })
    assert.is(res.status, 416, range)
    assert.is(res.headers.get('content-range'), 'bytes */11', range)
    assert.is((await errorOf(res)).code, 'ERANGE')
  }
  // Another unit, or If-Range naming an older version: the whole file.
  const whole = await fetch(url('/files/hello.txt'), { headers: { range: 'bytes=0-1', 'if-range': '"old"' } })
  assert.equal([whole.status, await whole.text()], [200, 'hello again'])
  const slice = await fetch(url('/files/big.bin'), { headers: { range: 'bytes=1048576-1048579' } })
  assert.equal([slice.status, Buffer.from(await slice.arrayBuffer())], [206, Buffer.alloc(4, 7)])
})

test('errors are JSON with a code: 404 missing, 400 directory, 404 unknown route, 405 wrong method', async () => {
  const missing = await fetch(url('/files/nope.txt'))
  assert.is(missing.status, 404)
  assert.equal(await errorOf(missing), { code: 'ENOENT', message: "no such file or directory, '/nope.txt'" })
  const dir = await fetch(url('/files/docs'))
  assert.is(dir.status, 400)
  assert.is((await errorOf(dir)).code, 'EISDIR')
  assert.is((await errorOf(await fetch(url('/stat/nope')))).code, 'ENOENT')
  const route = await fetch(url('/nowhere'))
  assert.is(route.status, 404)
  assert.is((await errorOf(route)).code, 'ENOENT')
  // A method the route takes, on a path under it that it does not have: not found, not 405.
  assert.is((await errorOf(await fetch(url('/auth/x')))).code, 'ENOENT')
  const method = await fetch(url('/stat/hello.txt'), { method: 'POST' })
  assert.is(method.status, 405)
  assert.match(method.headers.get('allow') ?? '', /GET/)
  assert.is((await errorOf(method)).code, 'EMETHOD')
})

test('path traversal never leaves the merged view: 400 for every spelling', async () => {
  for (const path of [
    '/files/../etc/passwd',
    '/files/docs/../../x',
    '/files/%2e%2e/etc/passwd',
    '/files/%2E%2E%2fetc%2fpasswd',
    '/files/docs%2f..%2f..%2fx',
    '/files/..%5c..%5cx',
    '/files/a%00b',
    '/files/%ff',
    '/stat/..',
    '/ls/%2e%2e'
  ]) {
    const res = await raw(path)
    assert.is(res.status, 400, path)
    assert.is(JSON.parse(res.body).error.code, 'EINVAL', path)
  }
  // Encoded names that are not traversal still work.
  assert.is((await put('/with%20space.txt', 's')).status, 201)
  assert.is(await (await fetch(url('/files/with%20space.txt'))).text(), 's')
})

test('GET /stat, /ls, /who, /conflicts, /drives, /health answer JSON', async () => {
  const st = await server.json<{ path: string; type: string; size: number; drive: string }>('/stat/docs/b.md')
  assert.equal([st.path, st.type, st.size, st.drive], ['/docs/b.md', 'file', 3, writer])
  const ls = await server.json<{ name: string; path: string; type: string }[]>('/ls/')
  const names = ls.map((e) => e.name)
  assert.equal(names, [...names].sort())
  assert.ok(names.includes('docs') && names.includes('hello.txt'))
  assert.equal(ls.find((e) => e.name === 'docs')?.path, '/docs')
  assert.is(ls.find((e) => e.name === 'docs')?.type, 'directory')
  assert.equal(
    (await server.json<{ name: string }[]>('/ls/docs')).map((e) => e.name),
    ['a.json', 'b.md']
  )
  assert.equal((await server.json('/ls')) as unknown, ls)
  assert.is((await errorOf(await fetch(url('/ls/hello.txt')))).code, 'ENOTDIR')
  const who = await server.json<{ winner: { drive: string; kind: string }; conflict: boolean }>('/who/hello.txt')
  assert.equal([who.winner.drive, who.winner.kind, who.conflict], [writer, 'file', false])
  assert.equal(await server.json('/conflicts'), [])
  const drives = await server.json<{ key: string; writer: boolean; state: string; progress: number }[]>('/drives')
  assert.equal([drives[0]?.key, drives[0]?.writer, drives[0]?.state, drives[0]?.progress], [writer, true, 'live', 1])
  const health = await server.json<{ ok: boolean; writer: string; writable: boolean; swarm: boolean }>('/health')
  assert.equal([health.ok, health.writer, health.writable, health.swarm], [true, writer, true, false])
})

test('writes need the bearer token: 401 without it or with a wrong one, and nothing is written', async () => {
  for (const auth of ['', 'Bearer nope', `Basic ${token}`, `Bearer ${token}x`]) {
    const res = await put('/secret.txt', 'x', auth)
    assert.is(res.status, 401, auth)
    assert.is((await errorOf(res)).code, 'EUNAUTHORIZED')
    const del = await fetch(url('/files/hello.txt'), { method: 'DELETE', headers: { authorization: auth } })
    assert.is(del.status, 401)
  }
  const drive = await fetch(url('/drives'), { method: 'POST', body: JSON.stringify({ key: 'a'.repeat(64) }) })
  assert.is(drive.status, 401)
  assert.is((await fetch(url('/files/secret.txt'))).status, 404)
  assert.is(await (await fetch(url('/files/hello.txt'))).text(), 'hello again')
  assert.is((await server.json<unknown[]>('/drives')).length, 1)
})

test('PUT/DELETE /files/*, PUT /dirs/*, POST and DELETE /drives change the merged view', async () => {
  const auth = { authorization: `Bearer ${token}` }
  const created = await put('/new/file.txt', 'new')
  assert.is(created.status, 201)
  assert.equal(((await created.json()) as { path: string; size: number }).size, 3)
  assert.is((await fetch(url('/dirs/made'), { method: 'PUT', headers: auth })).status, 201)
  assert.is((await fetch(url('/stat/made'), {})).status, 200)
  const notEmpty = await fetch(url('/files/new'), { method: 'DELETE', headers: auth })
  assert.is(notEmpty.status, 400)
  assert.is((await errorOf(notEmpty)).code, 'EISDIR')
  assert.is((await fetch(url('/files/new?recursive=true'), { method: 'DELETE', headers: auth })).status, 204)
  assert.is((await fetch(url('/files/new/file.txt'))).status, 404)

  const key = 'b'.repeat(64)
  const bad = await fetch(url('/drives'), { method: 'POST', headers: auth, body: '{"key":"nope"}' })
  assert.is(bad.status, 400)
  assert.is((await errorOf(bad)).code, 'EINVAL')
  const add = await fetch(url('/drives'), { method: 'POST', headers: auth, body: JSON.stringify({ key }) })
  assert.is(add.status, 201)
  assert.is(((await add.json()) as { key: string }).key, key)
  assert.is((await fetch(url('/drives'), { method: 'POST', headers: auth, body: JSON.stringify({ key }) })).status, 200)
  assert.ok((await server.json<{ key: string }[]>('/drives')).some((d) => d.key === key))
  assert.is((await fetch(url(`/drives/${key}`), { method: 'DELETE', headers: auth })).status, 204)
  const gone = await fetch(url(`/drives/${key}`), { method: 'DELETE', headers: auth })
  assert.is(gone.status, 404)
  assert.is((await errorOf(gone)).code, 'EUNKNOWNDRIVE')
})

test('GET / is the web explorer: its page and assets, under a CSP that forbids inline script', async () => {
  const page = await fetch(url('/'))
  assert.is(page.status, 200)
  assert.is(page.headers.get('content-type'), 'text/html; charset=utf-8')
  const csp = page.headers.get('content-security-policy') ?? ''
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.split('; ').includes(directive), directive)
  }
  assert.not.match(csp, 'unsafe')
  assert.is(page.headers.get('x-content-type-options'), 'nosniff')
  assert.is(page.headers.get('x-frame-options'), 'DENY')
  const html = await page.text()
  assert.not.match(html, /<script(?![^>]*\ssrc=)/) // every script is a file of this origin
  const assets = [...html.matchAll(/(?:src|href)="(\/explorer\/[^"]+)"/g)].map((m) => m[1] as string)
  assert.equal(assets.sort(), ['/explorer/favicon.svg', '/explorer/main.js', '/explorer/style.css'])
  const types: Record<string, string> = {
    js: 'text/javascript; charset=utf-8',
    css: 'text/css; charset=utf-8',
    svg: 'image/svg+xml'
  }
  for (const asset of [...assets, '/explorer/tree.js', '/explorer/api.js']) {
    const res = await fetch(url(asset))
    assert.is(res.status, 200, asset)
    assert.is(res.headers.get('content-type'), types[asset.split('.').pop() as string], asset)
    assert.is(res.headers.get('content-security-policy'), csp, asset)
  }
  // Only the built assets, by exact name: nothing else of the package or the machine.
  for (const path of [
    '/explorer/nope.js',
    '/explorer/a/b.js',
    '/explorer',
    '/explorer/..%2fcli%2fmain.js',
    '/explorer/%2e%2e',
    '/explorer/main.d.ts'
  ]) {
    const res = await raw(path)
    assert.is(res.status, 404, path)
    assert.is(JSON.parse(res.body).error.code, 'ENOENT', path)
  }
  assert.is((await fetch(url('/'), { method: 'POST' })).status, 404)
  assert.is((await fetch(url('/health'))).headers.get('x-content-type-options'), 'nosniff')
})

test('GET /files/*?drive=KEY sends that drive’s own version: 404 for no file there or an unknown drive', async () => {
  const winner = await fetch(url('/files/docs/b.md'))
  const own = await fetch(url(`/files/docs/b.md?drive=${writer}`))
  assert.equal([own.status, await own.text()], [200, '# b'])
  assert.is(own.headers.get('etag'), winner.headers.get('etag'))
  assert.is(own.headers.get('content-security-policy'), 'sandbox')
  assert.is(own.headers.get('content-type'), winner.headers.get('content-type'))
  const range = await fetch(url(`/files/docs/b.md?drive=${writer}`), { headers: { range: 'bytes=2-' } })
  assert.equal([range.status, await range.text(), range.headers.get('content-range')], [206, 'b', 'bytes 2-2/3'])
  const head = await fetch(url(`/files/docs/b.md?drive=${writer}`), { method: 'HEAD' })
  assert.equal([head.status, head.headers.get('content-length')], [200, '3'])

  const unknown = await fetch(url(`/files/docs/b.md?drive=${'c'.repeat(64)}`))
  assert.is(unknown.status, 404)
  assert.is((await errorOf(unknown)).code, 'EUNKNOWNDRIVE')
  const bad = await fetch(url('/files/docs/b.md?drive=nope'))
  assert.is(bad.status, 400)
  assert.is((await errorOf(bad)).code, 'EINVAL')
  // A tombstone, a directory, a path never written: that drive has no file there.
  assert.is((await put('/gone.txt', 'soon deleted')).status, 201)
  await fetch(url('/files/gone.txt'), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
  for (const path of ['/gone.txt', '/docs', '/never.txt']) {
    const res = await fetch(url(`/files${path}?drive=${writer}`))
    assert.is(res.status, 404, path)
    assert.is((await errorOf(res)).code, 'ENOENT', path)
  }
})

test('GET /auth answers 204 for the right token and 401 otherwise, and writes nothing', async () => {
  assert.is((await fetch(url('/auth'), { headers: { authorization: `Bearer ${token}` } })).status, 204)
  for (const auth of ['', 'Bearer nope', `Bearer ${token}x`]) {
    const res = await fetch(url('/auth'), { headers: { authorization: auth } })
    assert.is(res.status, 401, auth)
    assert.is(res.headers.get('www-authenticate'), 'Bearer')
    assert.is((await errorOf(res)).code, 'EUNAUTHORIZED')
  }
})

test('GET /changes streams committed changes with ids; Last-Event-ID replays the gap', async () => {
  const first = new AbortController()
  const res = await fetch(url('/changes'), { signal: first.signal })
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
  const stream = events(res.body as ReadableStream<Uint8Array>)
  const ready = (await stream.next()).value
  assert.is(ready?.event, 'ready')
  await put('/sse/one.txt', '1')
  const change = (await stream.next()).value
  assert.is(change?.event, 'message')
  const data = JSON.parse(change?.data ?? '{}')
  assert.equal(
    [data.path, data.type, data.after.drive, data.after.size, data.before],
    ['/sse/one.txt', 'put', writer, 1, null]
  )
  const lastId = change?.id as string
  first.abort()
  await poll(
    async () => ((await server.json<{ sseClients: number }>('/health')).sseClients === 0 ? true : undefined),
    'the closed stream to go'
  )

  // Committed while nobody listened: replayed on reconnect, in order, then the live stream goes on.
  await put('/sse/two.txt', '2')
  await fetch(url('/files/sse/one.txt'), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
  const again = new AbortController()
  const resumed = events(
    (await fetch(url('/changes'), { headers: { 'last-event-id': lastId }, signal: again.signal }))
      .body as ReadableStream<Uint8Array>
  )
  const replayed = [(await resumed.next()).value, (await resumed.next()).value, (await resumed.next()).value]
  assert.equal(
    replayed.map((e) => [e?.event, e?.event === 'message' ? JSON.parse(e.data).path : null]),
    [
      ['message', '/sse/two.txt'],
      ['message', '/sse/one.txt'],
      ['ready', null]
    ]
  )
  assert.is(JSON.parse(replayed[1]?.data ?? '{}').type, 'del')
  again.abort()

  // An id this server never gave (another run, or past the replay window): re-list.
  const stale = new AbortController()
  const relist = events(
    (await fetch(url('/changes'), { headers: { 'last-event-id': 'deadbeef-3' }, signal: stale.signal }))
      .body as ReadableStream<Uint8Array>
  )
  assert.is((await relist.next()).value?.event, 'relist')
  assert.is((await relist.next()).value?.event, 'ready')
  stale.abort()
})

test('a client that vanishes mid-download or mid-stream costs nothing: the server goes on', async () => {
  for (let i = 0; i < 5; i++) {
    const controller = new AbortController()
    const res = await fetch(url('/files/big.bin'), { signal: controller.signal })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    controller.abort()
  }
  const streams = [0, 1, 2].map(() => new AbortController())
  await Promise.all(streams.map((c) => fetch(url('/changes'), { signal: c.signal })))
  await poll(
    async () => ((await server.json<{ sseClients: number }>('/health')).sseClients === 3 ? true : undefined),
    '3 streams'
  )
  for (const c of streams) c.abort()
  await poll(
    async () => ((await server.json<{ sseClients: number }>('/health')).sseClients === 0 ? true : undefined),
    'no streams'
  )
  const whole = Buffer.from(await (await fetch(url('/files/big.bin'))).arrayBuffer())
  assert.ok(whole.equals(big))
})

test('serve without --writable refuses writes with 405, token or not', async () => {
  assert.is(await server.stop('SIGTERM'), 0)
  server = await Serve.start(server.data, ['--no-swarm'])
  for (const [method, route] of [
    ['PUT', '/files/x.txt'],
    ['DELETE', '/files/hello.txt'],
    ['POST', '/drives'],
    ['PUT', '/dirs/d']
  ] as const) {
    const res = await fetch(url(route), {
      method,
      body: method === 'DELETE' ? null : '{}',
      headers: { authorization: `Bearer ${token}` }
    })
    assert.is(res.status, 405, `${method} ${route}`)
    assert.is((await errorOf(res)).code, 'EROFS')
  }
  assert.is(await (await fetch(url('/files/hello.txt'))).text(), 'hello again')
  const auth = await fetch(url('/auth'), { headers: { authorization: `Bearer ${token}` } })
  assert.is(auth.status, 405)
  assert.is((await errorOf(auth)).code, 'EROFS')
})

test.run()
