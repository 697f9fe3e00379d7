// The fold on plain maps: record changes in, index writes and merged changes out. Its answer for a
// path must always be what resolve() gives for that path's candidates, however the changes came.
import fc from 'fast-check'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { DriveKey, DrivePath, RecordKind, RecordSub } from '../../src/events/types.js'
import { type FoldReader, fold, type RecordChange } from '../../src/index-store/fold.js'
import { type Comparator, type Resolver, resolveRecords } from '../../src/index-store/resolve.js'
import type { IndexPart, IndexWrite, PartValues, StoredRecord } from '../../src/index-store/schema.js'

const A = 'a'.repeat(64) as DriveKey
const B = 'b'.repeat(64) as DriveKey
const C = 'c'.repeat(64) as DriveKey

/** The index as sorted maps, one per part, read through the fold's reader interface. */
class MemoryIndex implements FoldReader {
  readonly parts = new Map<IndexPart, Map<string, unknown>>()
  readonly resolver: Resolver
  /** Rows read by range scans, so far. */
  scanned = 0

  constructor(resolver: Resolver = 'causal') {
    this.resolver = resolver
  }

  part(name: IndexPart): Map<string, unknown> {
    let part = this.parts.get(name)
    if (part === undefined) {
      part = new Map()
      this.parts.set(name, part)
    }
    return part
  }

  async get<P extends IndexPart>(part: P, keys: readonly string[]): Promise<(PartValues[P] | undefined)[]> {
    return keys.map((key) => this.part(part).get(key) as PartValues[P] | undefined)
  }

  async *scan<P extends IndexPart>(part: P, range: { gt: string; lt: string }): AsyncIterable<[string, PartValues[P]]> {
    const keys = [...this.part(part).keys()].filter((k) => k > range.gt && k < range.lt).sort()
    for (const key of keys) {
      this.scanned++
      yield [key, this.part(part).get(key) as PartValues[P]]
    }
  }

  async step(drive: DriveKey, changes: RecordChange[]) {
    const out = await fold({ resolver: this.resolver, drive, changes }, this)
    for (const w of out.writes) this.apply(w)
    return out.changes
  }

  apply(w: IndexWrite) {
    if (w.value === null) this.part(w.part).delete(w.key)
    else this.part(w.part).set(w.key, w.value)
  }

  has(part: IndexPart, key: string): boolean {
    return this.part(part).has(key)
  }

  winner(path: string) {
    return this.part('winners').get(path) as PartValues['winners'] | undefined
  }

  snapshot() {
    const out: Record<string, [string, unknown][]> = {}
    for (const [name, part] of [...this.parts].sort()) {
      if (part.size > 0) out[name] = [...part].sort(([a], [b]) => (a < b ? -1 : 1))
    }
    return out
  }
}

function rec(
  drive: DriveKey,
  seq: number,
  kind: RecordKind,
  t = seq,
  clock: Record<string, number> = {}
): StoredRecord {
  const sub: RecordSub = kind === 'tombstone' ? 'tombstones' : kind === 'dir' ? 'dirs' : 'files'
  return {
    drive,
    sub,
    seq,
    kind,
    stamp: { t, clock },
    blob: kind === 'file' ? { byteOffset: 0, blockOffset: 0, blockLength: 1, byteLength: 3 } : null
  }
}

function put(path: string, record: StoredRecord): RecordChange {
  return { path: path as DrivePath, sub: record.sub, record }
}

test('fold: a file makes its path and every parent live, and emits a put', async () => {
  const index = new MemoryIndex()
  const changes = await index.step(A, [put('/a/b/c.txt', rec(A, 1, 'file'))])
  assert.equal(
    changes.map((c) => [c.path, c.type]),
    [['/a/b/c.txt', 'put']]
  )
  assert.equal([...index.part('winners').keys()].sort(), ['/', '/a', '/a/b', '/a/b/c.txt'])
  assert.equal([...index.part('children').keys()].sort(), ['/\0a', '/a\0b', '/a/b\0c.txt'])
  assert.is(index.winner('/a')?.liveChildren, 1)
})

test('fold: removing the last file removes the empty implicit parents', async () => {
  const index = new MemoryIndex()
  await index.step(A, [put('/a/b/c.txt', rec(A, 1, 'file'))])
  const changes = await index.step(A, [put('/a/b/c.txt', rec(A, 2, 'tombstone', 2))])
  assert.equal(
    changes.map((c) => [c.path, c.type]),
    [['/a/b/c.txt', 'del']]
  )
  // The root always exists, but is stored only while something lives in it.
  assert.equal([...index.part('winners').keys()], [])
  assert.equal([...index.part('children').keys()], [])
})

