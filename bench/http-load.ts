/**
 * `npm run bench:http [-- --quick]`: a bounded load check of `multidrive serve`. N concurrent
 * clients read random files (`GET /files/*`) and stats (`GET /stat/*`) from a real `serve
 * --no-swarm` process (the built command) for a few seconds; then the same reads are made
 * in-process (`multi.readFile`, `multi.stat`) on the same data dir with the same concurrency. The
 * HTTP overhead is the ratio of the two (requests/s and p99 latency), measured in the same run.
 * Not part of `npm run bench`: it needs `npm run build` first and takes a while.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DataDir } from '../src/cli/data-dir.js'
import { Workspace } from '../src/cli/workspace.js'
import { random, type Summary, summarize } from './lib/measure.js'

const quick = process.argv.includes('--quick')
const SIZES = quick
  ? { files: 200, bytes: 1024, clients: 8, seconds: 2 }
  : { files: 1000, bytes: 4096, clients: 32, seconds: 5 }
const BIN = fileURLToPath(new URL('../dist/esm/cli/main.js', import.meta.url))

interface Load {
  perSecond: number
  latency: Summary
}

/** `clients` loops calling `read(path)` on random paths until the time is up. */
async function load(paths: string[], read: (path: string) => Promise<unknown>): Promise<Load> {
  const samples: number[] = []
  const deadline = Date.now() + SIZES.seconds * 1000
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: SIZES.clients }, async (_, client) => {
      const rnd = random(client + 1)
      while (Date.now() < deadline) {
        const path = paths[Math.floor(rnd() * paths.length)] as string
        const t = process.hrtime.bigint()
        await read(path)
        samples.push(Number(process.hrtime.bigint() - t) / 1000)
      }
    })
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return { perSecond: samples.length / seconds, latency: summarize(samples) }
}

async function startServe(data: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, '--data', data, 'serve', '--no-swarm', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /serving (http:\/\/\S+)/.exec(out)
      if (match) resolve(match[1] as string)
    })
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)))
  })
  child.stdout.resume()
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await exited
    }
  }
}

function row(name: string, http: Load, local: Load): string {
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1))
  return `| ${name} | ${f(http.perSecond)} | ${f(http.latency.p99 / 1000)} ms | ${f(local.perSecond)} | ${f(local.latency.p99 / 1000)} ms | ${f(local.perSecond / http.perSecond)}× | ${f(http.latency.p99 / local.latency.p99)}× |`
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'multidrive-bench-http-'))
  const dir = new DataDir(join(root, 'data'))
  try {
    const paths = Array.from({ length: SIZES.files }, (_, i) => `/load/${i % 10}/file-${i}.bin`)
    const content = Buffer.alloc(SIZES.bytes, 42)
    let workspace = await Workspace.open(dir, { create: true, command: 'bench' })
    for (const path of paths) await workspace.multi.writeFile(path, content)
    await workspace.close()

    const serve = await startServe(dir.root)
    // node:http with keep-alive: the cheapest real client, so the ratio is mostly the server's.
    const agent = new Agent({ keepAlive: true, maxSockets: SIZES.clients })
    const body = (route: string, path: string) =>
      new Promise<Buffer>((resolve, reject) => {
        get(`${serve.url}${route}${path}`, { agent }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${res.statusCode}`))
          )
        }).on('error', reject)
      })
    const httpFiles = await load(paths, async (path) => {
      if ((await body('/files', path)).length !== SIZES.bytes) throw new Error(`short read of ${path}`)
    })
    const httpStat = await load(paths, async (path) => JSON.parse((await body('/stat', path)).toString('utf-8')))
    agent.destroy()
    await serve.stop()

    workspace = await Workspace.open(dir, { create: false, command: 'bench' })
    const multi = workspace.multi
    const localFiles = await load(paths, async (path) => {
      if ((await multi.readFile(path)).length !== SIZES.bytes) throw new Error(`short read of ${path}`)
    })
    const localStat = await load(paths, (path) => multi.stat(path))
    await workspace.close()

    console.log(
      `HTTP load: ${SIZES.clients} concurrent clients, ${SIZES.seconds} s per route, ${SIZES.files} files of ${SIZES.bytes} B`
    )
    console.log('| route | HTTP req/s | HTTP p99 | in-process ops/s | in-process p99 | throughput ratio | p99 ratio |')
    console.log('|---|---|---|---|---|---|---|')
    console.log(row('GET /files/* vs multi.readFile', httpFiles, localFiles))
    console.log(row('GET /stat/* vs multi.stat', httpStat, localStat))
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
