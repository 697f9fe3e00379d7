// MultiDrive where a Hyperdrive is expected: the real mirror-drive and localdrive, entry objects,
// Hyperdrive's list options, and downloads of winning blobs only.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import Localdrive from 'localdrive'
import MirrorDrive from 'mirror-drive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive } from '../../src/index.js'
import { collect, rejects } from '../helpers/assert.js'
import { cleanup, keyOf, owned, peer, replicate, synced, tmp } from '../helpers/peers.js'

const test = suite('dropin')
test.after.each(cleanup)

/** Two peers' drives merged on a: a wins /shared.txt (written later, having seen b's), b deleted /gone.txt. */
async function merged() {
  const a = await peer('a')
  const b = await peer('b')
  const ma = new MultiDrive(a.drive)
  owned(ma)
  const mb = new MultiDrive(b.drive)
  owned(mb)
  const stop = replicate(a, b)
  const bOnA = await a.open(b.drive.key)
  const aOnB = await b.open(a.drive.key)
  await ma.addDrive(bOnA)
  await mb.addDrive(aOnB)
  await mb.writeFile('/shared.txt', 'from b')
  await mb.writeFile('/gone.txt', 'doomed')
  await mb.writeFile('/docs/b.md', 'b doc')
  await synced(bOnA, b.drive)
  await ma.flush()
  await ma.writeFile('/shared.txt', 'from a')
  await ma.writeFile('/a.txt', 'only a')
  await synced(aOnB, a.drive)
  await mb.flush()
  await mb.del('/gone.txt')
  await synced(bOnA, b.drive)
  await ma.flush()
  return { ma, mb, aOnB, stop }
}

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!name.isFile()) continue
    const path = join(name.parentPath, name.name)
    out[path.slice(dir.length)] = await readFile(path, 'utf-8')
  }
  return out
}

test('new MirrorDrive(multi, localdrive) exports the winners; a second mirror transfers nothing', async () => {
  const { ma } = await merged()
  const dir = await tmp('export-')
  const out = new Localdrive(dir)
  const first = new MirrorDrive(ma, out)
  await first.done()
  assert.equal(await files(dir), {
    '/a.txt': 'only a',
    '/docs/b.md': 'b doc',
    '/shared.txt': 'from a'
  })
  assert.is(first.count.add, 3)
  const second = ma.mirror(out)
  await second.done()
  assert.equal(second.count, { files: 3, add: 0, remove: 0, change: 0 })
})

test('new MirrorDrive(localdrive, multi) with prune imports a folder; removed files become tombstones', async () => {
  const { ma, mb, aOnB } = await merged()
  const dir = await tmp('import-')
  await mkdir(join(dir, 'docs'))
  await writeFile(join(dir, 'shared.txt'), 'edited on disk')
  await writeFile(join(dir, 'docs/b.md'), 'b doc')
  await writeFile(join(dir, 'new.txt'), 'new')
  // /a.txt is not in the folder: prune removes it from the merged view.
  const mirror = new MirrorDrive(new Localdrive(dir), ma, { prune: true })
  await mirror.done()
  assert.equal(mirror.count, { files: 3, add: 1, remove: 1, change: 1 })
  assert.equal(await ma.readdir('/'), ['docs', 'new.txt', 'shared.txt'])
  assert.is(await ma.readFile('/shared.txt', 'utf-8'), 'edited on disk')
  assert.equal((await ma.whoWins('/a.txt')).winner?.kind, 'tombstone')
  assert.is(await ma.getTombstone('/a.txt'), ma.writer)
  // The tombstone replicates: b's merged view loses /a.txt too.
  await synced(aOnB, ma.primary)
  await mb.flush()
  assert.not.ok(await mb.exists('/a.txt'))
  const again = new MirrorDrive(new Localdrive(dir), ma, { prune: true })
  await again.done()
  assert.equal(again.count, { files: 3, add: 0, remove: 0, change: 0 })
})

