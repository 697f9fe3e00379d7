/**
 * The merged tree: folders load when expanded, rows keep their elements across updates (so focus
 * and highlights survive a re-list), and the keyboard works as in the WAI-ARIA tree pattern
 * (arrows move, Right/Left expand/collapse, Enter opens, Home/End). One row is tabbable at a time.
 */
import type { LsEntryJson } from '../cli/json-shapes.js'
import { api, join } from './api.js'
import { fill, flash, formatSize, h } from './dom.js'
import { driveBadge } from './drive-badge.js'

export interface TreeOptions {
  /** A row was opened (click, Enter): a file to show, or a folder to show and expand. */
  onOpen(path: string, type: LsEntryJson['type']): void
  onError(err: unknown): void
}

interface Row {
  li: HTMLLIElement
  entry: LsEntryJson
}

/** What a row shows: when it changes, the row is updated and highlighted. */
function signature(e: LsEntryJson): string {
  return `${e.type}|${e.size}|${e.drive}|${e.mtimeMs}|${e.linkname}`
}

export class Tree {
  readonly element: HTMLUListElement
  private readonly opts: TreeOptions
  /** Loaded folders: path -> the list holding its rows. The root's is the tree itself. */
  private readonly groups = new Map<string, HTMLUListElement>()
  private readonly rows = new Map<string, Row>()
  private readonly expanded = new Set<string>(['/'])
  private conflicts = new Set<string>()
  private selected: string | null = null

  constructor(opts: TreeOptions) {
    this.opts = opts
    this.element = h('ul', { class: 'tree', role: 'tree', 'aria-label': 'Merged drive' })
    this.groups.set('/', this.element)
    this.element.addEventListener('keydown', (e) => this.onKey(e))
    this.element.addEventListener('click', (e) => this.onClick(e))
  }

  /** The row of a path, if shown. */
  row(path: string): HTMLLIElement | undefined {
    return this.rows.get(path)?.li
  }

  /** Lists the root again, and every expanded folder under it. */
  async reload(): Promise<void> {
    await this.refresh([...this.groups.keys()], new Set())
  }

  /**
   * Lists loaded folders again (parents first), updating rows in place; rows that are new or
   * changed, and those of `changed` paths, are highlighted.
   */
  async refresh(folders: Iterable<string>, changed: Set<string>): Promise<void> {
    const sorted = [...new Set(folders)].filter((f) => this.groups.has(f)).sort((a, b) => a.length - b.length)
    for (const folder of sorted) {
      if (!this.groups.has(folder)) continue // went with its parent
      await this.list(folder, changed)
    }
  }

  /** Expands every folder down to `dir` (loading them) and selects `path`. */
  async reveal(dir: string, path: string): Promise<void> {
    const names = dir.split('/').filter((n) => n !== '')
    if (!this.listed('/')) await this.list('/', new Set())
    let folder = '/'
    for (const name of names) {
      folder = join(folder, name)
      if (this.rows.get(folder)?.entry.type !== 'directory') break
      await this.expand(folder)
    }
    this.select(path)
  }

  select(path: string | null): void {
    if (this.selected !== null) this.rows.get(this.selected)?.li.setAttribute('aria-selected', 'false')
    this.selected = path
    const row = path === null ? undefined : this.rows.get(path)
    if (row) {
      row.li.setAttribute('aria-selected', 'true')
      this.makeTabbable(row.li)
      row.li.querySelector('.row')?.scrollIntoView({ block: 'nearest' })
    }
  }

  setConflicts(paths: Iterable<string>): void {
    const next = new Set(paths)
    for (const path of new Set([...this.conflicts, ...next])) {
      const row = this.rows.get(path)
      if (row) this.renderRow(row.li, row.entry, next.has(path))
    }
    this.conflicts = next
  }

  async expand(path: string): Promise<void> {
    const row = this.rows.get(path)
    if (row?.entry.type !== 'directory') return
    this.expanded.add(path)
    row.li.setAttribute('aria-expanded', 'true')
    const group = row.li.querySelector(':scope > ul') as HTMLUListElement
    group.hidden = false
    if (!this.groups.has(path)) {
      this.groups.set(path, group)
      await this.list(path, new Set())
    }
  }

  collapse(path: string): void {
    const row = this.rows.get(path)
    if (row?.entry.type !== 'directory') return
    this.expanded.delete(path)
    row.li.setAttribute('aria-expanded', 'false')
    ;(row.li.querySelector(':scope > ul') as HTMLUListElement).hidden = true
  }

  private async list(folder: string, changed: Set<string>): Promise<void> {
    const group = this.groups.get(folder)
    if (!group) return
    let entries: LsEntryJson[]
    try {
      entries = await api.ls(folder)
    } catch (err) {
      const code = (err as { code?: string }).code
      // The folder is gone (or became a file): its parent's listing drops its row.
      if (code === 'ENOENT' || code === 'ENOTDIR') return this.forget(folder)
      throw err
    }
    const keep = new Set(entries.map((e) => e.path))
    for (const li of [...group.children]) {
      const path = (li as HTMLElement).dataset.path
      if (path !== undefined && !keep.has(path)) this.forget(path)
      if (path === undefined || this.rows.get(path)?.li !== li) li.remove()
    }
    entries.forEach((entry, i) => {
      let row = this.rows.get(entry.path)
      if (row && (row.entry.type === 'directory') !== (entry.type === 'directory')) {
        row.li.remove()
        this.forget(entry.path)
        row = undefined
      }
      const fresh = row === undefined
      const differs = row !== undefined && signature(row.entry) !== signature(entry)
      if (row === undefined) row = { li: this.createRow(entry), entry }
      row.entry = entry
      this.rows.set(entry.path, row)
      if (fresh || differs) this.renderRow(row.li, entry, this.conflicts.has(entry.path))
      if (group.children[i] !== row.li) group.insertBefore(row.li, group.children[i] ?? null)
      // A row that appeared after the first listing is news; so is one whose content changed.
      if ((fresh && this.listed(folder)) || differs || changed.has(entry.path))
        flash(row.li.querySelector('.row') as Element)
    })
    if (entries.length === 0) group.append(h('li', { class: 'empty', role: 'none' }, 'empty folder'))
    group.dataset.listed = 'true'
    if (this.element.querySelector('[tabindex="0"]') === null) {
      const first = this.element.querySelector<HTMLLIElement>('[role="treeitem"]')
      if (first) this.makeTabbable(first)
    }
  }