test('fold: concurrent writes on two drives are a conflict; a later causal write resolves it', async () => {
  const index = new MemoryIndex()
  await index.step(A, [put('/x', rec(A, 1, 'file', 100))])
  const first = await index.step(B, [put('/x', rec(B, 1, 'file', 200))])
  assert.equal(
    first.map((c) => [c.path, c.type, c.after?.drive]),
    [['/x', 'conflict', B]]
  )
  assert.ok(index.has('conflicts', '/x'))
  const second = await index.step(A, [put('/x', rec(A, 2, 'file', 50, { [B]: 1 }))])
  assert.equal(
    second.map((c) => [c.path, c.type, c.after?.drive]),
    [['/x', 'put', A]]
  )
  assert.not.ok(index.has('conflicts', '/x'))
})

test('fold: a record that an indexed record already saw arrives dominated (replication order)', async () => {
  const index = new MemoryIndex()
  // B saw A's record at seq 3 before A's record reached this index.
  await index.step(B, [put('/x', rec(B, 1, 'file', 1, { [A]: 3 }))])
  await index.step(A, [put('/x', rec(A, 3, 'file', 999))])
  assert.is(index.winner('/x')?.winner?.drive, B, 'the newer wall clock must not win over causality')
  assert.not.ok(index.has('conflicts', '/x'))
})

test('fold: a forged clock entry (a seq the drive has no record at) dominates nothing', async () => {
  const index = new MemoryIndex()
  await index.step(B, [put('/x', rec(B, 1, 'file', 1, { [A]: 2 ** 52 }))])
  await index.step(A, [put('/x', rec(A, 7, 'file', 2))])
  assert.is(index.winner('/x')?.winner?.drive, A)
  assert.ok(index.has('conflicts', '/x'), 'both are heads')
})

test('fold: a file and a directory at one path: the directory wins, the file is a conflict', async () => {
  const index = new MemoryIndex()
  await index.step(A, [put('/x', rec(A, 1, 'file'))])
  await index.step(B, [put('/x/y', rec(B, 1, 'file'))])
  const x = index.winner('/x')
  assert.is(x?.liveChildren, 1)
  assert.is(x?.winner?.kind, 'file')
  assert.ok(index.has('conflicts', '/x'))
  await index.step(B, [put('/x/y', rec(B, 2, 'tombstone', 2, {}))])
  assert.not.ok(index.has('conflicts', '/x'))
  assert.is(index.winner('/x')?.liveChildren, 0)
})

test('fold: a directory marker keeps an empty directory alive', async () => {
  const index = new MemoryIndex()
  await index.step(A, [put('/d', rec(A, 1, 'dir')), put('/d/f', rec(A, 2, 'file'))])
  await index.step(A, [put('/d/f', rec(A, 3, 'tombstone'))])
  assert.ok(index.has('winners', '/d'))
  assert.ok(index.has('children', '/\0d'))
})

test('fold: a drive with records in two subs states its newest one', async () => {
  const index = new MemoryIndex()
  await index.step(A, [put('/p', rec(A, 1, 'tombstone')), put('/p', rec(A, 2, 'file'))])
  assert.is(index.winner('/p')?.winner?.kind, 'file')
  await index.step(A, [{ path: '/p' as DrivePath, sub: 'files', record: null }])
  assert.not.ok(index.has('winners', '/p'))
  assert.equal([...index.part('records').keys()], [`${A}\0tombstones\0/p`])
})

test('fold: one drive overwriting its own winning file among many heads rescans only the heads', async () => {
  const index = new MemoryIndex()
  const drives = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, '0') as DriveKey)
  for (const [i, d] of drives.entries()) await index.step(d, [put('/x', rec(d, 1, 'file', 100 + i))])
  const top = drives.at(-1) as DriveKey
  assert.is(index.winner('/x')?.winner?.drive, top)
  await index.step(top, [put('/x', rec(top, 2, 'file', 1))])
  assert.is(index.winner('/x')?.winner?.drive, drives.at(-2), 'the next best head wins once the best ranks lower')
  assert.is(index.scanned, 20, 'the heads, once')
})

test('fold: the winning drive writing again with a better record takes one comparison, no scan', async () => {
  const index = new MemoryIndex()
  const drives = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, '0') as DriveKey)
  for (const [i, d] of drives.entries()) await index.step(d, [put('/x', rec(d, 1, 'file', 100 + i))])
  const top = drives.at(-1) as DriveKey
  await index.step(top, [put('/x', rec(top, 2, 'file', 500))])
  assert.is(index.winner('/x')?.winner?.seq, 2)
  await index.step(top, [put('/x', rec(top, 3, 'dir', 600))])
  assert.is(index.winner('/x')?.winner?.kind, 'dir')
  assert.is(index.scanned, 0)
  // The best directory replaced by its drive's file leaves the directories' pool: that one scans.
  await index.step(top, [put('/x', rec(top, 4, 'file', 700))])
  assert.is(index.winner('/x')?.winner?.seq, 4)
  assert.is(index.scanned, 20)
})

