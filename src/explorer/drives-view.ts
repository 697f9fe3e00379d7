/**
 * The merged drives: each with its actor's state, how far it is indexed (indexed vs known length,
 * as a progress bar), the peers connected for it, and this peer's writer marked. Polled while shown:
 * the server sends no events for indexing progress.
 */
import type { DriveJson } from '../cli/json-shapes.js'
import { api } from './api.js'
import { fill, h } from './dom.js'
import { driveBadge } from './drive-badge.js'

const POLL_MS = 2000

const STATES: Record<NonNullable<DriveJson['state']>, string> = {
  opening: 'opening',
  catchingUp: 'catching up (indexing)',
  live: 'live',
  waitingForPeers: 'waiting for peers',
  retrying: 'retrying',
  stuck: 'stuck',
  closed: 'closed'
}

/** What went wrong reading the drive: where its log stopped being readable, or the last read error. */
function problemOf(d: DriveJson): string | null {
  return d.stuck ? `stuck at seq ${d.stuck.seq}: ${d.stuck.reason}` : d.lastError
}

export class DrivesView {
  readonly element: HTMLElement
  private timer: ReturnType<typeof setTimeout> | null = null
  private readonly onError: (err: unknown) => void

  constructor(onError: (err: unknown) => void) {
    this.onError = onError
    this.element = h('section', { class: 'view drives-view', 'aria-labelledby': 'drives-title' })
  }

  /** Shows the drives now and keeps them fresh until `stop()`. */
  start(): void {
    this.stop()
    const tick = async () => {
      try {
        this.render(await api.drives())
      } catch (err) {
        this.onError(err)
      }
      if (this.timer !== null) this.timer = setTimeout(tick, POLL_MS)
    }
    this.timer = setTimeout(tick, 0)
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  render(drives: DriveJson[]): void {
    const rows = drives.map((d) => {
      const bar = h('progress', {
        max: d.length ?? 1,
        'aria-label': `indexed ${d.indexed} of ${d.length ?? 'unknown'} blocks`
      })
      if (d.length !== null) bar.value = d.indexed
      else bar.removeAttribute('value') // indeterminate while the length is unknown
      return h(
        'tr',
        { class: d.writer ? 'writer' : '', 'data-drive': d.key },
        h(
          'td',
          { 'data-label': 'Drive' },
          driveBadge(d.key),
          h('code', { class: 'key-full' }, d.key),
          d.writer ? h('strong', { class: 'tag writer' }, 'writer (this peer)') : null
        ),
        h(
          'td',
          { 'data-label': 'State', class: `state state-${d.state ?? 'none'}` },
          d.state === null ? 'no actor' : STATES[d.state]
        ),
        h(
          'td',
          { 'data-label': 'Indexed' },
          bar,
          h(
            'span',
            { class: 'progress-text' },
            `${d.indexed} / ${d.length ?? '?'}${d.progress === null ? '' : ` (${Math.floor(d.progress * 100)}%)`}`
          )
        ),
        h('td', { 'data-label': 'Peers' }, d.peers),
        h('td', { 'data-label': 'Last error', class: problemOf(d) ? 'error' : 'muted' }, problemOf(d) ?? '—')
      )
    })
    fill(
      this.element,
      h('h2', { id: 'drives-title' }, 'Drives'),
      h(
        'p',
        { class: 'muted' },
        `${drives.length} drive${drives.length === 1 ? '' : 's'} merged. A drive is fully indexed when it is live at 100%.`
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'drives' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Drive', 'State', 'Indexed', 'Peers', 'Last error'].map((t) => h('th', { scope: 'col' }, t))
            )
          ),
          h('tbody', {}, ...rows)
        )
      )
    )
  }
}
