// Causal resolution end to end: version vectors beat skewed wall clocks, concurrent writes converge
// and are reported as conflicts, ties go to the drive key.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { MergedChange, Resolver } from '../../src/index.js'
import { rejects } from '../helpers/assert.js'
import { cluster, type Member } from '../helpers/cluster.js'
import { cleanup, keyOf } from '../helpers/peers.js'

const test = suite('causal')
test.after.each(async () => {
  await cleanup()
})

const HOUR = 3_600_000
const T = 1_700_000_000_000

function pair(c: { members: Member[] }): [Member, Member] {
  return [c.members[0] as Member, c.members[1] as Member]
}

async function skewedOverwrite(resolve: Resolver) {
  // p1's clock is an hour behind, but p1 saw p0's write before overwriting it.
  const c = await cluster(2, (i) => ({ resolve, now: () => (i === 1 ? T - HOUR : T) }))
  const [m0, m1] = pair(c)
  const stop = c.connect()
  await m0.multi.writeFile('/f.txt', 'p0, an hour "later"')
  await c.settle()
  await m1.multi.writeFile('/f.txt', 'p1, saw p0')
  await c.settle()
  // Stay connected: a replica fetches the winning blob on first read.
  return { c, m0, m1, stop }
}

test('multi.whoWins(path): a writer whose clock is an hour behind but who saw the other write wins', async () => {
  const { c, m1, stop } = await skewedOverwrite('causal')
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/f.txt', 'utf8'), 'p1, saw p0')
    const who = await m.multi.whoWins('/f.txt')
    assert.is(who.winner?.drive, keyOf(m1.peer.drive))
    assert.is(who.conflict, false)
    assert.is(who.heads.length, 1)
    assert.is(who.candidates.length, 2)
  }
  stop()
})

test("resolve: 'wall-clock' picks the opposite (the newest t)", async () => {
  const { c, m0, stop } = await skewedOverwrite('wall-clock')
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/f.txt', 'utf8'), 'p0, an hour "later"')
    assert.is((await m.multi.whoWins('/f.txt')).winner?.drive, keyOf(m0.peer.drive))
  }
  stop()
})

test('two peers writing concurrently converge on the same winner and report a conflict', async () => {
  const c = await cluster(2, (i) => ({ now: () => T + i * 10 }))
  const [m0, m1] = pair(c)
  const seen: MergedChange[] = []
  const sub = m0.multi.changes$.subscribe({
    next: (change) => seen.push(change),
    error: (err) => assert.unreachable(String(err))
  })
  await m0.multi.writeFile('/shared.txt', 'p0')
  await m1.multi.writeFile('/shared.txt', 'p1')
  const stop = c.connect()
  await c.settle()
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/shared.txt', 'utf8'), 'p1') // higher t
    const who = await m.multi.whoWins('/shared.txt')
    assert.is(who.conflict, true)
    assert.is(who.heads.length, 2)
    const conflicts: string[] = []
    for await (const path of m.multi.conflicts('/')) conflicts.push(path)
    assert.equal(conflicts, ['/shared.txt'])
  }
  assert.equal(
    seen.map((change) => [change.path, change.type, change.after?.drive]),
    [
      ['/shared.txt', 'put', keyOf(m0.peer.drive)],
      ['/shared.txt', 'conflict', keyOf(m1.peer.drive)]
    ]
  )
  // A write that saw both resolves the conflict.
  await m0.multi.writeFile('/shared.txt', 'merged')
  await c.settle()
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/shared.txt', 'utf8'), 'merged')
    assert.is((await m.multi.whoWins('/shared.txt')).conflict, false)
  }
  sub.unsubscribe()
  stop()
})

test('equal clocks tie by drive key (the higher key wins) on every peer', async () => {
  const c = await cluster(3, () => ({ now: () => T }))
  for (const [i, m] of c.members.entries()) await m.multi.writeFile('/tie.txt', `p${i}`)
  const stop = c.connect()
  await c.settle()
  const highest = [...c.members].sort((a, b) => (keyOf(a.peer.drive) < keyOf(b.peer.drive) ? 1 : -1))[0] as Member
  const expected = `p${c.members.indexOf(highest)}`
  for (const m of c.members) {
    assert.is(await m.multi.readFile('/tie.txt', 'utf8'), expected)
    assert.is((await m.multi.whoWins('/tie.txt')).winner?.drive, keyOf(highest.peer.drive))
  }
  stop()
})

