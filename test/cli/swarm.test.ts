// Three built `multidrive serve` processes on a local hyperswarm testnet (every DHT node on
// 127.0.0.1), each with its own data dir and the others' keys, started together.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import createTestnet from '@hyperswarm/testnet'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, events, ok, poll, Serve, tempDir } from '../helpers/cli.js'

const test = suite('multidrive serve over hyperswarm')

let testnet: createTestnet.Testnet
let bootstrap: string
const dirs: string[] = []
const keys: string[] = []
const serves: Serve[] = []
const tokens: string[] = []

test.before(async () => {
  testnet = await createTestnet(3, { host: '127.0.0.1' })
  bootstrap = testnet.bootstrap.map((n) => `${n.host}:${n.port}`).join(',')
  for (let i = 0; i < 3; i++) dirs.push(join(await tempDir(), `peer-${i}`))
  keys.push(...(await Promise.all(dirs.map((data) => ok(['--data', data, 'init'])))))
  // Each merges the two others.
  await Promise.all(dirs.map((data, i) => ok(['--data', data, 'add', ...keys.filter((_, j) => j !== i)])))
  tokens.push(...(await Promise.all(dirs.map(async (data) => (await readFile(join(data, 'token'), 'utf-8')).trim()))))
  serves.push(...(await Promise.all(dirs.map((data) => start(data)))))
})

test.after(async () => {
  await cleanup()
  await testnet.destroy()
})

function start(data: string): Promise<Serve> {
  return Serve.start(data, ['--writable'], { MULTIDRIVE_BOOTSTRAP: bootstrap })
}

async function write(i: number, path: string, body: string): Promise<void> {
  const res = await fetch(`${serves[i]?.url}/files${path}`, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${tokens[i]}` }
  })
  assert.ok(res.ok, `PUT ${path} on peer ${i}: ${res.status}`)
}

async function remove(i: number, path: string): Promise<void> {
  const res = await fetch(`${serves[i]?.url}/files${path}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${tokens[i]}` }
  })
  assert.is(res.status, 204, `DELETE ${path} on peer ${i}`)
}

/** What a peer shows: every name with its winning drive, and who wins /same.txt. */
async function view(serve: Serve): Promise<string> {
  const ls = await serve.json<{ name: string; drive: string; size: number }[]>('/ls/')
  const who = await serve.json<{ winner: unknown; conflict: boolean }>('/who/same.txt')
  return JSON.stringify({ ls: ls.map((e) => [e.name, e.drive, e.size]), who })
}

/** Polls until every peer shows the same view, and that view passes `check`. */
async function converged(check: (names: string[]) => boolean, what: string): Promise<string> {
  return poll(async () => {
    const views = await Promise.all(serves.map(view))
    const names = (JSON.parse(views[0] as string).ls as [string][]).map(([name]) => name)
    return views.every((v) => v === views[0]) && check(names) ? (views[0] as string) : undefined
  }, what)
}

test('three serves started together converge: writes, a delete of another peer’s file, concurrent writes', async () => {
  await Promise.all([0, 1, 2].map((i) => write(i, `/from-${i}.txt`, `hello from ${i}`)))
  await converged((names) => ['from-0.txt', 'from-1.txt', 'from-2.txt'].every((n) => names.includes(n)), 'writes')

  await remove(0, '/from-1.txt') // peer 0 deletes peer 1's file
  await Promise.all([write(1, '/same.txt', 'one'), write(2, '/same.txt', 'two')])
  const agreed = JSON.parse(
    await converged((names) => names.includes('same.txt') && !names.includes('from-1.txt'), 'the delete and /same.txt')
  )
  assert.equal(
    agreed.ls.map(([name]: [string]) => name),
    ['from-0.txt', 'from-2.txt', 'same.txt']
  )
  const winner = agreed.who.winner.drive
  assert.ok(winner === keys[1] || winner === keys[2])
  const contents = await Promise.all(serves.map(async (s) => (await fetch(`${s.url}/files/same.txt`)).text()))
  assert.equal(contents, Array(3).fill(winner === keys[1] ? 'one' : 'two'))
  // Every peer lists every drive, indexed and connected.
  for (const serve of serves) {
    const drives = await serve.json<{ key: string; state: string }[]>('/drives')
    assert.equal(drives.map((d) => d.key).sort(), [...keys].sort())
  }
})

test('a killed serve writes offline and restarts: the others see its writes', async () => {
  await (serves[2] as Serve).crash()
  await ok(['--data', dirs[2] as string, 'put', '/offline.txt'], { input: 'written offline' })
  serves[2] = await start(dirs[2] as string)
  for (const serve of serves.slice(0, 2)) {
    await poll(async () => {
      const res = await fetch(`${serve.url}/files/offline.txt`)
      return res.ok ? await res.text() : undefined
    }, 'the offline write').then((text) => assert.is(text, 'written offline'))
  }
})

test('a drive added through POST /drives on a running serve is joined and replicated', async () => {
  const data = join(await tempDir(), 'peer-late')
  await ok(['--data', data, 'put', '/late.txt'], { input: 'joined later' })
  const key = await ok(['--data', data, 'init']) // prints the key of the drive put created
  serves.push(await start(data))
  const res = await fetch(`${serves[0]?.url}/drives`, {
    method: 'POST',
    body: JSON.stringify({ key }),
    headers: { authorization: `Bearer ${tokens[0]}` }
  })
  assert.is(res.status, 201)
  const text = await poll(async () => {
    const file = await fetch(`${serves[0]?.url}/files/late.txt`)
    return file.ok ? file.text() : undefined
  }, 'the late drive’s file')
  assert.is(text, 'joined later')
})

test('GET /changes on one serve streams a remote change; Last-Event-ID replays what came meanwhile', async () => {
  const watcher = serves[0] as Serve
  const first = new AbortController()
  const stream = events(
    (await fetch(`${watcher.url}/changes`, { signal: first.signal })).body as ReadableStream<Uint8Array>
  )
  assert.is((await stream.next()).value?.event, 'ready')
  await write(1, '/remote.txt', 'from peer 1')
  let lastId = ''
  for await (const e of stream) {
    if (e.event === 'message' && JSON.parse(e.data).path === '/remote.txt') {
      assert.is(JSON.parse(e.data).after.drive, keys[1])
      lastId = e.id
      break
    }
  }
  first.abort()

  await write(2, '/gap.txt', 'while away')
  await poll(async () => ((await fetch(`${watcher.url}/stat/gap.txt`)).ok ? true : undefined), 'the gap write')
  const again = new AbortController()
  const resumed = events(
    (await fetch(`${watcher.url}/changes`, { headers: { 'last-event-id': lastId }, signal: again.signal }))
      .body as ReadableStream<Uint8Array>
  )
  const paths: string[] = []
  for await (const e of resumed) {
    if (e.event === 'ready') break
    assert.is(e.event, 'message')
    paths.push(JSON.parse(e.data).path)
  }
  again.abort()
  assert.ok(paths.includes('/gap.txt'), `replayed ${paths.join(', ')}`)
})

test.run()
