/**
 * The panel beside the tree: a file (its stat, a preview, a download link, and who wins it and
 * why, with losing versions of a conflict opened side by side with the winner), or a folder (with
 * the write controls when writes are unlocked: upload into it, create a folder, delete).
 */
import type { CandidateJson, StatJson, WhoJson } from '../cli/json-shapes.js'
import { api, fileUrl, join, parentOf, type Writes } from './api.js'
import { type Child, fill, flash, formatSize, formatTime, h } from './dom.js'
import { driveBadge } from './drive-badge.js'
import { preview } from './preview.js'
import { explain, reasonText, type Standing, type WinReason } from './who-explain.js'

export interface PanelContext {
  /** The writes, or null while they are locked (no `--writable`, or no token given). */
  writes(): Writes | null
  /** Opens a path (after a write: the folder, or the new file). */
  open(dir: string, file: string | null): void
  notify(text: string, error?: boolean): void
  /** Re-lists folders after a write of this page (the change stream would too, a moment later). */
  written(folders: string[]): Promise<void>
}

function nameOf(path: string): string {
  return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1)
}

function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel-section' }, h('h3', {}, title), ...children)
}

function details(rows: [string, Child][]): HTMLElement {
  const dl = h('dl', { class: 'details' })
  for (const [term, value] of rows) dl.append(h('dt', {}, term), h('dd', {}, value))
  return dl
}

function clockOf(clock: Record<string, number>): HTMLElement {
  const keys = Object.keys(clock).sort()
  if (keys.length === 0) return h('span', { class: 'muted', title: 'its writer had seen no other record here' }, '{ }')
  return h(
    'span',
    { class: 'clock' },
    ...keys.map((key) => h('span', { class: 'clock-entry' }, driveBadge(key), h('span', {}, `seq ${clock[key]}`)))
  )
}

const KIND: Record<CandidateJson['kind'], string> = {
  file: 'file',
  symlink: 'symlink',
  dir: 'folder (mkdir)',
  mount: 'mount point (another drive)',
  tombstone: 'deleted (tombstone)'
}

/** Why a concurrent head lost, by what decided between the heads. */
const LOST: Record<WinReason, string> = {
  none: 'concurrent head',
  causal: 'concurrent head',
  time: 'concurrent head: lost on time (older stamp)',
  key: 'concurrent head: lost on drive key (same time, lower key)',
  directory: 'concurrent head: a directory beats a file'
}

function standingOf(standing: Standing, reason: WinReason): Child {
  switch (standing.role) {
    case 'winner':
      return h('strong', { class: 'tag winner' }, 'winner')
    case 'head':
      return h('span', { class: 'tag head' }, LOST[reason])
    case 'superseded':
      return h(
        'span',
        { class: 'tag superseded' },
        standing.how === 'later' ? 'superseded by a later record of ' : 'superseded: seen by ',
        driveBadge(standing.by.drive)
      )
  }
}

export class Panel {
  readonly element: HTMLElement
  private readonly ctx: PanelContext
  private path: string | null = null
  private kind: 'file' | 'folder' = 'folder'
  /** Bumped on every render: an answer for an older one is dropped. */
  private generation = 0
  /** The candidate shown beside the winner, if any. */
  private comparing: string | null = null
  /** A folder's write controls, kept across refreshes so that a change never wipes what is being typed. */
  private controls: { path: string; element: HTMLElement } | null = null

  constructor(ctx: PanelContext) {
    this.ctx = ctx
    this.element = h('section', { class: 'panel', 'aria-label': 'Selected path' })
  }

  /** Whether a change at one of these paths changes what the panel shows. */
  shows(paths: Set<string>): boolean {
    if (this.path === null) return false
    if (paths.has(this.path)) return true
    const prefix = this.path === '/' ? '/' : `${this.path}/`
    return this.kind === 'folder' && [...paths].some((p) => p.startsWith(prefix))
  }

  async show(path: string, kind: 'file' | 'folder'): Promise<void> {
    if (path !== this.path) {
      this.comparing = null
      this.controls = null
    }
    this.path = path
    this.kind = kind
    await this.render(false)
  }

  /** Shows the same path again with fresh data; `changed`: it changed, highlight it. */
  async refresh(changed = true): Promise<void> {
    if (this.path !== null) await this.render(changed)
  }

  private async render(changed: boolean): Promise<void> {
    const path = this.path as string
    const generation = ++this.generation
    const [stat, who] = await Promise.all([
      api.stat(path).catch((err: { code?: string }) => {
        if (err.code === 'ENOENT') return null
        throw err
      }),
      api.who(path)
    ])
    if (generation !== this.generation) return
    let body: HTMLElement
    if (stat === null) body = this.renderMissing(path, who)
    else if (stat.type === 'directory') body = this.renderFolder(stat, who, (await api.ls(path)).length)
    else body = await this.renderFile(stat, who)
    if (generation !== this.generation) return
    fill(this.element, body)
    this.element.dataset.path = path
    if (changed) flash(this.element)
  }

