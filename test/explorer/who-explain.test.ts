// The explorer's "why does this drive win" (src/explorer/who-explain.ts) read back against the
// resolver itself (src/index-store/resolve.ts): for any set of candidates, the reason it gives is
// what actually decided, and every loser is either a head or superseded by a record that names it.

import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Candidate } from '../../src/events/types.js'
import { explain, reasonText } from '../../src/explorer/who-explain.js'
import { dominates, resolve } from '../../src/index-store/resolve.js'
import { A, B, C, cand } from '../helpers/candidates.js'

const test = suite('explain(whoWins) in the web explorer')

const DRIVES = [A, B, C]

test('one candidate: causal, the winner', () => {
  const who = resolve([cand(A, 3, 100)])
  assert.equal(explain(who), { reason: 'causal', standings: [{ role: 'winner' }] })
  assert.match(reasonText('causal', who), 'only drive')
})

test('an overwrite by a writer that saw the other version: causal, the older one superseded by it', () => {
  const older = cand(A, 3, 500)
  const newer = cand(B, 1, 100, { [A]: 3 }) // an earlier clock, yet it saw A's record: it wins
  const who = resolve([older, newer])
  const { reason, standings } = explain(who)
  assert.is(reason, 'causal')
  assert.equal(standings, [{ role: 'superseded', by: newer, how: 'seen' }, { role: 'winner' }])
})

test('concurrent writes: the newer time wins ("time"); the same time: the higher drive key ("key")', () => {
  const byTime = resolve([cand(A, 1, 200), cand(B, 1, 100)])
  assert.equal(explain(byTime), { reason: 'time', standings: [{ role: 'winner' }, { role: 'head' }] })
  const byKey = resolve([cand(A, 1, 100), cand(B, 1, 100)])
  assert.equal(explain(byKey), { reason: 'key', standings: [{ role: 'head' }, { role: 'winner' }] })
})

test('a directory and a newer concurrent file: the directory wins ("directory")', () => {
  const who = resolve([cand(A, 1, 100, {}, 'dir'), cand(B, 1, 900)])
  assert.is(who.winner?.kind, 'dir')
  assert.is(explain(who).reason, 'directory')
})

test('nothing written: no winner, "none"', () => {
  assert.equal(explain(resolve([])), { reason: 'none', standings: [] })
})

const candidateSets = fc
  .uniqueArray(
    fc.record({
      drive: fc.constantFrom(...DRIVES),
      seq: fc.integer({ min: 1, max: 4 }),
      kind: fc.constantFrom<Candidate['kind']>('file', 'file', 'symlink', 'dir', 'tombstone'),
      t: fc.constantFrom(0, 100, 200),
      clock: fc.dictionary(fc.constantFrom(...DRIVES), fc.integer({ min: 1, max: 4 }), { maxKeys: 2 })
    }),
    { selector: (c) => c.drive, minLength: 1, maxLength: 3 }
  )
  .map((cs) =>
    cs.map((c) => ({ ...c, clock: Object.fromEntries(Object.entries(c.clock).filter(([k]) => k !== c.drive)) }))
  )

test('for any candidates, the reason given is what decided, and every loser is accounted for', () => {
  fc.assert(
    fc.property(candidateSets, (candidates) => {
      const who = resolve(candidates)
      const winner = who.winner as Candidate
      const { reason, standings } = explain(who)
      const others = who.heads.filter((h) => h !== winner && h.drive !== winner.drive)
      if (reason === 'causal') assert.ok(who.heads.length === 1)
      if (reason === 'time') assert.ok(others.every((h) => h.t < winner.t))
      if (reason === 'key') assert.ok(others.some((h) => h.t === winner.t) && others.every((h) => h.t <= winner.t))
      if (reason === 'directory') {
        const outranks = (h: Candidate) => h.t > winner.t || (h.t === winner.t && h.drive > winner.drive)
        assert.ok(winner.kind === 'dir' && others.some(outranks))
      }
      assert.is(reason === 'causal' || reason === 'none', !who.conflict)
      standings.forEach((standing, i) => {
        const c = who.candidates[i] as Candidate
        if (standing.role === 'winner') assert.is(c, winner)
        if (standing.role === 'superseded') assert.ok(dominates(standing.by, c))
        if (standing.role === 'head') assert.ok(who.heads.includes(c))
      })
      assert.is(standings.filter((s) => s.role === 'winner').length, 1)
    }),
    { numRuns: 500 }
  )
})

test.run()
