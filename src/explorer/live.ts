/**
 * Following `GET /changes`. EventSource reconnects by itself and sends the last id it saw as
 * `Last-Event-ID`, so the server replays what was missed; when it cannot (a restarted server, an id
 * out of its window) it sends `relist` and the page re-reads what it shows. If the browser gives up
 * on the stream (an HTTP error), a new one is opened after a pause, and the page re-reads too,
 * since a new EventSource has no id to resume from.
 */
import type { ChangeJson } from '../cli/json-shapes.js'

export type LiveStatus = 'connecting' | 'live' | 'reconnecting'

export interface LiveHandlers {
  change(change: ChangeJson): void
  /** Every later change will arrive: the first time, the page can read what it shows. */
  ready(first: boolean): void
  /** Changes were missed: re-read everything shown. */
  relist(reason: string): void
  status(status: LiveStatus): void
}

const RETRY_MS = 3000

export function follow(handlers: LiveHandlers): () => void {
  let source: EventSource | null = null
  let retry: ReturnType<typeof setTimeout> | null = null
  let first = true
  let resumed = false
  const connect = () => {
    handlers.status('connecting')
    const es = new EventSource('/changes')
    source = es
    es.onmessage = (e) => handlers.change(JSON.parse(e.data) as ChangeJson)
    es.addEventListener('ready', () => {
      handlers.status('live')
      handlers.ready(first)
      if (resumed) handlers.relist('new-stream')
      first = false
      resumed = false
    })
    es.addEventListener('relist', (e) => {
      const { reason } = JSON.parse((e as MessageEvent).data) as { reason: string }
      handlers.relist(reason)
    })
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) return handlers.status('reconnecting')
      handlers.status('reconnecting')
      es.close()
      resumed = !first
      retry = setTimeout(connect, RETRY_MS)
    }
  }
  connect()
  return () => {
    if (retry !== null) clearTimeout(retry)
    source?.close()
  }
}
