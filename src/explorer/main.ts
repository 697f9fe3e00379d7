/**
 * The web explorer of `multidrive serve` (served at `/`): the merged tree with a file panel, the
 * conflicts, the drives, kept live by the change stream, with writes once a token is given to a
 * `--writable` server. What is shown lives in the URL (route.ts), so links and reloads restore it.
 */
import type { ChangeJson, HealthJson } from '../cli/json-shapes.js'
import { ancestorsOf, api, parentOf, type Writes, writes } from './api.js'
import { ConflictsView } from './conflicts-view.js'
import { fill, h } from './dom.js'
import { driveBadge, setWriter } from './drive-badge.js'
import { DrivesView } from './drives-view.js'
import { follow, type LiveStatus } from './live.js'
import { Panel } from './panel.js'
import { parseRoute, type Route, routeUrl, type View } from './route.js'
import { Tree } from './tree.js'

/** Where the token lives: this tab only, gone when it closes. */
const TOKEN_KEY = 'multidrive.token'
/** Changes arriving within this long are applied together (a burst re-lists a folder once). */
const COALESCE_MS = 60

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T
}

class Explorer {
  private route: Route = parseRoute(location.search)
  private health: HealthJson | null = null
  private token: string | null = sessionStorage.getItem(TOKEN_KEY)
  private conflicts: string[] = []
  private readonly tree: Tree
  private readonly panel: Panel
  private readonly conflictsView: ConflictsView
  private readonly drivesView: DrivesView
  /** Paths changed since the last update, and the folders to re-list for them. */
  private pending = new Set<string>()
  private flushTimer: ReturnType<typeof setTimeout> | null = null
  /** Updates of the page, one at a time, in order. */
  private queue: Promise<void> = Promise.resolve()
  private shown = false