test('multi.entry(entry), multi.get(entry) and multi.createReadStream(entry) take entry objects', async () => {
  const { ma } = await merged()
  const [entry] = await ma.list('/', { recursive: false })
  assert.ok(entry)
  assert.is(await ma.entry(entry), entry)
  assert.is((await ma.get(entry))?.toString(), 'only a')
  assert.is(Buffer.concat(await collect(ma.createReadStream(entry))).toString(), 'only a')
  // An entry from elsewhere (no drive of ours) reads the winning file at its key.
  const foreign = { key: '/shared.txt', value: { blob: null } }
  assert.is((await ma.get(foreign))?.toString(), 'from a')
  await rejects(ma.get({ key: 'no\0path' }), 'EINVAL')
})

test('multi.entry(path, { follow: true }) follows symlinks as Hyperdrive does', async () => {
  const { ma } = await merged()
  await ma.symlink('/link', '/a.txt')
  assert.is((await ma.entry('/link'))?.value.linkname, '/a.txt')
  assert.is((await ma.entry('/link', { follow: true }))?.key, '/a.txt')
})

test('multi.list(folder, { recursive, ignore }) as Hyperdrive: paths, folders and a test', async () => {
  const { ma } = await merged()
  const keys = async (listing: AsyncIterable<{ key: string }>) => (await collect(listing)).map((e) => e.key)
  assert.equal(await keys(ma.list('/')), ['/a.txt', '/docs/b.md', '/shared.txt'])
  assert.equal(await keys(ma.list('/', { ignore: 'docs' })), ['/a.txt', '/shared.txt'])
  assert.equal(await keys(ma.list('/', { ignore: ['/a.txt', '/shared.txt'] })), ['/docs/b.md'])
  assert.equal(await keys(ma.list({ ignore: (key) => key.endsWith('.md') })), ['/a.txt', '/shared.txt'])
  assert.equal(await keys(ma.list('/', { recursive: false })), ['/a.txt', '/shared.txt'])
})

test('multi.download(folder) fetches only the winning blobs; done() and await both work', async () => {
  const a = await peer('a')
  const b = await peer('b')
  const c = await peer('c')
  const ma = new MultiDrive(a.drive)
  owned(ma)
  await b.drive.put('/big.bin', Buffer.alloc(200_000, 1))
  await c.drive.put('/big.bin', Buffer.alloc(300_000, 2))
  await c.drive.put('/other/x.bin', Buffer.alloc(100_000, 3))
  const stopB = replicate(a, b)
  const stopC = replicate(a, c)
  const bOnA = await a.open(b.drive.key)
  const cOnA = await a.open(c.drive.key)
  await synced(bOnA, b.drive)
  await synced(cOnA, c.drive)
  await ma.addDrive(bOnA)
  await ma.addDrive(cOnA)
  await ma.update()
  const winner = (await ma.whoWins('/big.bin')).winner?.drive
  const loser = winner === keyOf(b.drive) ? cOnA : bOnA
  const won = winner === keyOf(b.drive) ? bOnA : cOnA
  assert.not.ok(await ma.has('/big.bin'))
  const download = ma.download('/big.bin')
  await download.done()
  assert.ok(await ma.has('/big.bin'))
  const blobsOf = async (drive: typeof bOnA) => (await drive.getBlobs()).core
  assert.ok((await blobsOf(won)).contiguousLength > 0)
  assert.is((await blobsOf(loser)).contiguousLength, 0, "the losing drive's blob was downloaded")
  assert.not.ok(await ma.has('/other'))
  await ma.download('/other')
  assert.ok(await ma.has('/other'))
  stopB()
  stopC()
})

test('multi.download() on close: done() fails with EUNAVAILABLE instead of pending forever', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await b.drive.put('/x.bin', Buffer.alloc(100_000, 1))
  const bOnA = await a.open(b.drive.key)
  const stop = replicate(a, b)
  await synced(bOnA, b.drive)
  await bOnA.core.download({ start: 0, end: bOnA.core.length }).done()
  stop()
  const ma = new MultiDrive(a.drive)
  await ma.addDrive(bOnA)
  const download = ma.download('/')
  await ma.close()
  await rejects(download.done(), 'EUNAVAILABLE')
})

test.run()
