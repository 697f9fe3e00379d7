/**
 * What the page shows, kept in its URL so that a reload or a shared link opens the same view:
 * `/?dir=/docs&file=/docs/a.md` (the folder open in the tree and the file selected),
 * `/?view=conflicts`, `/?view=drives` (the other views; the folder and file are kept for the way back).
 */

export type View = 'files' | 'conflicts' | 'drives'

export interface Route {
  view: View
  /** The folder open in the tree (its ancestors are expanded too). */
  dir: string
  /** The selected file, or null: the panel then shows the folder. */
  file: string | null
}

/** A path from a URL (a shared link is untrusted): absolute, no empty, `.` or `..` segments. */
function cleanPath(value: string | null): string | null {
  if (value === null) return null
  const names = value.split('/').filter((name) => name !== '' && name !== '.' && name !== '..')
  return `/${names.join('/')}`
}

export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search)
  const view = params.get('view')
  const file = cleanPath(params.get('file'))
  return {
    view: view === 'conflicts' || view === 'drives' ? view : 'files',
    dir: cleanPath(params.get('dir')) ?? '/',
    file: file === '/' ? null : file
  }
}

export function routeUrl(route: Route): string {
  const params = new URLSearchParams()
  if (route.view !== 'files') params.set('view', route.view)
  if (route.dir !== '/') params.set('dir', route.dir)
  if (route.file !== null) params.set('file', route.file)
  const query = params.toString()
  return query === '' ? '/' : `/?${query}`
}
