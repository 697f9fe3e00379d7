/**
 * Hostile peers and the harness that keeps a hang from wedging the suite (issue 7).
 *
 * A hostile peer writes with plain Hyperdrive, Hyperbee and Hypercore calls only: it never goes
 * through MultiDrive, so it can write anything a remote drive may hold. The on-drive record format
 * is spelled out here (not imported from src/) on purpose: a remote writer does not share our code.
 * The victim side uses the public API of MultiDrive only.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Node as BeeNode } from 'hyperbee/lib/messages.js'
import type Hyperdrive from 'hyperdrive'
import SubEncoder from 'sub-encoder'
import type { Test } from 'uvu'
import { type DriveStats, MultiDrive, MultiDriveError } from '../../src/index.js'
import { cleanup, keyOf, localDrive, type Peer, peer, replicate, synced } from './peers.js'

// ---- CHOICES the issue leaves to the implementer: the lead aligns the code, or these lines. ------

/** How long an API call may take before the test calls it hung (generous: a noisy 2-core box). */
export const SETTLE_MS = 10_000
/** Case 7: the longest record path accepted, in UTF-8 bytes (leading `/` included). */
export const MAX_PATH_BYTES = 4096
/** Case 7: the most components a record path may have (`/a/b` has 2). */
export const MAX_PATH_DEPTH = 256
/** Case 7: the longest the event loop may be held while hostile records are indexed (ms). */
export const MAX_STALL_MS = 250
/** Case 4: the code of a read through a blob pointer the drive's blobs core cannot hold. */
export const BAD_POINTER_CODE = 'EUNAVAILABLE'
/**
 * Case 2: a drive whose log holds a block that does not decode is indexed up to that block, then
 * shows in `multi.stats[keyOf]` as `{ state: STUCK_STATE, stuck: { seq, reason } }`, and the
 * MultiDrive emits STUCK_EVENT with `{ drive: keyOf, seq, reason }`.
 */
export const STUCK_STATE = 'stuck'
export const STUCK_EVENT = 'drive-stuck'

export interface Stuck {
  seq: number
  reason: string
}

/** Case 2: where a drive is stuck according to `multi.stats`, or null (see STUCK_STATE). */
export function stuckOf(multi: MultiDrive, drive: Hyperdrive): Stuck | null {
  const stats = multi.stats[keyOf(drive)] as (DriveStats & { stuck?: Stuck | null }) | undefined
  if (stats === undefined || (stats.state as string) !== STUCK_STATE || !stats.stuck) return null
  return stats.stuck
}

/** Case 2: every STUCK_EVENT a MultiDrive emits from now on. */
export function stuckEvents(multi: MultiDrive): (Stuck & { drive: string })[] {
  const events: (Stuck & { drive: string })[] = []
  multi.on(STUCK_EVENT, (drive, stuck) => events.push({ drive: keyOf(drive as Hyperdrive), ...stuck }))
  return events
}

// ---- the on-drive record format (see src/events/records.ts), as a remote writer writes it --------

const STAMP_KEY = 'multidrive:stamp'
const SUBS = {
  files: new SubEncoder('files', 'utf-8'),
  tombstones: new SubEncoder('tombstones', 'utf-8'),
  dirs: new SubEncoder('dirs', 'utf-8')
} as const
export type Sub = keyof typeof SUBS

export interface ForgedBlob {
  byteOffset: number
  blockOffset: number
  blockLength: number
  byteLength: number
}

/** Appends bytes to a drive's db core as they are: no Hyperbee node, no encoding. */
export async function appendRaw(drive: Hyperdrive, ...blocks: Uint8Array[]): Promise<number> {
  const core = drive.core as unknown as { append(blocks: Buffer[]): Promise<{ length: number }> }
  const { length } = await core.append(blocks.map((b) => Buffer.from(b)))
  return length - blocks.length
}

/** Bytes that hyperbee's node codec refuses (a length prefix far past the end of the block). */
export const UNDECODABLE = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])

/** A Hyperbee node with whatever tree index, key and value: its key is read, its index is a lie. */
export function forgedNode(key: Uint8Array, value: Uint8Array | null, index: Uint8Array = Buffer.alloc(0)): Buffer {
  return BeeNode.encode({ index: Buffer.from(index), key: Buffer.from(key), value: value && Buffer.from(value) })
}

/** The raw db key of a record path in a sub. */
export function recordKey(sub: Sub, path: string): Buffer {
  return SUBS[sub].encode(path)
}

/** A file entry with any blob pointer and any metadata (stamp included), straight into the db. */
export async function forgeFile(
  drive: Hyperdrive,
  path: string,
  { blob = null, metadata = null }: { blob?: ForgedBlob | null; metadata?: unknown } = {}
): Promise<void> {
  await drive.db.put(path, { executable: false, linkname: null, blob, metadata }, { keyEncoding: SUBS.files })
}

