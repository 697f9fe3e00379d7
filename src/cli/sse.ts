/**
 * `GET /changes`: the merged change stream as Server-Sent Events. Every committed change is a
 * default (`message`) event with an id (`<boot>-<n>`, `boot` naming this server run); the last
 * `capacity` changes are kept so a client reconnecting with `Last-Event-ID` gets what it missed.
 * A client whose id fell out of that window (or comes from another run) gets a `relist` event:
 * re-read what it shows, then follow.
 *
 * Nothing is buffered per client: each client is a cursor into the shared window, written while
 * its socket accepts data; a client that stops reading falls behind the window and is told to
 * re-list when it reads again. A client that goes away takes its listener and timer with it.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Observable, Subscription } from 'rxjs'
import type { MergedChange } from '../index.js'
import { changeJson } from './json.js'

const DEFAULT_CAPACITY = 1024
const HEARTBEAT_MS = 15_000

interface Logged {
  seq: number
  data: string
}

/** The last `capacity` merged changes, numbered from 1 in commit order. */
export class ChangeLog {
  readonly boot = randomBytes(4).toString('hex')
  private readonly capacity: number
  private readonly window: Logged[] = []
  private last = 0
  private readonly listeners = new Set<() => void>()
  private readonly subscription: Subscription

  constructor(changes$: Observable<MergedChange>, { capacity = DEFAULT_CAPACITY }: { capacity?: number } = {}) {
    this.capacity = capacity
    this.subscription = changes$.subscribe({
      next: (change) => this.append(JSON.stringify(changeJson(change))),
      error: () => this.close()
    })
  }

  private append(data: string): void {
    this.window.push({ seq: ++this.last, data })
    if (this.window.length > this.capacity) this.window.splice(0, this.window.length - this.capacity)
    for (const listener of this.listeners) listener()
  }

  /** The number of the latest change (0: none yet). */
  get head(): number {
    return this.last
  }

  id(seq: number): string {
    return `${this.boot}-${seq}`
  }

  /** The change number in an event id of this run, or null (another run, or not an id at all). */
  parse(id: string): number | null {
    const match = /^([0-9a-f]+)-(\d+)$/.exec(id.trim())
    if (!match || match[1] !== this.boot) return null
    const seq = Number(match[2])
    return Number.isSafeInteger(seq) && seq <= this.last ? seq : null
  }

  /** Whether every change after `seq` is still in the window. */
  covers(seq: number): boolean {
    const oldest = this.window[0]?.seq ?? this.last + 1
    return seq >= oldest - 1 && seq <= this.last
  }

  /** The change right after `seq` (only while `covers(seq)` and `seq < head`). */
  after(seq: number): Logged | undefined {
    const oldest = this.window[0]?.seq ?? this.last + 1
    return this.window[seq + 1 - oldest]
  }

  /** Calls `listener` after each new change; returns the disposer. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.subscription.unsubscribe()
    this.listeners.clear()
  }
}

/** Open SSE responses, so a closing server can end them. */
export class ChangeStreams {
  private readonly log: ChangeLog
  /** Each open response with what ends its listener and timer. */
  private readonly open = new Map<ServerResponse, () => void>()

  constructor(log: ChangeLog) {
    this.log = log
  }

  get clients(): number {
    return this.open.size
  }

  /** Serves one client until it goes away or the server closes. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const log = this.log
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    })
    res.flushHeaders()

    const lastEventId = req.headers['last-event-id']
    const resumeFrom = typeof lastEventId === 'string' ? log.parse(lastEventId) : null
    let cursor = log.head
    let ready = false
    let waiting = false
    const relist = (reason: string) => {
      cursor = log.head
      return res.write(event('relist', log.id(cursor), { reason, id: log.id(cursor) }))
    }
    if (typeof lastEventId === 'string') {
      if (resumeFrom !== null && log.covers(resumeFrom)) cursor = resumeFrom
      else relist(resumeFrom === null ? 'unknown-id' : 'gap')
    }

    const pump = () => {
      if (waiting || res.destroyed || res.writableEnded) return
      while (cursor < log.head) {
        if (!log.covers(cursor)) {
          if (!relist('gap')) return drainThen()
          continue
        }
        const next = log.after(cursor)
        if (next === undefined) break
        cursor = next.seq
        if (!res.write(event(null, log.id(next.seq), next.data))) return drainThen()
      }
      if (!ready) {
        ready = true
        if (!res.write(event('ready', log.id(cursor), { id: log.id(cursor) }))) drainThen()
      }
    }
    const drainThen = () => {
      waiting = true
      res.once('drain', () => {
        waiting = false
        pump()
      })
    }

    const stopListening = log.onAppend(pump)
    const heartbeat = setInterval(() => {
      if (!waiting && !res.destroyed && !res.writableEnded) res.write(': keep-alive\n\n')
    }, HEARTBEAT_MS)
    const cleanup = () => {
      stopListening()
      clearInterval(heartbeat)
      this.open.delete(res)
    }
    this.open.set(res, cleanup)
    res.once('close', cleanup)
    pump()
  }

  /** Ends every stream (the server is closing): nothing is written to them after this. */
  closeAll(): void {
    for (const [res, cleanup] of this.open) {
      cleanup()
      res.end()
    }
  }
}

/** One event; changes have no name, so they are EventSource's default `message` events. */
function event(name: string | null, id: string, data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data)
  return `${name === null ? '' : `event: ${name}\n`}id: ${id}\ndata: ${text}\n\n`
}
