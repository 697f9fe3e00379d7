/**
 * Running the BUILT `multidrive` command (dist/esm/cli/main.js, `npm run build`) in tests: one-shot
 * commands, `serve` processes (ready once they print their URL), and polling an HTTP endpoint with
 * a deadline (the only waiting there is: no sleeps).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../dist/esm/cli/main.js', import.meta.url))

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  bytes: Buffer
}

const cleanups: (() => Promise<void>)[] = []

export async function tempDir(prefix = 'multidrive-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Stops every process and removes every temp dir made so far, newest first. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {})
}

/** Runs `multidrive ...args` to completion. */
export function run(
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string | undefined>; cwd?: string } = {}
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('error', reject)
    const t0 = Date.now()
    child.on('close', (code) => {
      if (process.env.CLI_TIMING) console.error(`${Date.now() - t0} ms: ${args.join(' ').slice(-60)}`)
      const bytes = Buffer.concat(out)
      resolve({ code, stdout: bytes.toString('utf-8'), stderr: Buffer.concat(err).toString('utf-8'), bytes })
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** Runs a command that must succeed; its stdout, trimmed. */
export async function ok(args: string[], opts: Parameters<typeof run>[1] = {}): Promise<string> {
  const result = await run(args, opts)
  if (result.code !== 0) {
    throw new Error(`multidrive ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`)
  }
  return result.stdout.trim()
}

/** Resolves with the first line of a stream that matches, or rejects when the stream ends first. */
export function lineMatching(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    let stderr = ''
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf-8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const match = pattern.exec(line)
        if (match) {
          done()
          resolve(match)
          return
        }
      }
    }
    const onErr = (chunk: Buffer) => {
      stderr += chunk.toString('utf-8')
    }
    const onExit = (code: number | null) => {
      done()
      reject(new Error(`exited ${code} before printing ${pattern}: ${stderr.trim()}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms: ${stderr.trim()}`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onErr)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onErr)
    child.on('exit', onExit)
  })
}

/** Starts a long-running `multidrive ...args` (killed by `cleanup()`); resolves with its process. */
export function spawnLong(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, exited }
}

/** A running `multidrive --data DIR serve ...`. */
export class Serve {
  readonly data: string
  readonly url: string
  readonly child: ChildProcess
  private readonly exited: Promise<number | null>

  private constructor(data: string, url: string, child: ChildProcess, exited: Promise<number | null>) {
    this.data = data
    this.url = url
    this.child = child
    this.exited = exited
  }

  /** Starts `serve` on a free port; resolves once it prints its URL. */
  static start(data: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<Serve> {
    return Serve.spawn(data, ['--data', data, 'serve', '--port', '0', ...args], { env })
  }

  /** Starts `multidrive ...args` (a serve of `data`); resolves once it prints its URL. */
  static async spawn(
    data: string,
    args: string[],
    opts: { env?: Record<string, string | undefined>; cwd?: string } = {}
  ): Promise<Serve> {
    const { child, exited } = spawnLong(args, opts)
    const match = await lineMatching(child, /serving (http:\/\/\S+)/)
    // Drain the rest so a full pipe never blocks the server.
    child.stdout?.resume()
    child.stderr?.resume()
    return new Serve(data, match[1] as string, child, exited)
  }

  get pid(): number {
    return this.child.pid as number
  }

  /** Sends a signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal)
    return this.exited
  }

  /** Kills it as a crash would: no cleanup at all. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL')
    await this.exited
  }

  async json<T = unknown>(route: string): Promise<T> {
    const res = await fetch(`${this.url}${route}`)
    if (!res.ok) throw new Error(`GET ${route}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
}

/**
 * Calls `probe` every `intervalMs` until it returns something other than undefined, or fails after
 * the deadline.
 */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {}
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Reads Server-Sent Events from a fetch response body. */
export async function* events(
  body: ReadableStream<Uint8Array>
): AsyncGenerator<{ event: string; id: string; data: string }> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true })
    let end = buffered.indexOf('\n\n')
    while (end !== -1) {
      const block = buffered.slice(0, end)
      buffered = buffered.slice(end + 2)
      end = buffered.indexOf('\n\n')
      const fields = { event: 'message', id: '', data: '' }
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const name = line.slice(0, colon)
        const value = line.slice(colon + 1).replace(/^ /, '')
        if (name === 'event') fields.event = value
        else if (name === 'id') fields.id = value
        else if (name === 'data') fields.data += value
      }
      if (fields.data !== '' || fields.event !== 'message') yield fields
    }
  }
}
