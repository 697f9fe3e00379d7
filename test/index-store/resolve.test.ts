import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Candidate } from '../../src/events/types.js'
import { dominates, headsOf, resolve, resolverId } from '../../src/index-store/resolve.js'
import { A, B, C, cand } from '../helpers/candidates.js'

test('dominates: a writer that saw a record dominates it, whatever the clocks say', () => {
  const a = cand(A, 5, 10_000)
  const b = cand(B, 2, 1, { [A]: 5 })
  assert.ok(dominates(b, a))
  assert.not.ok(dominates(a, b))
})

test('dominates: having seen an older seq of a drive does not dominate its newer record', () => {
  assert.not.ok(dominates(cand(B, 2, 1, { [A]: 4 }), cand(A, 5, 1)))
})

test('resolve(causal): the one head wins even with an older wall clock', () => {
  const a = cand(A, 5, 10_000)
  const b = cand(B, 2, 1, { [A]: 5 })
  const r = resolve([a, b], 'causal')
  assert.is(r.winner?.drive, B)
  assert.is(r.conflict, false)
  assert.equal(
    r.heads.map((h) => h.drive),
    [B]
  )
})

test("resolve('wall-clock'): newest t wins regardless of causality", () => {
  const a = cand(A, 5, 10_000)
  const b = cand(B, 2, 1, { [A]: 5 })
  assert.is(resolve([a, b], 'wall-clock').winner?.drive, A)
})

test('resolve(causal): concurrent heads conflict; highest t wins', () => {
  const r = resolve([cand(A, 1, 200), cand(B, 1, 100)], 'causal')
  assert.is(r.conflict, true)
  assert.is(r.heads.length, 2)
  assert.is(r.winner?.drive, A)
})

test('resolve(causal): equal t ties go to the higher drive key', () => {
  const r = resolve([cand(B, 1, 100), cand(C, 1, 100), cand(A, 1, 100)], 'causal')
  assert.is(r.winner?.drive, C)
  assert.is(r.conflict, true)
})

test('resolve: the order of candidates never changes the result', () => {
  const cands = [cand(A, 3, 50), cand(B, 2, 50, { [A]: 1 }), cand(C, 7, 40, { [A]: 3 })]
  const results = [
    [0, 1, 2],
    [2, 1, 0],
    [1, 2, 0]
  ].map((order) =>
    resolve(
      order.map((i) => cands[i] as Candidate),
      'causal'
    )
  )
  for (const r of results) assert.equal(r, results[0])
  // C saw A@3, so A is not a head; B (saw only A@1) and C are concurrent: B has the higher t.
  assert.is(results[0]?.winner?.drive, B)
})

test('resolve: a tombstone can win (the path then does not exist)', () => {
  const r = resolve([cand(A, 1, 100), cand(B, 4, 50, { [A]: 1 }, 'tombstone')], 'causal')
  assert.is(r.winner?.kind, 'tombstone')
  assert.is(r.conflict, false)
})

test('resolve: unstamped records (t = 0, no clock) are concurrent with everything', () => {
  const r = resolve([cand(A, 1, 0), cand(B, 1, 0)], 'causal')
  assert.is(r.conflict, true)
  assert.is(r.winner?.drive, B)
})

test('resolve(comparator): a custom rule decides, ties by drive key', () => {
  const lowestSeq = (a: Candidate, b: Candidate) => a.seq - b.seq
  assert.is(resolve([cand(A, 9, 1), cand(B, 3, 1)], lowestSeq).winner?.drive, B)
  assert.is(resolve([cand(A, 3, 1), cand(B, 3, 1)], lowestSeq).winner?.drive, B)
})

test('headsOf: no candidates, no heads; resolve gives no winner', () => {
  assert.equal(headsOf([]), [])
  assert.is(resolve([], 'causal').winner, null)
})

test('resolverId: stable for names; a function is never taken for the resolver of an older index', () => {
  assert.is(resolverId('causal'), 'causal')
  assert.is(resolverId('wall-clock'), 'wall-clock')
  const make = (sign: number) => (a: Candidate, b: Candidate) => sign * (a.t - b.t)
  const f = make(1)
  assert.ok(resolverId(f).startsWith('custom:'))
  assert.is(resolverId(f), resolverId(f))
  // Same source, another closure: another resolver.
  assert.is.not(resolverId(f), resolverId(make(-1)))
})

test('resolve: a dominance cycle (a rewritten fork) leaves every candidate a head', () => {
  const a = cand(A, 3, 10, { [B]: 2 })
  const b = cand(B, 2, 20, { [A]: 3 })
  const r = resolve([a, b], 'causal')
  assert.is(r.heads.length, 2)
  assert.is(r.conflict, true)
  assert.is(r.winner?.drive, B)
})

test('resolve: a directory and a file written concurrently: the directory wins, whatever t says', () => {
  const r = resolve([cand(A, 1, 500, {}, 'file'), cand(B, 1, 100, {}, 'dir')], 'causal')
  assert.is(r.winner?.kind, 'dir')
  assert.is(r.conflict, true)
  // A directory the file's writer had seen loses as usual.
  assert.is(resolve([cand(A, 2, 50, { [B]: 1 }, 'file'), cand(B, 1, 100, {}, 'dir')], 'causal').winner?.kind, 'file')
})

test.run()
