import fc from 'fast-check'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { DriveKey, DrivePath, RecordKind, RecordSub } from '../../src/events/types.js'
import { fold, type RecordChange } from '../../src/index-store/fold.js'
import type { IndexWrite, StoredRecord, WinnerState } from '../../src/index-store/schema.js'
import { ancestorsOf } from '../../src/index-store/schema.js'

const A = 'a'.repeat(64) as DriveKey
const B = 'b'.repeat(64) as DriveKey

/** The index as plain maps; `step` loads what a fold needs, folds, and applies the writes. */
class MemoryIndex {
  records = new Map<string, StoredRecord[]>()
  winners = new Map<string, WinnerState>()
  children = new Set<string>()
  conflicts = new Set<string>()

  step(changes: RecordChange[]) {
    const paths = new Set<DrivePath>()
    for (const c of changes) {
      paths.add(c.path)
      for (const a of ancestorsOf(c.path)) paths.add(a)
    }
    const records = new Map<DrivePath, StoredRecord[]>()
    const winners = new Map<DrivePath, WinnerState>()
    const conflicts = new Set<DrivePath>()
    for (const p of paths) {
      const r = this.records.get(p)
      if (r) records.set(p, r)
      const w = this.winners.get(p)
      if (w) winners.set(p, w)
      if (this.conflicts.has(p)) conflicts.add(p)
    }
    const out = fold({ resolver: 'causal', records, winners, conflicts, changes })
    for (const w of out.writes) this.apply(w)
    return out.changes
  }

  apply(w: IndexWrite) {
    if (w.part === 'records') w.value === null ? this.records.delete(w.key) : this.records.set(w.key, w.value)
    if (w.part === 'winners') w.value === null ? this.winners.delete(w.key) : this.winners.set(w.key, w.value)
    if (w.part === 'children') w.value === null ? this.children.delete(w.key) : this.children.add(w.key)
    if (w.part === 'conflicts') w.value === null ? this.conflicts.delete(w.key) : this.conflicts.add(w.key)
  }

