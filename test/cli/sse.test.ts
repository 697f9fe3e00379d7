// The SSE change window of `serve` (src/cli/sse.ts) over a real HTTP server and client: resuming
// from an id, re-listing past the window, and a client that stops reading buffering nothing.
import { once } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Subject } from 'rxjs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ChangeLog, ChangeStreams } from '../../src/cli/sse.js'
import type { MergedChange } from '../../src/index.js'
import { events } from '../helpers/cli.js'

const test = suite('serve /changes window')

interface Harness {
  changes: Subject<MergedChange>
  log: ChangeLog
  streams: ChangeStreams
  url: string
  server: Server
}

let h: Harness

async function harness(capacity: number): Promise<Harness> {
  const changes = new Subject<MergedChange>()
  const log = new ChangeLog(changes, { capacity })
  const streams = new ChangeStreams(log)
  const server = createServer((req, res) => streams.serve(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { changes, log, streams, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

test.after.each(async () => {
  h.streams.closeAll()
  h.log.close()
  h.server.closeAllConnections() // fetch keeps connections alive for seconds
  await new Promise((resolve) => h.server.close(resolve))
})

function put(path: string): MergedChange {
  return { path, type: 'put', before: null, after: null }
}

async function take(headers: Record<string, string>, count: number) {
  const controller = new AbortController()
  const res = await fetch(h.url, { headers, signal: controller.signal })
  const out: { event: string; id: string; data: string }[] = []
  for await (const e of events(res.body as ReadableStream<Uint8Array>)) {
    out.push(e)
    if (out.length === count) break
  }
  controller.abort()
  return out
}

test('ChangeLog ids resume inside the window and re-list outside it', async () => {
  h = await harness(3)
  for (const path of ['/1', '/2', '/3', '/4', '/5']) h.changes.next(put(path))
  assert.is(h.log.head, 5)
  // Seen up to 2: 3, 4, 5 are still kept.
  const resumed = await take({ 'last-event-id': h.log.id(2) }, 4)
  assert.equal(
    resumed.map((e) => [e.event, e.id, e.event === 'message' ? JSON.parse(e.data).path : null]),
    [
      ['message', h.log.id(3), '/3'],
      ['message', h.log.id(4), '/4'],
      ['message', h.log.id(5), '/5'],
      ['ready', h.log.id(5), null]
    ]
  )
  // Seen up to 1: 2 is gone.
  const gap = await take({ 'last-event-id': h.log.id(1) }, 2)
  assert.equal(
    gap.map((e) => [e.event, e.id]),
    [
      ['relist', h.log.id(5)],
      ['ready', h.log.id(5)]
    ]
  )
  assert.is(JSON.parse(gap[0]?.data ?? '{}').reason, 'gap')
  // Up to date: nothing to replay.
  assert.equal(
    (await take({ 'last-event-id': h.log.id(5) }, 1)).map((e) => e.event),
    ['ready']
  )
})

test('a client that stops reading falls behind the window and is told to re-list, not buffered for', async () => {
  h = await harness(50)
  // The server's side of the stream (its 'request' listener runs after the one that serves it).
  const served = new Promise<ServerResponse>((resolve) => h.server.once('request', (_req, res) => resolve(res)))
  const controller = new AbortController()
  const res = await fetch(h.url, { signal: controller.signal })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  await reader.read() // ready
  // Far more than socket buffers hold, while the client reads nothing.
  const big = 'x'.repeat(2000)
  for (let i = 1; i <= 5000; i++) h.changes.next(put(`/${big}/${i}`))
  const stream = events(
    new ReadableStream({
      async pull(c) {
        const { value, done } = await reader.read()
        if (done) c.close()
        else c.enqueue(value)
      }
    })
  )
  let sawRelist = false
  let last = ''
  for await (const e of stream) {
    if (e.event === 'relist') sawRelist = true
    last = e.id
    if (e.id === h.log.id(5000)) break
  }
  assert.ok(sawRelist, 'the client was told to re-list')
  assert.is(last, h.log.id(5000))
  controller.abort()
  const response = await served
  if (!response.closed) await once(response, 'close')
  assert.is(h.streams.clients, 0)
})

test.run()
