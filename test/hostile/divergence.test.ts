// Issue 7, divergence: what a remote drive holds must read the same on every peer, whichever way
// the peer read it, and a forged stamp must not rewrite causality.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { folders } from '../helpers/assert.js'
import {
  connectedReplica,
  forgeMarker,
  hooks,
  keyOf,
  peer,
  replicate,
  settle,
  stampedFile,
  synced,
  track
} from '../helpers/hostile.js'

const test = suite('hostile: divergence')
hooks(test)

/** What the public API shows of a merged view, one line per entry and directory (diffs read well). */
async function listing(multi: MultiDrive): Promise<string> {
  const lines: string[] = []
  for await (const entry of multi.list('/')) lines.push(`entry ${entry.key} ${entry.drive.slice(0, 8)} ${entry.seq}`)
  for (const [dir, names] of await folders(multi)) lines.push(`dir ${dir}: ${names.join(' ')}`)
  return lines.join('\n')
}

// ---- case 5: a put whose value is null -----------------------------------------------------------------

test('a remote put with a null value reads the same through the log and through a rescan (after a truncation)', async () => {
  const h = await peer('hostile')
  await h.drive.put('/a', Buffer.from('A'))
  // Hyperbee stores a null value as a node without one: the key is in the tree, the value is not.
  await forgeMarker(h.drive, 'files', '/ghost', null)
  await forgeMarker(h.drive, 'tombstones', '/a', null)
  await forgeMarker(h.drive, 'dirs', '/empty', null)
  await h.drive.put('/b', Buffer.from('B'))
  await h.drive.put('/doomed', Buffer.from('gone soon'))

  // Peer 1 reads the hostile drive's log, then rescans it after the truncation below.
  const v1 = await peer('log-then-rescan')
  const { replica: r1 } = await connectedReplica(v1, h)
  const { multi: m1 } = track(new MultiDrive(v1.drive))
  await m1.ready()
  await settle(m1.addDrive(r1), 'addDrive (log)')
  const beforeTruncation = await listing(m1)

  await h.drive.truncate(h.drive.core.length - 1)
  await h.drive.put('/c', Buffer.from('C'))
  await settle(synced(r1, h.drive), 'replica sync after the truncation')
  await settle(m1.flush(), 'flush (rescan)')

  // Peer 2 only ever reads the log of the new fork.
  const v2 = await peer('log-only')
  const { replica: r2 } = await connectedReplica(v2, h)
  const { multi: m2 } = track(new MultiDrive(v2.drive))
  await m2.ready()
  await settle(m2.addDrive(r2), 'addDrive (log of the new fork)')

  const [rescanned, logged] = await Promise.all([listing(m1), listing(m2)])
  assert.fixture(rescanned, logged, 'a rescan and a log read disagree on the same drive')
  // The records the truncation kept read as they did before it.
  const kept = (l: string) => l.split('\n').filter((line) => line.startsWith('entry') && !/\/(doomed|c) /.test(line))
  assert.equal(kept(logged), kept(beforeTruncation), 'the truncation changed how the older records read')
  const [v1ok, v2ok] = await Promise.all([settle(m1.verify(), 'verify 1'), settle(m2.verify(), 'verify 2')])
  assert.equal(v1ok.differences, [], 'verify() after the rescan')
  assert.equal(v2ok.differences, [], 'verify() after the log read')
})

// ---- case 6: forged stamps ---------------------------------------------------------------------------

/**
 * Peers `a` and `b` are honest MultiDrives, `f` a forger writing plain Hyperdrive entries with
 * stamps of its choosing. Each honest peer holds replicas of the others' drives.
 */
async function forgery() {
  const [a, b, f] = await Promise.all([peer('a'), peer('b'), peer('forger')])
  // Connected throughout; a MultiDrive sees another drive only once it adds it (teardown ends the streams).
  replicate(a, b)
  replicate(a, f)
  replicate(b, f)
  const aHas = { b: await a.open(b.drive.key), f: await a.open(f.drive.key) }
  const bHas = { a: await b.open(a.drive.key), f: await b.open(f.drive.key) }
  const ma = track(new MultiDrive(a.drive)).multi
  const mb = track(new MultiDrive(b.drive)).multi
  await Promise.all([ma.ready(), mb.ready()])
  const sync = async () => {
    await settle(
      Promise.all([synced(aHas.b, b.drive), synced(aHas.f, f.drive), synced(bHas.a, a.drive), synced(bHas.f, f.drive)]),
      'sync'
    )
    await settle(Promise.all([ma.flush(), mb.flush()]), 'flush')
  }
  return {
    a,
    f,
    ma,
    mb,
    /** Both honest peers add every drive (after the writes that must not see each other). */
    async addAll() {
      await settle(
        Promise.all([ma.addDrive(aHas.b), ma.addDrive(aHas.f), mb.addDrive(bHas.a), mb.addDrive(bHas.f)]),
        'add'
      )
      await sync()
    },
    sync
  }
}