/** A real file (its bytes in the blobs core) carrying a forged stamp. */
export async function stampedFile(drive: Hyperdrive, path: string, content: string, stamp: unknown): Promise<void> {
  await drive.put(path, Buffer.from(content), { metadata: { [STAMP_KEY]: stamp } })
}

/** A tombstone or directory marker with any value (null included: a put whose value is null). */
export async function forgeMarker(drive: Hyperdrive, sub: Sub, path: string, value: unknown): Promise<void> {
  await drive.db.put(path, value, { keyEncoding: SUBS[sub] })
}

/** A path of `depth` components, each `name`. */
export function deepPath(depth: number, name = 'd'): string {
  return `/${Array.from({ length: depth }, () => name).join('/')}`
}

// ---- peers and victims -----------------------------------------------------------------------------

/** `mine`'s replica of `theirs`'s drive, synced; the two stay connected (teardown ends it). */
export async function connectedReplica(mine: Peer, theirs: Peer): Promise<{ replica: Hyperdrive }> {
  replicate(mine, theirs)
  const replica = await mine.open(theirs.drive.key)
  await settle(synced(replica, theirs.drive), 'replica sync')
  return { replica }
}

export { keyOf, localDrive, peer, replicate, synced }

const opened: MultiDrive[] = []

/** A MultiDrive closed by `teardown()`, with its warnings and errors collected. */
export function track(multi: MultiDrive): { multi: MultiDrive; warnings: string[]; errors: unknown[] } {
  opened.push(multi)
  const warnings: string[] = []
  const errors: unknown[] = []
  multi.on('warning', (message: string) => warnings.push(message))
  // Without a listener an 'error' event would throw out of whatever emitted it.
  multi.on('error', (err: unknown) => errors.push(err))
  return { multi, warnings, errors }
}

/**
 * For `after.each`: closes every tracked MultiDrive, then every peer, each bounded by a timeout, so
 * that a wedged test still lets the suite finish (what hangs is left behind, holding no timer).
 */
export async function teardown(): Promise<void> {
  for (const multi of opened.splice(0)) await outcome(multi.close(), SETTLE_MS)
  await outcome(cleanup(), SETTLE_MS)
}

/**
 * Installs a suite's hooks: `teardown()` after each test; with HOSTILE_TRACE=1, each test's name and
 * duration on stderr (to see which call hung).
 */
export function hooks(test: Test): void {
  let started = 0
  test.before.each((context) => {
    started = Date.now()
    if (process.env.HOSTILE_TRACE) console.error(`▶ ${context.__test__}`)
  })
  test.after.each(async (context) => {
    if (process.env.HOSTILE_TRACE) console.error(`◀ ${context.__test__}: ${Date.now() - started} ms`)
    await teardown()
  })
}

// ---- settling --------------------------------------------------------------------------------------

class Hung extends Error {
  constructor(what: string, ms: number, late = false) {
    super(
      late ? `${what} settled only after ${ms} ms (the event loop was held)` : `${what} did not settle within ${ms} ms`
    )
    this.name = 'Hung'
  }
}

/**
 * The promise's result, or a `Hung` rejection after `ms` (the timer is cleared either way). A call
 * that settles late because it held the event loop (the timer could not fire) is `Hung` too.
 */
export async function settle<T>(op: Promise<T>, what: string, ms = SETTLE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hung(what, ms)), ms)
  })
  const started = performance.now()
  try {
    const value = await Promise.race([op, deadline])
    if (performance.now() - started > ms) throw new Hung(what, ms, true)
    return value
  } finally {
    clearTimeout(timer)
  }
}

export type Outcome<T> = { status: 'resolved'; value: T } | { status: 'rejected'; error: unknown } | { status: 'hung' }

/** How a promise settled within `ms`: never throws. */
export async function outcome<T>(op: Promise<T>, ms = SETTLE_MS): Promise<Outcome<T>> {
  try {
    return { status: 'resolved', value: await settle(op, 'op', ms) }
  } catch (error) {
    if (error instanceof Hung) return { status: 'hung' }
    return { status: 'rejected', error }
  }
}

/** A short description of an outcome for assertion messages. */
export function describe(o: Outcome<unknown>): string {
  if (o.status === 'hung') return 'hung'
  if (o.status === 'resolved') return 'resolved'
  const err = o.error as { code?: unknown; name?: unknown; message?: unknown }
  return `rejected with ${String(err?.name)} ${String(err?.code ?? '')}: ${String(err?.message ?? err)}`
}

