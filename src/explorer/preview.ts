/**
 * A file's content shown in the page: text as text (in a <pre>, through textContent: HTML and SVG
 * sources show as source), images as <img> (an image context runs no script, and the file is
 * served with `Content-Security-Policy: sandbox`), anything else as a download link only.
 */
import { request } from './api.js'
import { h } from './dom.js'

/** Text previews show at most this much of a file. */
const PREVIEW_BYTES = 64 * 1024
const IMAGE = /\.(png|jpe?g|gif|webp|avif|bmp|ico|svg)$/i
const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|x-sh|yaml|toml|x-yaml|ld\+json))/

/** Bytes with no NUL that decode as UTF-8 (a cut last character allowed) are text. */
function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, Math.max(0, bytes.length - 3)))
    return true
  } catch {
    return false
  }
}

/** The preview of the file at `url` (the winner's, or one drive's version), named `name`. */
export async function preview(url: string, name: string): Promise<HTMLElement> {
  if (IMAGE.test(name)) return h('img', { class: 'preview-image', src: url, alt: `the image ${name}` })
  let res: Response
  try {
    res = await request(url, { headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` } })
  } catch (err) {
    // Any range of an empty file is unsatisfiable.
    if ((err as { code?: string }).code === 'ERANGE') return h('p', { class: 'muted' }, 'Empty file.')
    throw err
  }
  const bytes = new Uint8Array(await res.arrayBuffer())
  const size = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? bytes.length)
  const type = res.headers.get('content-type') ?? ''
  if (!TEXT_TYPE.test(type) && !isText(bytes)) {
    return h('p', { class: 'muted' }, `No preview for this kind of file (${type || 'unknown type'}): download it.`)
  }
  const text = new TextDecoder().decode(bytes)
  return h(
    'div',
    { class: 'preview-text' },
    h('pre', { tabindex: '0', 'aria-label': `the content of ${name}` }, text),
    size > PREVIEW_BYTES ? h('p', { class: 'muted' }, `The first ${PREVIEW_BYTES / 1024} KiB of ${size} bytes.`) : null
  )
}