test('a concurrent delete and write converge on every peer', async () => {
  for (const [deleteLater, expectExists] of [
    [true, false],
    [false, true]
  ] as const) {
    const c = await cluster(2, (i) => ({ now: () => T + ((i === 1) === deleteLater ? 100 : 0) }))
    const [m0, m1] = pair(c)
    const stop = c.connect()
    await m0.multi.writeFile('/f', 'v1')
    await c.settle()
    stop()
    await m0.multi.writeFile('/f', 'v2')
    await m1.multi.del('/f')
    const again = c.connect()
    await c.settle()
    for (const m of c.members) {
      assert.is(await m.multi.exists('/f'), expectExists)
      const who = await m.multi.whoWins('/f')
      assert.is(who.conflict, true)
      assert.is(who.winner?.kind, expectExists ? 'file' : 'tombstone')
    }
    again()
    for (const m of c.members) await m.multi.close()
    await cleanup()
  }
})

test('a file and a directory written concurrently at one path: the directory wins, the file conflicts', async () => {
  const c = await cluster(2)
  const [m0, m1] = pair(c)
  await m0.multi.writeFile('/x', 'a file')
  await m1.multi.writeFile('/x/y', 'under a directory')
  const stop = c.connect()
  await c.settle()
  for (const m of c.members) {
    assert.ok((await m.multi.stat('/x')).isDirectory())
    assert.equal(await m.multi.readdir('/x'), ['y'])
    assert.is(await m.multi.entry('/x'), null)
    assert.ok((await m.multi.whoWins('/x')).conflict)
    const conflicts: string[] = []
    for await (const path of m.multi.conflicts()) conflicts.push(path)
    assert.equal(conflicts, ['/x'])
    await rejects(m.multi.writeFile('/x', 'again'), 'EISDIR')
  }
  stop()
})

test('resolve: a custom comparator decides on every peer', async () => {
  // The lowest seq wins: an odd rule, but a deterministic one, so every peer agrees.
  const c = await cluster(2, () => ({ resolve: (a, b) => a.seq - b.seq }))
  const [m0, m1] = pair(c)
  await m0.multi.writeFile('/pad', 'x')
  await m0.multi.writeFile('/f', 'p0 at seq 2')
  await m1.multi.writeFile('/f', 'p1 at seq 1')
  const stop = c.connect()
  await c.settle()
  for (const m of c.members) assert.is(await m.multi.readFile('/f', 'utf8'), 'p1 at seq 1')
  stop()
})

test('a drive that truncated, saw the other write, and writes the path again: the path still exists', async () => {
  const c = await cluster(2)
  const [m0, m1] = c.members as [Member, Member]
  const stop = c.connect()
  for (let i = 0; i < 5; i++) await m1.multi.writeFile(`/pad${i}`, 'pad')
  const mark = m1.peer.drive.core.length
  for (let i = 0; i < 5; i++) await m1.multi.writeFile('/f', `p1 old ${i}`)
  await c.settle()
  await m0.multi.writeFile('/f', 'p0 saw p1') // clock { p1: its last /f seq }
  await c.settle()

  // p1 rewrites its history, then writes /f having seen p0's version (clock { p0: ... }).
  await m1.peer.drive.truncate(mark)
  await m1.multi.flush()
  assert.is(await m1.multi.readFile('/f', 'utf8'), 'p0 saw p1')
  await m1.multi.writeFile('/f', 'p1 saw p0')
  assert.ok(await m1.multi.exists('/f'), 'the write resolved, yet the file it wrote does not exist')
  await c.settle()
  for (const m of c.members) {
    const who = await m.multi.whoWins('/f')
    assert.is(who.candidates.length, 2)
    assert.ok(who.winner !== null, 'two live files, each dominating the other: no head, the path vanished')
    assert.ok(await m.multi.exists('/f'))
  }
  stop()
})

test.run()