/** The `code` of a MultiDriveError outcome, or a description of anything else. */
export function codeOf(o: Outcome<unknown>): string {
  if (o.status === 'rejected' && o.error instanceof MultiDriveError) return o.error.code
  return describe(o)
}

// ---- the event loop --------------------------------------------------------------------------------

const TICK_MS = 10

/** CPU time the main thread has used, in ms (Linux: /proc reports it in USER_HZ, 100 per second). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const HAS_THREAD_CPU = (() => {
  try {
    return Number.isFinite(mainThreadCpuMs())
  } catch {
    return false
  }
})()

/**
 * Watches the event loop; `stop()` gives the longest it was held, in ms. "Held" is the main
 * thread's CPU time between two turns of a 10 ms timer, not wall time: on a loaded machine the
 * process is descheduled for 100 ms and more while doing nothing wrong (where /proc is missing,
 * wall time it is). A loop held by an endless chain of microtasks is only measured once it turns
 * again: `stop()` lets it turn first.
 */
export function stallMonitor(): { stop(): Promise<number> } {
  let max = 0
  let lastCpu = HAS_THREAD_CPU ? mainThreadCpuMs() : 0
  let lastWall = performance.now()
  const timer = setInterval(() => {
    const wall = performance.now()
    const cpu = HAS_THREAD_CPU ? mainThreadCpuMs() : 0
    const held = HAS_THREAD_CPU ? Math.min(cpu - lastCpu, wall - lastWall) : wall - lastWall - TICK_MS
    max = Math.max(max, held)
    lastCpu = cpu
    lastWall = wall
  }, TICK_MS)
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 5 * TICK_MS))
      clearInterval(timer)
      return max
    }
  }
}

// ---- case 4: forged blob pointers ------------------------------------------------------------------

/** Kinds of blob pointer a blobs core of a few blocks cannot hold (index = kind). */
export const FORGED_POINTERS = [
  'past the blobs core',
  'blockLength 2 ** 40',
  'a negative offset',
  'byteLength 2 ** 40 over one block'
] as const

function forgedPointer(kind: number, blobsLength: number): ForgedBlob {
  switch (FORGED_POINTERS[kind]) {
    case 'past the blobs core':
      return { byteOffset: 0, blockOffset: blobsLength + 10, blockLength: 1, byteLength: 5 }
    case 'blockLength 2 ** 40':
      return { byteOffset: 0, blockOffset: 0, blockLength: 2 ** 40, byteLength: 2 ** 40 }
    case 'a negative offset':
      return { byteOffset: -5, blockOffset: -1, blockLength: 1, byteLength: 5 }
    case 'byteLength 2 ** 40 over one block':
      return { byteOffset: 0, blockOffset: 0, blockLength: 1, byteLength: 2 ** 40 }
    default:
      throw new Error(`no forged pointer of kind ${kind}`)
  }
}

/**
 * A hostile drive with a real file `/real` and a file whose entry points where its blobs core
 * cannot; a victim MultiDrive that indexed it, still connected (so a missing block is waited for,
 * not failed).
 */
export async function forgedPointerSetup(kind: number): Promise<{ multi: MultiDrive; path: string }> {
  const h = await peer('hostile')
  await h.drive.put('/real', Buffer.from('hello'))
  const blobs = await h.drive.getBlobs()
  const path = '/forged'
  await forgeFile(h.drive, path, { blob: forgedPointer(kind, blobs.core.length) })
  const v = await peer('victim')
  const { replica } = await connectedReplica(v, h)
  const { multi } = track(new MultiDrive(v.drive))
  await multi.ready()
  await multi.addDrive(replica)
  return { multi, path }
}

// ---- isolation -------------------------------------------------------------------------------------

/** What an isolated scenario reports: how its call settled, and the MultiDriveError code if any. */
export type IsolatedResult = { status: 'resolved' | 'rejected' | 'hung'; code?: string; detail?: string }

const CHILD_STARTUP_MS = 10_000

/**
 * Runs a scenario of test/helpers/isolated.ts in a child process and kills it if it does not
 * report in time: for calls that may hold the event loop for good, where no timer of ours can fire.
 */
export function isolated(scenario: string, args: string[] = []): Promise<IsolatedResult> {
  const script = fileURLToPath(new URL('./isolated.ts', import.meta.url))
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, scenario, ...args], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk
    })
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, SETTLE_MS + CHILD_STARTUP_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      const line = out.trim().split('\n').pop() ?? ''
      try {
        resolve(JSON.parse(line) as IsolatedResult)
      } catch {
        resolve(
          killed ? { status: 'hung' } : { status: 'rejected', detail: `the scenario exited with ${code}, no result` }
        )
      }
    })
  })
}