test('multi.whoWins(path): a forged clock entry beyond the named drive’s record at the path never dominates it', async () => {
  const { a, f, ma, mb, addAll } = await forgery()
  const A = keyOf(a.drive)
  // Written before the forger could have seen anything of a's at /p.
  await stampedFile(f.drive, '/p', 'forged', { t: 1, clock: { [A]: 2 ** 52 } })
  await ma.writeFile('/p', 'mine')
  // A clock entry naming a seq that a's drive does reach, but with another path's record.
  await ma.writeFile('/q', 'mine')
  const q = (await ma.whoWins('/q')).winner?.seq ?? -1
  await stampedFile(f.drive, '/q', 'forged', { t: 1, clock: { [A]: q + 1 } })
  await ma.writeFile('/elsewhere', 'reaches seq q + 1')
  await addAll()

  for (const [name, multi] of [
    ['a', ma],
    ['b', mb]
  ] as const) {
    for (const path of ['/p', '/q']) {
      const who = await multi.whoWins(path)
      assert.equal(
        {
          content: await multi.readFile(path, 'utf-8'),
          conflict: who.conflict,
          heads: who.heads.map((h) => h.drive).sort()
        },
        { content: 'mine', conflict: true, heads: [A, keyOf(f.drive)].sort() },
        `peer ${name}, ${path}: the forged clock must leave both records heads (a's newer t wins)`
      )
    }
  }
})

test("multi.whoWins(path): a clock entry naming exactly the drive's record at the path still dominates it", async () => {
  const { a, f, ma, mb, addAll } = await forgery()
  const A = keyOf(a.drive)
  await ma.writeFile('/p', 'mine')
  const seen = (await ma.whoWins('/p')).winner?.seq ?? -1
  // The forger did see it (or says so exactly): an honest overwrite, even with an older t.
  await stampedFile(f.drive, '/p', 'theirs', { t: 1, clock: { [A]: seen } })
  await addAll()
  for (const multi of [ma, mb]) {
    const who = await multi.whoWins('/p')
    assert.equal(
      { content: await multi.readFile('/p', 'utf-8'), conflict: who.conflict, winner: who.winner?.drive },
      { content: 'theirs', conflict: false, winner: keyOf(f.drive) }
    )
  }
})

test('a forged clock never hides later writes of the named drive it did not see, on any fully synced peer', async () => {
  const { a, f, ma, mb, addAll, sync } = await forgery()
  const A = keyOf(a.drive)
  await stampedFile(f.drive, '/p', 'forged', { t: 1, clock: { [A]: 2 ** 52 } })
  await addAll()
  // a has now seen the forged record: its overwrite names it, and dominates it.
  await ma.writeFile('/p', 'after seeing it')
  await sync()
  for (const multi of [ma, mb]) assert.is(await multi.readFile('/p', 'utf-8'), 'after seeing it')
  // The forger writes again, still claiming to have seen everything of a's at /p.
  await stampedFile(f.drive, '/p', 'forged again', { t: 2, clock: { [A]: 2 ** 52 } })
  await sync()
  for (const multi of [ma, mb]) {
    const who = await multi.whoWins('/p')
    assert.equal(
      { content: await multi.readFile('/p', 'utf-8'), conflict: who.conflict },
      { content: 'after seeing it', conflict: true },
      "a's write after seeing the first forgery must stay a head, and win on t"
    )
  }
})

test('multi.stat(path).mtime is a valid Date for a remote stamp t = 1e300; whoWins keeps the stored t', async () => {
  const h = await peer('hostile')
  await stampedFile(h.drive, '/far', 'from the far future', { t: 1e300, clock: {} })
  const v = await peer('victim')
  const { replica } = await connectedReplica(v, h)
  const { multi } = track(new MultiDrive(v.drive))
  await multi.ready()
  await settle(multi.addDrive(replica), 'addDrive')
  const stat = await multi.stat('/far')
  const [listed] = await multi.readdir('/', { includeStats: true })
  assert.equal(
    {
      mtime: Number.isFinite(stat.mtime.getTime()),
      ctime: Number.isFinite(stat.ctime.getTime()),
      listed: Number.isFinite(listed?.stat.mtime.getTime() ?? Number.NaN),
      stored: (await multi.whoWins('/far')).winner?.t
    },
    { mtime: true, ctime: true, listed: true, stored: 1e300 }
  )
})

test.run()