  snapshot() {
    const sortRecords = (list: StoredRecord[]) =>
      [...list].sort((a, b) => (a.drive + a.sub).localeCompare(b.drive + b.sub))
    return {
      records: [...this.records].map(([k, v]) => [k, sortRecords(v)]).sort(),
      winners: [...this.winners].sort(),
      children: [...this.children].sort(),
      conflicts: [...this.conflicts].sort()
    }
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
  return { path: path as DrivePath, drive: record.drive, sub: record.sub, record }
}

test('fold: a file makes its path and every parent live, and emits a put', () => {
  const index = new MemoryIndex()
  const changes = index.step([put('/a/b/c.txt', rec(A, 1, 'file'))])
  assert.equal(
    changes.map((c) => [c.path, c.type]),
    [['/a/b/c.txt', 'put']]
  )
  assert.equal([...index.winners.keys()].sort(), ['/', '/a', '/a/b', '/a/b/c.txt'])
  assert.equal([...index.children].sort(), ['/\0a', '/a\0b', '/a/b\0c.txt'])
  assert.is(index.winners.get('/a')?.liveChildren, 1)
})

test('fold: removing the last file removes the empty implicit parents', () => {
  const index = new MemoryIndex()
  index.step([put('/a/b/c.txt', rec(A, 1, 'file'))])
  const changes = index.step([put('/a/b/c.txt', rec(A, 2, 'tombstone', 2))])
  assert.equal(
    changes.map((c) => [c.path, c.type]),
    [['/a/b/c.txt', 'del']]
  )
  // The root always exists, but is stored only while something lives in it.
  assert.equal([...index.winners.keys()], [])
  assert.equal([...index.children], [])
})

test('fold: concurrent writes on two drives are a conflict; a later causal write resolves it', () => {
  const index = new MemoryIndex()
  const first = index.step([put('/x', rec(A, 1, 'file', 100)), put('/x', rec(B, 1, 'file', 200))])
  assert.equal(
    first.map((c) => [c.path, c.type, c.after?.drive]),
    [['/x', 'conflict', B]]
  )
  assert.ok(index.conflicts.has('/x'))
  const second = index.step([put('/x', rec(A, 2, 'file', 50, { [B]: 1 }))])
  assert.equal(
    second.map((c) => [c.path, c.type, c.after?.drive]),
    [['/x', 'put', A]]
  )
  assert.not.ok(index.conflicts.has('/x'))
})

test('fold: a file and a directory at one path: the directory wins, the file is a conflict', () => {
  const index = new MemoryIndex()
  index.step([put('/x', rec(A, 1, 'file')), put('/x/y', rec(B, 1, 'file'))])
  const x = index.winners.get('/x')
  assert.is(x?.liveChildren, 1)
  assert.is(x?.winner?.kind, 'file')
  assert.ok(index.conflicts.has('/x'))
  index.step([put('/x/y', rec(B, 2, 'tombstone', 2, {}))])
  assert.not.ok(index.conflicts.has('/x'))
  assert.is(index.winners.get('/x')?.liveChildren, 0)
})

test('fold: a directory marker keeps an empty directory alive', () => {
  const index = new MemoryIndex()
  index.step([put('/d', rec(A, 1, 'dir')), put('/d/f', rec(A, 2, 'file'))])
  index.step([put('/d/f', rec(A, 3, 'tombstone'))])
  assert.ok(index.winners.has('/d'))
  assert.ok(index.children.has('/\0d'))
})

test('fold: a drive with records in two subs states its newest one', () => {
  const index = new MemoryIndex()
  index.step([put('/p', rec(A, 1, 'tombstone')), put('/p', rec(A, 2, 'file'))])
  assert.is(index.winners.get('/p')?.winner?.kind, 'file')
  index.step([{ path: '/p' as DrivePath, drive: A, sub: 'files', record: null }])
  assert.not.ok(index.winners.has('/p'))
  assert.is(index.records.get('/p')?.length, 1)
})

// Folding a history in one batch or in many gives the same index: the fold is incremental.
const paths = ['/a', '/b', '/d', '/d/x', '/d/y', '/d/x/z']
const kinds: RecordKind[] = ['file', 'file', 'tombstone', 'dir', 'symlink']
const op = fc.record({
  path: fc.constantFrom(...paths),
  drive: fc.constantFrom(A, B),
  kind: fc.constantFrom(...kinds),
  t: fc.integer({ min: 0, max: 5 }),
  seen: fc.boolean(),
  remove: fc.boolean()
})

test('fold: one batch or many, the same index', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1 }),
      (ops, cuts) => {
        const seqs = new Map<DriveKey, number>([
          [A, 0],
          [B, 0]
        ])
        const changes: RecordChange[] = ops.map((o) => {
          const seq = (seqs.get(o.drive) ?? 0) + 1
          seqs.set(o.drive, seq)
          const other = o.drive === A ? B : A
          const otherSeq = seqs.get(other) ?? 0
          const clock = o.seen && otherSeq > 0 ? { [other]: otherSeq } : {}
          const r = rec(o.drive, seq, o.kind, o.t, clock)
          return o.remove ? { path: o.path as DrivePath, drive: o.drive, sub: r.sub, record: null } : put(o.path, r)
        })
        const whole = new MemoryIndex()
        whole.step(changes)
        const pieces = new MemoryIndex()
        let i = 0
        let c = 0
        while (i < changes.length) {
          const size = cuts[c++ % cuts.length] as number
          pieces.step(changes.slice(i, i + size))
          i += size
        }
        assert.equal(pieces.snapshot(), whole.snapshot())
        // Child counts agree with the children set.
        for (const [path, state] of whole.winners) {
          const prefix = `${path}\0`
          assert.is(state.liveChildren, [...whole.children].filter((k) => k.startsWith(prefix)).length, path)
        }
      }
    ),
    { numRuns: 300 }
  )
})

test.run()