  private heading(path: string, what: string): HTMLElement {
    return h(
      'header',
      { class: 'panel-head' },
      h('p', { class: 'muted crumbs' }, what, ' in ', parentOf(path)),
      h('h2', { class: 'path' }, path === '/' ? 'The merged drive' : nameOf(path))
    )
  }

  private renderMissing(path: string, who: WhoJson): HTMLElement {
    return h(
      'div',
      {},
      this.heading(path, 'nothing'),
      h(
        'p',
        { class: 'notice' },
        who.winner?.kind === 'tombstone' ? 'This path was deleted: a tombstone wins it.' : 'Nothing lives at this path.'
      ),
      this.whoSection(who)
    )
  }

  private async renderFile(stat: StatJson, who: WhoJson): Promise<HTMLElement> {
    const path = stat.path
    const content = await preview(fileUrl(path), nameOf(path)).catch((err: Error) =>
      h('p', { class: 'error' }, `No preview: ${err.message}`)
    )
    const writes = this.ctx.writes()
    return h(
      'div',
      {},
      // /stat follows symlinks: who wins says whether the path itself is one.
      this.heading(path, who.winner?.kind === 'symlink' ? 'link' : 'file'),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: fileUrl(path), download: nameOf(path) }, 'Download'),
        writes ? this.deleteButton(path, false) : null
      ),
      section(
        'Details',
        details([
          ['Size', `${formatSize(stat.size)} (${stat.size} bytes)`],
          ['Modified', formatTime(stat.mtimeMs)],
          ['Mode', `${stat.mode.toString(8)}${stat.executable ? ' (executable)' : ''}`],
          [
            'Winning drive',
            h('span', {}, driveBadge(stat.drive), ' ', h('code', { class: 'key-full' }, stat.drive ?? ''))
          ],
          ...(stat.metadata === null
            ? []
            : ([['Metadata', h('pre', { class: 'metadata' }, JSON.stringify(stat.metadata, null, 2))]] as [
                string,
                Child
              ][]))
        ])
      ),
      section('Preview', content),
      this.whoSection(who),
      this.compareSection(path, who)
    )
  }

  private renderFolder(stat: StatJson, who: WhoJson, entries: number): HTMLElement {
    const path = stat.path
    const writes = this.ctx.writes()
    const rows: [string, Child][] = [['Contents', `${entries} entr${entries === 1 ? 'y' : 'ies'}`]]
    // A folder made by mkdir has a record of its own; one that exists through its files has none.
    if (stat.drive === null) rows.push(['Record', 'none: it exists through what lives under it'])
    else rows.push(['Made by', driveBadge(stat.drive)], ['Made', formatTime(stat.mtimeMs)])
    if (stat.mount !== null) rows.push(['Mounts', driveBadge(stat.mount)])
    return h(
      'div',
      {},
      this.heading(path, 'folder'),
      section('Details', details(rows)),
      writes ? this.folderControls(path) : null,
      who.candidates.length > 0 ? this.whoSection(who) : null
    )
  }

  private whoSection(who: WhoJson): HTMLElement {
    const { reason, standings } = explain(who)
    const table = h(
      'table',
      { class: 'candidates' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Drive', 'Kind', 'Seq', 'Time', 'Clock', 'Head', 'Standing', ''].map((title) =>
            h('th', { scope: 'col' }, title)
          )
        )
      )
    )
    const tbody = h('tbody', {})
    who.candidates.forEach((c, i) => {
      const standing = standings[i] ?? { role: 'head' }
      const head = who.heads.some((x) => x.drive === c.drive && x.seq === c.seq)
      const canCompare = who.conflict && c.kind === 'file' && standing.role !== 'winner' && who.winner?.kind === 'file'
      const compare = canCompare
        ? h(
            'button',
            { type: 'button', class: 'compare', 'aria-pressed': this.comparing === c.drive ? 'true' : 'false' },
            'Compare'
          )
        : null
      compare?.addEventListener('click', () => {
        this.comparing = this.comparing === c.drive ? null : c.drive
        this.render(false).catch((err: Error) => this.ctx.notify(err.message, true))
      })
      tbody.append(
        h(
          'tr',
          { class: standing.role, 'data-drive': c.drive },
          h('td', { 'data-label': 'Drive' }, driveBadge(c.drive)),
          h('td', { 'data-label': 'Kind' }, KIND[c.kind]),
          h('td', { 'data-label': 'Seq' }, c.seq),
          h('td', { 'data-label': 'Time' }, formatTime(c.t)),
          h('td', { 'data-label': 'Clock' }, clockOf(c.clock)),
          h('td', { 'data-label': 'Head' }, head ? 'yes' : 'no'),
          h('td', { 'data-label': 'Standing' }, standingOf(standing, reason)),
          h('td', {}, compare)
        )
      )
    })
    table.append(tbody)
    return section(
      'Who wins',
      who.winner === null
        ? null
        : h('p', { class: 'winner-line' }, 'Winner: ', driveBadge(who.winner.drive), ` (${KIND[who.winner.kind]})`),
      h('p', { class: `reason reason-${reason}` }, reasonText(reason, who)),
      who.conflict ? h('p', { class: 'notice conflict' }, `Conflict: ${who.heads.length} concurrent heads.`) : null,
      who.candidates.length > 0 ? h('div', { class: 'table-wrap' }, table) : null
    )
  }

  /** The winner and one losing version, side by side (stacked on a narrow screen). */
  private compareSection(path: string, who: WhoJson): HTMLElement | null {
    const other = who.candidates.find((c) => c.drive === this.comparing)
    if (!other || !who.winner) return null
    const column = (c: CandidateJson, title: string) => {
      const body = h('div', { class: 'compare-body' }, h('p', { class: 'muted' }, 'Loading…'))
      // Each version by its own drive's record, so both sides stay what they say they are.
      preview(fileUrl(path, c.drive), nameOf(path))
        .then((el) => fill(body, el))
        .catch((err: Error) => fill(body, h('p', { class: 'error' }, err.message)))
      return h(
        'div',
        { class: 'compare-side', 'data-drive': c.drive },
        h('h4', {}, title, ' ', driveBadge(c.drive)),
        h('p', { class: 'muted' }, `${KIND[c.kind]}, seq ${c.seq}, ${formatTime(c.t)}`),
        h('a', { href: fileUrl(path, c.drive), download: nameOf(path) }, 'Download this version'),
        body
      )
    }
    return section(
      'Side by side',
      h('div', { class: 'compare-grid' }, column(who.winner, 'Winner'), column(other, 'Losing version'))
    )
  }

  private deleteButton(path: string, recursive: boolean): HTMLElement {
    const wrap = h('span', { class: 'confirm' })
    const ask = h('button', { type: 'button', class: 'danger', 'data-write': 'delete' }, 'Delete…')
    ask.addEventListener('click', () => {
      const yes = h(
        'button',
        { type: 'button', class: 'danger', 'data-write': 'confirm-delete' },
        `Delete ${nameOf(path)}`
      )
      const no = h('button', { type: 'button' }, 'Cancel')
      yes.addEventListener('click', () => this.remove(path, recursive))
      no.addEventListener('click', () => fill(wrap, ask))
      fill(wrap, h('span', {}, recursive ? 'Delete the folder and all under it?' : 'Delete for every peer?'), yes, no)
      yes.focus()
    })
    wrap.append(ask)
    return wrap
  }

  private async remove(path: string, recursive: boolean): Promise<void> {
    const writes = this.ctx.writes()
    if (!writes) return
    try {
      await writes.remove(path, recursive)
      this.ctx.notify(`Deleted ${path}`)
      await this.ctx.written([parentOf(path)])
      this.ctx.open(parentOf(path), null)
    } catch (err) {
      this.ctx.notify(`Delete failed: ${(err as Error).message}`, true)
    }
  }

  private folderControls(folder: string): HTMLElement {
    if (this.controls?.path !== folder) this.controls = { path: folder, element: this.folderWrites(folder) }
    return this.controls.element
  }

  /** Upload, new folder, delete: each takes the writes when used (the token may have changed since). */
  private folderWrites(folder: string): HTMLElement {
    const files = h('input', { type: 'file', multiple: true, id: 'upload-input', 'data-write': 'upload' })
    files.addEventListener('change', async () => {
      const writes = this.ctx.writes()
      const chosen = [...(files.files ?? [])]
      for (const file of chosen) {
        const path = join(folder, file.name)
        try {
          if (!writes) throw new Error('writes are locked')
          await writes.put(path, file)
          this.ctx.notify(`Uploaded ${path} (${formatSize(file.size)})`)
        } catch (err) {
          this.ctx.notify(`Upload of ${file.name} failed: ${(err as Error).message}`, true)
        }
      }
      files.value = ''
      await this.ctx.written([folder])
    })
    const name = h('input', {
      type: 'text',
      id: 'mkdir-name',
      required: true,
      autocomplete: 'off',
      'data-write': 'mkdir-name'
    })
    const form = h(
      'form',
      { class: 'mkdir' },
      h('label', { for: 'mkdir-name' }, 'New folder'),
      name,
      h('button', { type: 'submit', 'data-write': 'mkdir' }, 'Create')
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const value = name.value.trim()
      if (value === '' || value.includes('/') || value === '.' || value === '..') {
        this.ctx.notify('A folder name cannot be empty, contain "/", or be "." or ".."', true)
        return
      }
      const path = join(folder, value)
      try {
        const writes = this.ctx.writes()
        if (!writes) throw new Error('writes are locked')
        await writes.mkdir(path)
        this.ctx.notify(`Created ${path}`)
        await this.ctx.written([folder])
        this.ctx.open(path, null)
      } catch (err) {
        this.ctx.notify(`Could not create ${path}: ${(err as Error).message}`, true)
      }
    })
    return section(
      'Change',
      h('div', { class: 'upload' }, h('label', { for: 'upload-input' }, `Upload files into ${folder}`), files),
      form,
      folder === '/' ? null : h('div', { class: 'actions' }, this.deleteButton(folder, true))
    )
  }
}
