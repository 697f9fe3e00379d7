/**
 * verify(): rebuild the index from the drives into memory, then compare it with the live index.
 * The index is a pure function of the drives' logs and the resolver, so any difference is a bug
 * (or a drive the index remembers that was not added, which the rebuild cannot read).
 */
import type Hyperdrive from 'hyperdrive'
import { readDrive } from '../actors/drive-reader.js'
import { IndexBus } from '../events/bus.js'
import type { Warn } from '../events/records.js'
import type { Checkpoint, DriveKey } from '../events/types.js'
import { Indexer } from './indexer.js'
import type { Resolver } from './resolve.js'
import type { IndexPart } from './schema.js'
import { createIndexStore, type IndexStore } from './store.js'

export interface VerifyInput {
  store: IndexStore
  resolver: Resolver
  /** The drives to rebuild from, each read up to where the live index has it. */
  drives: { key: DriveKey; drive: Hyperdrive; checkpoint: Checkpoint | null }[]
  /** Every drive the live index holds records of. */
  indexedDrives: DriveKey[]
  warn: Warn
}

export interface Difference {
  path: string
  indexed: unknown
  expected: unknown
}

const COMPARED: IndexPart[] = ['records', 'winners', 'children', 'conflicts']

/** A part's key as a path: children keys are `dir \0 name`. */
function pathOf(part: IndexPart, key: string): string {
  if (part !== 'children') return key
  const [dir = '', name = ''] = key.split('\0')
  return dir === '/' ? `/${name}` : `${dir}/${name}`
}

/** Records are a set per path: compare them in a canonical order. */
function canonical(part: IndexPart, value: unknown): string {
  if (part !== 'records' || !Array.isArray(value)) return JSON.stringify(value)
  const sorted = [...value].sort((a, b) => `${a.drive}/${a.sub}`.localeCompare(`${b.drive}/${b.sub}`))
  return JSON.stringify(sorted)
}

async function collect(store: IndexStore, part: IndexPart): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>()
  for await (const [key, value] of store.entries(part)) out.set(key, value)
  return out
}

export async function verifyIndex(input: VerifyInput): Promise<{ ok: boolean; differences: Difference[] }> {
  const expected = createIndexStore()
  const indexer = new Indexer({ store: expected, resolver: input.resolver })
  await indexer.open()
  const bus = new IndexBus()
  const running = indexer.run(bus)
  const differences: Difference[] = []
  try {
    for (const { key, drive, checkpoint } of input.drives) {
      if (checkpoint === null) continue
      await readDrive({
        drive,
        key,
        from: null,
        to: checkpoint.fork === drive.core.fork ? checkpoint.version : undefined,
        submit: (event) => bus.submit(event),
        warn: input.warn
      })
    }
    for (const drive of input.indexedDrives) {
      if (!input.drives.some((d) => d.key === drive)) {
        differences.push({ path: '/', indexed: { drive }, expected: 'a drive that is not added cannot be verified' })
      }
    }
    for (const part of COMPARED) {
      const [mine, theirs] = await Promise.all([collect(input.store, part), collect(expected, part)])
      const keys = [...new Set([...mine.keys(), ...theirs.keys()])].sort()
      for (const key of keys) {
        const a = mine.get(key)
        const b = theirs.get(key)
        if (canonical(part, a) !== canonical(part, b)) {
          differences.push({ path: pathOf(part, key), indexed: a ?? null, expected: b ?? null })
        }
      }
    }
  } finally {
    bus.close(new Error('verify finished'))
    await running
    await expected.close()
  }
  return { ok: differences.length === 0, differences }
}