// Random histories of three drives on a few paths, folded batch by batch: after every batch each
// path's index state is what resolve() says of its records, for every kind of resolver.
const PATHS = ['/a', '/b', '/d', '/d/x', '/d/y', '/d/x/z']
const KINDS: RecordKind[] = ['file', 'file', 'tombstone', 'dir', 'symlink']
const DRIVES = [A, B, C]
const op = fc.record({
  path: fc.constantFrom(...PATHS),
  drive: fc.constantFrom(...DRIVES),
  kind: fc.constantFrom(...KINDS),
  t: fc.integer({ min: 0, max: 5 }),
  /** Which other drives' current records at the path this record's clock names (bit per drive). */
  seen: fc.integer({ min: 0, max: 7 }),
  /** A forged entry: a seq ahead of the named drive's, or its own past. */
  forge: fc.option(fc.integer({ min: -2, max: 3 }), { nil: undefined }),
  remove: fc.boolean()
})
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never
const byKey: Comparator = (x, y) => (x.drive < y.drive ? -1 : x.drive > y.drive ? 1 : 0)

async function check(resolver: Resolver, ops: Op[], cuts: number[]) {
  const index = new MemoryIndex(resolver)
  const seqs = new Map<DriveKey, number>(DRIVES.map((d) => [d, 0]))
  const current = new Map<string, { path: string; record: StoredRecord }>() // by `${path}|${drive}|${sub}`
  let cut = 0
  let i = 0
  while (i < ops.length) {
    // A batch is one drive's consecutive ops, cut further at random.
    const drive = (ops[i] as Op).drive
    const size = cuts[cut++ % cuts.length] as number
    const batch: RecordChange[] = []
    while (i < ops.length && batch.length < size && (ops[i] as Op).drive === drive) {
      const o = ops[i++] as Op
      const seq = (seqs.get(drive) ?? 0) + 1
      seqs.set(drive, seq)
      const clock: Record<string, number> = {}
      DRIVES.forEach((other, bit) => {
        if (other === drive || !(o.seen & (1 << bit))) return
        const theirs = [...current.values()].filter((c) => c.record.drive === other && c.path === o.path)
        const newest = theirs.map((c) => c.record).sort((x, y) => y.seq - x.seq)[0]
        if (newest) clock[other] = newest.seq + (o.forge ?? 0)
      })
      const record = rec(drive, seq, o.kind, o.t, clock)
      const key = `${o.path}|${drive}|${record.sub}`
      if (o.remove) {
        current.delete(key)
        batch.push({ path: o.path as DrivePath, sub: record.sub, record: null })
      } else {
        current.set(key, { path: o.path, record })
        batch.push(put(o.path, record))
      }
    }
    await index.step(drive, batch)
    for (const path of PATHS) {
      const records = [...current.values()].filter((c) => c.path === path).map((c) => c.record)
      const expected = resolveRecords(records, resolver)
      const summary = index.part('summaries').get(path) as PartValues['summaries'] | undefined
      assert.is(summary?.candidates ?? 0, expected.candidates.length, `candidates at ${path}`)
      assert.is(
        (summary?.heads ?? 0) > 0 ? summary?.heads : (summary?.candidates ?? 0),
        expected.heads.length,
        `heads at ${path}`
      )
      const live = expected.record !== null && expected.record.kind !== 'tombstone' ? expected.record : null
      const state = index.winner(path)
      assert.equal(state?.winner ?? null, live, `winner at ${path}`)
      if (state) assert.is(state.headConflict, expected.conflict, `conflict at ${path}`)
    }
  }
  // Folded in one batch per run of a drive's ops, the index is the same.
  return index.snapshot()
}

for (const [name, resolver] of [
  ['causal', 'causal'],
  ['wall-clock', 'wall-clock'],
  ['a comparator', byKey]
] as [string, Resolver][]) {
  test(`fold(${name}): every path resolves as resolve() says, batch by batch, whatever the cuts`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        async (ops, cuts) => {
          const pieces = await check(resolver, ops, cuts)
          const whole = await check(resolver, ops, [1_000])
          assert.equal(pieces, whole, 'the index depends on how the history was cut into batches')
        }
      ),
      { numRuns: 200 }
    )
  })
}

test.run()
