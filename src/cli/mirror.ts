/**
 * `multidrive mirror DIR`: makes a folder on disk equal to the merged view (mirror-drive into a
 * localdrive): new and changed files are written (atomically), files the view no longer has are
 * removed. Two kinds of entries are left alone, neither copied nor pruned: files whose content
 * is not downloaded here, and symlinks whose target would point outside DIR.
 */
import { resolve, sep } from 'node:path'
import Localdrive from 'localdrive'
import type { MergedEntry, MultiDrive } from '../index.js'
import { ensureLocal } from './content.js'
import { progressBar } from './progress.js'

export interface MirrorResult {
  add: number
  change: number
  remove: number
  equal: number
  /** Entries left alone, with why. */
  skipped: { path: string; reason: string }[]
}

function escapes(root: string, entry: MergedEntry): boolean {
  const link = entry.value.linkname
  if (!link) return false
  // Absolute targets are rewritten under DIR by localdrive; relative ones are taken as they are.
  if (link.startsWith('/')) return false
  const parent = resolve(root, `.${entry.key}`, '..')
  const target = resolve(parent, link)
  return target !== root && !target.startsWith(root + sep)
}

export async function mirrorTo(multi: MultiDrive, dir: string, { prune = true } = {}): Promise<MirrorResult> {
  const root = resolve(dir)
  const skipped: MirrorResult['skipped'] = []
  let files = 0
  for await (const entry of multi.list('/')) {
    files++
    if (escapes(root, entry)) {
      skipped.push({ path: entry.key, reason: `symlink target '${entry.value.linkname}' is outside ${root}` })
      continue
    }
    // A symlink has no content of its own to be missing.
    if (entry.value.linkname) continue
    try {
      await ensureLocal(multi, entry, 0)
    } catch (err) {
      skipped.push({ path: entry.key, reason: (err as Error).message })
    }
  }
  const leaveAlone = new Set(skipped.map((s) => s.path))
  const mirror = multi.mirror(new Localdrive(root, { atomic: true }), {
    prune,
    includeEquals: true,
    ignore: (key: string) => leaveAlone.has(key)
  })
  const result: MirrorResult = { add: 0, change: 0, remove: 0, equal: 0, skipped }
  const progress = progressBar('mirroring')
  try {
    let done = 0
    for await (const diff of mirror) {
      result[diff.op]++
      progress.update(++done, Math.max(files, done))
    }
  } finally {
    progress.stop()
  }
  return result
}