  constructor() {
    this.tree = new Tree({
      onOpen: (path, type) => {
        this.go(
          type === 'directory'
            ? { view: 'files', dir: path, file: null }
            : { view: 'files', dir: parentOf(path), file: path }
        )
        // One column: the panel is below the tree, bring it into view.
        if (type !== 'directory' && matchMedia('(max-width: 800px)').matches) {
          this.enqueue(async () => this.panel.element.scrollIntoView({ block: 'start' }))
        }
      },
      onError: (err) => this.fail(err)
    })
    this.panel = new Panel({
      writes: () => this.writes(),
      open: (dir, file) => this.go({ view: 'files', dir, file }),
      notify: (text, error) => this.notify(text, error),
      written: (folders) => this.enqueue(() => this.tree.refresh(folders, new Set()))
    })
    this.conflictsView = new ConflictsView({
      href: (path) => routeUrl({ view: 'files', dir: parentOf(path), file: path }),
      open: (path) => this.go({ view: 'files', dir: parentOf(path), file: path })
    })
    this.drivesView = new DrivesView((err) => this.fail(err))
    byId('tree-pane').append(this.tree.element)
    byId('panel-pane').append(this.panel.element)
    byId('conflicts-view').append(this.conflictsView.element)
    byId('drives-view').append(this.drivesView.element)
    for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.views a')) {
      link.addEventListener('click', (e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return
        e.preventDefault()
        this.go({ ...this.route, view: link.dataset.view as View })
      })
    }
    window.addEventListener('popstate', () => {
      this.route = parseRoute(location.search)
      this.enqueue(() => this.apply())
    })
  }

  async start(): Promise<void> {
    this.health = await api.health()
    setWriter(this.health.writer)
    fill(byId('me'), 'you: ', driveBadge(this.health.writer))
    if (this.token !== null && this.health.writable) {
      // A token from earlier in this tab may be stale (a new data dir): check it once.
      await writes(this.token)
        .check()
        .catch(() => this.lock())
    }
    this.renderAccess()
    follow({
      change: (change) => this.changed(change),
      ready: (first) => {
        if (first) this.show()
      },
      relist: () => this.enqueue(() => this.relist()),
      status: (status) => this.status(status)
    })
    // Should the stream not open, the page still shows what there is.
    setTimeout(() => this.show(), 3000)
  }

  /** The first view, once the change stream is live (so nothing between is missed). */
  private show(): void {
    if (this.shown) return
    this.shown = true
    this.enqueue(async () => {
      await this.refreshConflicts()
      await this.apply()
      document.documentElement.dataset.ready = 'true'
    })
  }

  private go(route: Route): void {
    const url = routeUrl(route)
    if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url)
    this.route = route
    this.enqueue(() => this.apply())
  }

  /** Shows the view the route names. */
  private async apply(): Promise<void> {
    const { view, dir, file } = this.route
    for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.views a')) {
      if (link.dataset.view === view) link.setAttribute('aria-current', 'page')
      else link.removeAttribute('aria-current')
    }
    byId('files-view').hidden = view !== 'files'
    byId('conflicts-view').hidden = view !== 'conflicts'
    byId('drives-view').hidden = view !== 'drives'
    if (view === 'drives') this.drivesView.start()
    else this.drivesView.stop()
    if (view === 'conflicts') await this.conflictsView.render(this.conflicts)
    if (view === 'files') {
      const path = file ?? dir
      await this.tree.reveal(dir, path)
      await this.panel.show(path, file === null ? 'folder' : 'file')
    }
    document.title = `${view === 'files' ? (file ?? dir) : view} · multidrive`
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task)
    this.queue = run.catch((err) => this.fail(err))
    return run
  }

  private changed(change: ChangeJson): void {
    this.pending.add(change.path)
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null
      const paths = this.pending
      this.pending = new Set()
      this.enqueue(() => this.update(paths))
    }, COALESCE_MS)
  }

  /** Applies changed paths: their folders re-listed (and highlighted), the panel, the conflicts. */
  private async update(paths: Set<string>): Promise<void> {
    const folders = new Set<string>()
    for (const path of paths) for (const folder of ancestorsOf(path)) folders.add(folder)
    await this.tree.refresh(folders, paths)
    this.conflictsView.forget(paths)
    await this.refreshConflicts()
    if (this.route.view === 'files' && this.panel.shows(paths)) await this.panel.refresh()
    if (this.route.view === 'conflicts') await this.conflictsView.render(this.conflicts)
    const html = document.documentElement
    html.dataset.updates = String(Number(html.dataset.updates ?? 0) + 1)
  }

  /** Re-reads everything shown (changes were missed). */
  private async relist(): Promise<void> {
    this.notify('Reconnected: the view was re-read from the server.')
    this.health = await api.health()
    await this.tree.reload()
    this.conflictsView.forget('all')
    await this.refreshConflicts()
    await this.apply()
    const html = document.documentElement
    html.dataset.relists = String(Number(html.dataset.relists ?? 0) + 1)
  }

  private async refreshConflicts(): Promise<void> {
    this.conflicts = await api.conflicts()
    this.tree.setConflicts(this.conflicts)
    byId('conflict-count').textContent = this.conflicts.length > 0 ? String(this.conflicts.length) : ''
    byId('drive-count').textContent = String(this.health?.drives ?? '')
  }

  private status(status: LiveStatus): void {
    const el = byId('live')
    el.textContent = status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : 'reconnecting…'
    el.dataset.status = status
    document.documentElement.dataset.live = status
  }

  private notify(text: string, error = false): void {
    const el = byId('notice')
    el.hidden = false
    el.textContent = text
    el.classList.toggle('error', error)
  }

  private fail(err: unknown): void {
    this.notify((err as Error)?.message ?? String(err), true)
  }

  /** The writes, when this server takes them and the page has the token. */
  private writes(): Writes | null {
    if (!this.health?.writable || this.token === null) return null
    const w = writes(this.token)
    // A token the server refuses (401) is dropped at once: the write controls go with it.
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A) =>
        fn(...args).catch((err: { status?: number }) => {
          if (err.status === 401) this.lock()
          throw err
        })
    return { check: guard(w.check), put: guard(w.put), remove: guard(w.remove), mkdir: guard(w.mkdir) }
  }

  private lock(): void {
    this.token = null
    sessionStorage.removeItem(TOKEN_KEY)
    this.renderAccess()
    if (this.shown) this.enqueue(() => this.panel.refresh(false))
  }

  /** The write access control: nothing on a read-only server, else unlock (paste the token) or lock. */
  private renderAccess(): void {
    const access = byId('access')
    if (!this.health?.writable) {
      fill(access, h('span', { class: 'muted', title: 'start multidrive serve --writable to write here' }, 'read-only'))
      return
    }
    if (this.token !== null) {
      const lock = h('button', { type: 'button', id: 'lock' }, 'Lock')
      lock.addEventListener('click', () => {
        this.lock()
        this.notify('Writes locked: the token was forgotten.')
      })
      fill(access, h('span', { class: 'tag writes-on' }, 'writes on'), lock)
      return
    }
    const unlock = h('button', { type: 'button', id: 'unlock', 'aria-expanded': 'false' }, 'Unlock writes…')
    unlock.addEventListener('click', () => this.tokenForm())
    fill(access, unlock)
  }

  private tokenForm(): void {
    const input = h('input', {
      type: 'password',
      id: 'token',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true
    })
    const cancel = h('button', { type: 'button' }, 'Cancel')
    const form = h(
      'form',
      { class: 'token-form' },
      h('label', { for: 'token' }, 'Token ', h('span', { class: 'muted' }, '(cat DATA_DIR/token)')),
      input,
      h('button', { type: 'submit' }, 'Unlock'),
      cancel
    )
    cancel.addEventListener('click', () => this.renderAccess())
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const token = input.value.trim()
      try {
        await writes(token).check()
      } catch (err) {
        this.notify(`The server refused this token: ${(err as Error).message}`, true)
        input.select()
        return
      }
      this.token = token
      sessionStorage.setItem(TOKEN_KEY, token)
      this.renderAccess()
      this.notify('Writes unlocked for this tab.')
      await this.enqueue(() => this.panel.refresh(false))
    })
    fill(byId('access'), form)
    input.focus()
  }
}

new Explorer().start().catch((err: Error) => {
  const notice = byId('notice')
  notice.hidden = false
  notice.classList.add('error')
  notice.textContent = `The explorer could not start: ${err.message}`
})
