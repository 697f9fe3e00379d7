/**
 * Every path in conflict (several heads: drives wrote it concurrently), each with its candidates
 * and winner, and a link to its file panel.
 */
import type { WhoJson } from '../cli/json-shapes.js'
import { api } from './api.js'
import { fill, formatTime, h } from './dom.js'
import { driveBadge } from './drive-badge.js'

/** Paths whose candidates are fetched for the list; the rest are listed by name only. */
const DETAILED = 200

export interface ConflictsContext {
  /** The link to a path's file panel, and what following it does. */
  href(path: string): string
  open(path: string): void
}

export class ConflictsView {
  readonly element: HTMLElement
  private readonly ctx: ConflictsContext
  private generation = 0
  /** Who wins each listed path, as last fetched: a change to a path makes it fetched again. */
  private readonly known = new Map<string, WhoJson>()

  constructor(ctx: ConflictsContext) {
    this.ctx = ctx
    this.element = h('section', { class: 'view conflicts-view', 'aria-labelledby': 'conflicts-title' })
  }

  /** Paths that changed (all of them: changes were missed) are fetched again at the next render. */
  forget(paths: Iterable<string> | 'all'): void {
    // A render under way may have fetched them before they changed: its result is dropped.
    this.generation++
    if (paths === 'all') this.known.clear()
    else for (const path of paths) this.known.delete(path)
  }

  async render(paths: string[]): Promise<void> {
    const generation = ++this.generation
    const detailed = paths.slice(0, DETAILED)
    const missing = detailed.filter((path) => !this.known.has(path))
    const fetched = await Promise.all(missing.map((path) => api.who(path).catch(() => null)))
    if (generation !== this.generation) return
    for (const [i, path] of missing.entries()) {
      const who = fetched[i]
      if (who) this.known.set(path, who)
    }
    const listed = new Set(detailed)
    for (const path of this.known.keys()) if (!listed.has(path)) this.known.delete(path)
    const title = h('h2', { id: 'conflicts-title' }, 'Conflicts')
    if (paths.length === 0) {
      fill(this.element, title, h('p', { class: 'muted empty-state' }, 'No conflicts: every path has one head.'))
      return
    }
    const list = h('ul', { class: 'conflict-list' })
    for (const path of paths) list.append(this.item(path, this.known.get(path) ?? null))
    fill(
      this.element,
      title,
      h(
        'p',
        { class: 'muted' },
        `${paths.length} path${paths.length === 1 ? '' : 's'} written concurrently by several drives. Each still reads (the winner); open one to see why it wins and compare the versions.`
      ),
      list
    )
  }

  private item(path: string, who: WhoJson | null): HTMLElement {
    const link = h('a', { href: this.ctx.href(path), class: 'conflict-path' }, path)
    link.addEventListener('click', (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return
      e.preventDefault()
      this.ctx.open(path)
    })
    const candidates = h('ul', { class: 'conflict-candidates', 'aria-label': `versions of ${path}` })
    for (const c of who?.heads ?? []) {
      const winner = who?.winner?.drive === c.drive
      candidates.append(
        h(
          'li',
          { class: winner ? 'winner' : '', 'data-drive': c.drive },
          driveBadge(c.drive),
          ` ${c.kind === 'tombstone' ? 'deleted' : c.kind}, ${formatTime(c.t)}`,
          winner ? h('strong', { class: 'tag winner' }, 'wins') : null
        )
      )
    }
    return h('li', { class: 'conflict', 'data-path': path }, link, candidates)
  }
}