  private listed(folder: string): boolean {
    return this.groups.get(folder)?.dataset.listed === 'true'
  }

  /** Drops what is known about a path and everything under it. */
  private forget(path: string): void {
    const prefix = `${path}/`
    for (const map of [this.rows, this.groups] as Map<string, unknown>[]) {
      for (const key of [...map.keys()]) if (key === path || key.startsWith(prefix)) map.delete(key)
    }
    for (const key of [...this.expanded]) if (key === path || key.startsWith(prefix)) this.expanded.delete(key)
    if (path === '/') this.groups.set('/', this.element)
  }

  private createRow(entry: LsEntryJson): HTMLLIElement {
    const dir = entry.type === 'directory'
    const depth = entry.path.split('/').length - 1
    const li = h('li', {
      role: 'treeitem',
      tabindex: '-1',
      'aria-level': depth,
      'aria-selected': entry.path === this.selected ? 'true' : 'false',
      'aria-expanded': dir ? 'false' : null,
      'data-type': dir ? 'directory' : 'file'
    })
    li.dataset.path = entry.path
    li.append(h('div', { class: 'row' }))
    if (dir) li.append(h('ul', { role: 'group', hidden: true }))
    return li
  }

  private renderRow(li: HTMLLIElement, entry: LsEntryJson, conflict: boolean): void {
    const row = li.querySelector(':scope > .row') as HTMLElement
    row.style.setProperty('--depth', String(entry.path.split('/').length - 2))
    const kind = entry.type === 'directory' ? 'folder' : entry.type === 'symlink' ? 'link' : 'file'
    fill(
      row,
      h('span', { class: 'twisty', 'aria-hidden': 'true' }),
      h('span', { class: `icon ${kind}`, 'aria-hidden': 'true' }),
      h('span', { class: 'name', title: entry.name }, entry.name),
      entry.type === 'symlink' ? h('span', { class: 'link' }, `→ ${entry.linkname ?? ''}`) : null,
      conflict
        ? h('span', { class: 'conflict-mark', title: 'several drives wrote this concurrently' }, 'conflict')
        : null,
      h('span', { class: 'size' }, entry.type === 'directory' ? '' : formatSize(entry.size)),
      driveBadge(entry.drive)
    )
    li.classList.toggle('conflict', conflict)
    li.setAttribute('aria-label', `${entry.name}, ${kind}${conflict ? ', in conflict' : ''}`)
  }

  private makeTabbable(li: HTMLLIElement): void {
    for (const other of this.element.querySelectorAll('[tabindex="0"]')) other.setAttribute('tabindex', '-1')
    li.setAttribute('tabindex', '0')
  }

  private focus(li: HTMLLIElement | undefined): void {
    if (!li) return
    this.makeTabbable(li)
    li.focus()
  }

  /** The rows a person can see (not inside a collapsed folder), top to bottom. */
  private visibleRows(): HTMLLIElement[] {
    return [...this.element.querySelectorAll<HTMLLIElement>('[role="treeitem"]')].filter(
      (li) => li.parentElement?.closest('ul[hidden]') === null
    )
  }

  private open(li: HTMLLIElement): void {
    const path = li.dataset.path as string
    const type = this.rows.get(path)?.entry.type ?? 'file'
    this.focus(li)
    this.opts.onOpen(path, type)
  }

  private toggle(li: HTMLLIElement): void {
    const path = li.dataset.path as string
    if (this.expanded.has(path)) this.collapse(path)
    else this.expand(path).catch(this.opts.onError)
  }

  private onClick(e: MouseEvent): void {
    const target = e.target as Element
    const li = target.closest<HTMLLIElement>('[role="treeitem"]')
    if (!li || !this.element.contains(li)) return
    if (target.closest('.twisty')) this.toggle(li)
    else this.open(li)
  }

  private onKey(e: KeyboardEvent): void {
    const li = (e.target as Element).closest<HTMLLIElement>('[role="treeitem"]')
    if (!li) return
    const rows = this.visibleRows()
    const at = rows.indexOf(li)
    const path = li.dataset.path as string
    const isDir = li.dataset.type === 'directory'
    switch (e.key) {
      case 'ArrowDown':
        this.focus(rows[at + 1])
        break
      case 'ArrowUp':
        this.focus(rows[at - 1])
        break
      case 'Home':
        this.focus(rows[0])
        break
      case 'End':
        this.focus(rows[rows.length - 1])
        break
      case 'ArrowRight':
        if (!isDir) return
        if (!this.expanded.has(path)) this.expand(path).catch(this.opts.onError)
        else this.focus(li.querySelector<HTMLLIElement>(':scope > ul > [role="treeitem"]') ?? undefined)
        break
      case 'ArrowLeft':
        if (isDir && this.expanded.has(path)) this.collapse(path)
        else this.focus(li.parentElement?.closest<HTMLLIElement>('[role="treeitem"]') ?? undefined)
        break
      case 'Enter':
      case ' ':
        this.open(li)
        break
      default:
        return
    }
    e.preventDefault()
  }
}
