/**
 * verify(): rebuild the index into memory from the drives' records, then compare it with a capture
 * of the live index. The index is a pure function of the drives' logs and the resolver, so any
 * difference is a bug (or a drive the index remembers that was not added, which cannot be read).
 * The drives are read by whoever calls (the API, through the actors' reader): the index store
 * only ever sees events.
 */
import { IndexBus } from '../events/bus.js'
import type { Checkpoint, DriveKey, DrivePath, IndexEvent } from '../events/types.js'
import { type Capture, Indexer } from './indexer.js'
import type { Resolver } from './resolve.js'
import type { IndexPart } from './schema.js'
import { createIndexStore } from './store.js'
import { childPath } from './view.js'

export interface VerifyInput {
  /** The live index, captured between two commits. */
  capture: Capture
  resolver: Resolver
  /** The drives that can be read (added); others in the capture are reported. */
  readable: DriveKey[]
  /** Reads one drive from scratch up to `checkpoint`, submitting its events. */
  read: (drive: DriveKey, checkpoint: Checkpoint, submit: (event: IndexEvent) => Promise<void>) => Promise<void>
}

/** A path where the index differs from a rebuild. */
export interface Difference {
  path: string
  indexed: unknown
  expected: unknown
}

export interface VerifyResult {
  ok: boolean
  differences: Difference[]
}

/** Every part derived from the drives (checkpoints and meta say how far, not what). */
const COMPARED: IndexPart[] = [
  'records',
  'candidates',
  'heads',
  'seen',
  'summaries',
  'winners',
  'children',
  'conflicts',
  'mounts'
]

/** The path a key of a part is about. */
function pathOf(part: IndexPart, key: string): string {
  const [first = '', second = '', third = ''] = key.split('\0')
  if (part === 'records') return third
  if (part === 'children') return childPath(first as DrivePath, second)
  return first
}

async function collect(entries: AsyncIterable<[string, unknown]>): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>()
  for await (const [key, value] of entries) out.set(key, value)
  return out
}

export async function verifyIndex(input: VerifyInput): Promise<VerifyResult> {
  const { checkpoints, snapshot } = input.capture
  const expected = createIndexStore()
  const indexer = new Indexer({ store: expected, resolver: input.resolver })
  await indexer.open()
  const bus = new IndexBus()
  const running = indexer.run(bus)
  const differences: Difference[] = []
  try {
    for (const [drive, checkpoint] of checkpoints) {
      if (input.readable.includes(drive)) await input.read(drive, checkpoint, (event) => bus.submit(event))
      else differences.push({ path: '/', indexed: { drive }, expected: 'a drive that is not added cannot be verified' })
    }
    for (const part of COMPARED) {
      const [mine, theirs] = await Promise.all([collect(snapshot.entries(part)), collect(expected.entries(part))])
      const keys = [...new Set([...mine.keys(), ...theirs.keys()])].sort()
      for (const key of keys) {
        const a = mine.get(key)
        const b = theirs.get(key)
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          differences.push({ path: pathOf(part, key), indexed: a ?? null, expected: b ?? null })
        }
      }
    }
  } finally {
    bus.close(new Error('verify finished'))
    await running
    await snapshot.close()
    await expected.close()
  }
  return { ok: differences.length === 0, differences }
}
