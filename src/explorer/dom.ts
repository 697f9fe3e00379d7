/**
 * Building the page's elements. Everything a drive says (names, contents, metadata) is untrusted:
 * it only ever becomes text nodes or attribute values set through the DOM, never parsed as HTML.
 * `h` is the one way elements are made here, and it has no way to take markup.
 */

export type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined>

/**
 * An element with attributes and children: strings become text nodes; an attribute set to
 * `false`, `null` or `undefined` is left out, `true` is an empty attribute. `on*` names are refused
 * (listeners are added with `addEventListener`), so no attribute can carry script.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (/^on/i.test(name)) throw new Error(`h(): set listeners with addEventListener, not '${name}'`)
    if (value === false || value === null || value === undefined) continue
    el.setAttribute(name, value === true ? '' : String(value))
  }
  append(el, ...children)
  return el
}

export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    el.append(typeof child === 'number' ? String(child) : child)
  }
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

/** Marks an element as just changed: a short highlight, removed when its animation ends. */
export function flash(el: Element): void {
  el.classList.remove('flash')
  // Reading layout between remove and add restarts the animation on an element that still flashes.
  void (el as HTMLElement).offsetWidth
  el.classList.add('flash')
  el.addEventListener('animationend', () => el.classList.remove('flash'), { once: true })
}

/** `1536` as `1.5 KiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** A stamp time (ms) as `2026-11-28 10:00:00.123` in local time; `0` is a record with no stamp. */
export function formatTime(ms: number): string {
  if (ms === 0) return 'unstamped'
  const d = new Date(ms)
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}
