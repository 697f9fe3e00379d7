/**
 * How the page names a drive: a short key and a colour computed from the key alone, so a drive has
 * the same colour everywhere on the page, on every reload and on every peer's page.
 */
import { h } from './dom.js'

/** Characters of the hex key shown: enough to tell a handful of drives apart at a glance. */
const SHORT = 8

let writerKey: string | null = null

/** This peer's own writable drive, marked "you" wherever it appears. */
export function setWriter(key: string): void {
  writerKey = key
}

export function shortKey(key: string): string {
  return key.slice(0, SHORT)
}

/** A hue from the key's bytes, spread by the golden angle so that close keys get far apart hues. */
export function hueOf(key: string): number {
  let hash = 0
  for (let i = 0; i < key.length; i += 8) hash = (hash * 31 + Number.parseInt(key.slice(i, i + 8), 16)) >>> 0
  return Math.round((hash * 137.508) % 360)
}

/** A drive's badge: a colour swatch and its short key, the full key in the tooltip. */
export function driveBadge(key: string | null): HTMLElement {
  if (key === null) return h('span', { class: 'badge none', title: 'exists through what lives under it' }, '—')
  const you = key === writerKey
  const badge = h(
    'span',
    {
      class: `badge${you ? ' you' : ''}`,
      title: `drive ${key}${you ? ' (this peer’s writer)' : ''}`,
      'data-drive': key
    },
    h('span', { class: 'swatch', 'aria-hidden': 'true' }),
    h('span', { class: 'key' }, shortKey(key)),
    you ? h('span', { class: 'you-mark' }, 'you') : null
  )
  // A custom property through the CSSOM: allowed by the page's CSP, unlike a style attribute.
  badge.style.setProperty('--hue', String(hueOf(key)))
  return badge
}
