// The fs-style and Hyperdrive-shaped API of MultiDrive, on real drives with real replication.
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type MergedChange, MultiDrive } from '../../src/index.js'
import { collect, rejects } from '../helpers/assert.js'
import { type Cluster, cluster, type Member } from '../helpers/cluster.js'
import { cleanup, keyOf, owned, type Peer, peer, replicate, synced } from '../helpers/peers.js'

const test = suite('fs')

const STAMP_KEY = 'multidrive:stamp'

// Every MultiDrive a test makes is owned(): closed after it (even when it failed), before its peers.
test.after.each(cleanup)

async function keys(source: AsyncIterable<{ key: string }>): Promise<string[]> {
  return (await collect(source)).map((entry) => entry.key)
}

/** One peer and a MultiDrive over its drive, stamping with a fixed clock. */
async function single(): Promise<{ p: Peer; multi: MultiDrive }> {
  const p = await peer('a')
  const multi = new MultiDrive(p.drive, { now: () => 1234 })
  owned(multi)
  await multi.ready()
  return { p, multi }
}

/** Two replicating peers, each with a MultiDrive over both drives. */
async function pair(now: (i: number) => () => number = () => () => 1234): Promise<{
  c: Cluster
  m0: Member
  m1: Member
  stop: () => void
}> {
  const c = await cluster(2, (i) => ({ now: now(i) }))
  for (const m of c.members) owned(m.multi)
  const [m0, m1] = c.members
  if (m0 === undefined || m1 === undefined) throw new Error('cluster(2) has two members')
  return { c, m0, m1, stop: c.connect() }
}

// ---- stat / lstat -------------------------------------------------------------------------------

test('multi.stat(path) reports files, directories and symlinks', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/dir/file.txt', 'hello', { metadata: { author: 'ann' } })
  await multi.symlink('/link', '/dir/file.txt')

  const file = await multi.stat('/dir/file.txt')
  assert.ok(file.isFile())
  assert.not.ok(file.isDirectory())
  assert.not.ok(file.isSymbolicLink())
  assert.is(file.size, 5)
  assert.is(file.mtime.getTime(), 1234)
  assert.equal(file.metadata, { author: 'ann' })
  assert.is(file.drive, p.drive)

  // '/dir' exists only because a file lies under it.
  const dir = await multi.stat('/dir')
  assert.ok(dir.isDirectory())
  assert.not.ok(dir.isFile())
  assert.not.ok(dir.isSymbolicLink())

  // stat follows the link to the file.
  const viaLink = await multi.stat('/link')
  assert.ok(viaLink.isFile())
  assert.not.ok(viaLink.isSymbolicLink())
  assert.is(viaLink.size, 5)
  assert.equal(viaLink.metadata, { author: 'ann' })
})

test('multi.lstat(path) reports the symlink itself', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/dir/file.txt', 'hello')
  await multi.symlink('/link', '/dir/file.txt')

  const link = await multi.lstat('/link')
  assert.ok(link.isSymbolicLink())
  assert.not.ok(link.isFile())
  assert.not.ok(link.isDirectory())
  assert.is(link.size, Buffer.byteLength('/dir/file.txt'))
  assert.is(link.mtime.getTime(), 1234)
  assert.is(link.metadata, null)
  assert.is(link.drive, p.drive)

  assert.ok((await multi.lstat('/dir/file.txt')).isFile())
  assert.ok((await multi.lstat('/dir')).isDirectory())
  await rejects(multi.lstat('/missing'), 'ENOENT')
})

test("multi.stat('/') is a directory, even on an empty drive", async () => {
  const { multi } = await single()
  const root = await multi.stat('/')
  assert.ok(root.isDirectory())
  assert.not.ok(root.isFile())
  assert.ok((await multi.lstat('/')).isDirectory())
  assert.equal(await multi.readdir('/'), [])
})

test('multi.stat(path) fails with ENOENT for a missing path', async () => {
  const { multi } = await single()
  await multi.writeFile('/a.txt', 'a')
  await rejects(multi.stat('/missing'), 'ENOENT')
  await rejects(multi.stat('/missing/deeper'), 'ENOENT')
  await rejects(multi.lstat('/missing'), 'ENOENT')
  // A dangling symlink: stat follows it into nothing, lstat sees the link.
  await multi.symlink('/dangling', '/nowhere')
  await rejects(multi.stat('/dangling'), 'ENOENT')
  assert.ok((await multi.lstat('/dangling')).isSymbolicLink())
})

test('multi.stat(path).metadata is the user metadata only: the stamp never shows', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/meta.txt', 'm', { metadata: { tag: 'x', n: 1 } })
  await multi.writeFile('/plain.txt', 'p')

  // The stamp travels inside the plain drive entry's metadata...
  const raw = await p.drive.entry('/meta.txt')
  assert.ok(Object.keys((raw?.value.metadata as object | null | undefined) ?? {}).includes(STAMP_KEY))

  // ...and is hidden everywhere MultiDrive shows metadata.
  assert.equal((await multi.stat('/meta.txt')).metadata, { tag: 'x', n: 1 })
  assert.equal((await multi.entry('/meta.txt'))?.value.metadata, { tag: 'x', n: 1 })
  assert.is((await multi.stat('/plain.txt')).metadata, null)
  assert.is((await multi.entry('/plain.txt'))?.value.metadata, null)
  const listed = await collect(multi.list('/'))
  assert.equal(
    listed.map((e) => [e.key, e.value.metadata]),
    [
      ['/meta.txt', { tag: 'x', n: 1 }],
      ['/plain.txt', null]
    ]
  )
  const stats = await multi.readdir('/', { includeStats: true })
  assert.equal(
    stats.map((s) => [s.name, s.stat.metadata]),
    [
      ['meta.txt', { tag: 'x', n: 1 }],
      ['plain.txt', null]
    ]
  )
})

test("multi.stat(path).drive is the winning drive, another peer's included", async () => {
  const { c, m0, m1, stop } = await pair()
  await m0.multi.writeFile('/from0.txt', 'zero')
  await m1.multi.mkdir('/dir1')
  await c.settle()
  // Each member's replica of member j's drive is m.drives[j].
  assert.is((await m1.multi.stat('/from0.txt')).drive, m1.drives[0])
  assert.is((await m0.multi.stat('/from0.txt')).drive, m0.peer.drive)
  assert.is((await m0.multi.stat('/dir1')).drive, m0.drives[1])
  assert.is((await m1.multi.entry('/from0.txt'))?.drive, keyOf(m0.peer.drive))
  assert.is(await m1.multi.readFile('/from0.txt', 'utf8'), 'zero')
  stop()
})

// ---- entry / exists / get / list / readdir ---------------------------------------------------------

test('multi.entry(path) returns the winning file or symlink entry, null otherwise', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/d/f.txt', 'content', { metadata: { k: 'v' } })
  await multi.symlink('/d/l', 'f.txt')

  const file = await multi.entry('d/f.txt')
  assert.ok(file !== null)
  assert.is(file?.key, '/d/f.txt')
  assert.is(file?.drive, keyOf(p.drive))
  assert.is(file?.value.executable, false)
  assert.is(file?.value.linkname, null)
  assert.is(file?.value.blob?.byteLength, 7)
  assert.equal(file?.value.metadata, { k: 'v' })
  assert.is(typeof file?.seq, 'number')

  const link = await multi.entry('/d/l')
  assert.is(link?.value.linkname, 'f.txt')
  assert.is(link?.value.blob, null)

  assert.is(await multi.entry('/d'), null)
  assert.is(await multi.entry('/'), null)
  assert.is(await multi.entry('/missing'), null)
})

test('multi.exists(path) is true for files and symlinks, as Hyperdrive', async () => {
  const { multi } = await single()
  await multi.writeFile('/d/f.txt', 'x')
  await multi.symlink('/l', '/d/f.txt')
  assert.ok(await multi.exists('/d/f.txt'))
  assert.ok(await multi.exists('d/f.txt'))
  assert.ok(await multi.exists('/l'))
  assert.not.ok(await multi.exists('/d'))
  assert.not.ok(await multi.exists('/missing'))
})

test('multi.get(path) reads the winning content; null for missing paths, directories and symlinks', async () => {
  const { multi } = await single()
  await multi.writeFile('/d/f.txt', 'bytes')
  await multi.symlink('/l', '/d/f.txt')
  await multi.writeFile('/empty', '')
  assert.is((await multi.get('/d/f.txt'))?.toString(), 'bytes')
  assert.is((await multi.get('/empty'))?.length, 0)
  assert.is(await multi.get('/missing'), null)
  assert.is(await multi.get('/d'), null)
  assert.is(await multi.get('/l'), null)
})

test('multi.list(folder) lists file and symlink entries, recursive by default, sorted by key', async () => {
  const { multi } = await single()
  for (const path of ['/z.txt', '/a/b/deep.txt', '/a/y.txt', '/ab.txt', '/a/c.txt', '/m.txt']) {
    await multi.writeFile(path, path)
  }
  await multi.symlink('/a/link', '/m.txt')
  await multi.mkdir('/a/empty')

  assert.equal(await keys(multi.list()), [
    '/a/b/deep.txt',
    '/a/c.txt',
    '/a/link',
    '/a/y.txt',
    '/ab.txt',
    '/m.txt',
    '/z.txt'
  ])
  assert.equal(await keys(multi.list('/a')), ['/a/b/deep.txt', '/a/c.txt', '/a/link', '/a/y.txt'])
  assert.equal(await keys(multi.list('/a/')), ['/a/b/deep.txt', '/a/c.txt', '/a/link', '/a/y.txt'])
  assert.equal(await keys(multi.list('/a', { recursive: false })), ['/a/c.txt', '/a/link', '/a/y.txt'])
  assert.equal(await keys(multi.list('/', { recursive: false })), ['/ab.txt', '/m.txt', '/z.txt'])
  assert.equal(await keys(multi.list('/missing')), [])
  assert.equal(await keys(multi.list('/a/empty')), [])
})

test('multi.readdir(folder) lists sorted names: await it or iterate it', async () => {
  const { multi } = await single()
  for (const path of ['/z.txt', '/b/inner.txt', '/a.txt', '/b/sub/x.txt', '/B.txt']) await multi.writeFile(path, 'x')
  await multi.mkdir('/empty')
  await multi.symlink('/link', '/a.txt')

  const expected = ['B.txt', 'a.txt', 'b', 'empty', 'link', 'z.txt']
  assert.equal(await multi.readdir('/'), expected)
  assert.equal(await multi.readdir(), expected)
  assert.equal(await collect(multi.readdir('/')), expected)
  assert.equal(await multi.readdir('/b'), ['inner.txt', 'sub'])
  assert.equal(await collect(multi.readdir('b/')), ['inner.txt', 'sub'])
  assert.equal(await multi.readdir('/empty'), [])
})

test('multi.readdir(folder, { includeStats: true }) gives each name with its stat (links not followed)', async () => {
  const { multi } = await single()
  await multi.writeFile('/d/file.txt', 'four')
  await multi.writeFile('/d/sub/x.txt', 'x')
  await multi.mkdir('/d/empty')
  await multi.symlink('/d/link', 'file.txt')

  const stats = await multi.readdir('/d', { includeStats: true })
  assert.equal(
    stats.map((s) => s.name),
    ['empty', 'file.txt', 'link', 'sub']
  )
  const kinds = stats.map(({ name, stat }) => [
    name,
    stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : '?'
  ])
  assert.equal(kinds, [
    ['empty', 'dir'],
    ['file.txt', 'file'],
    ['link', 'symlink'],
    ['sub', 'dir']
  ])
  assert.is(stats.find((s) => s.name === 'file.txt')?.stat.size, 4)
  const iterated = await collect(multi.readdir('/d', { includeStats: true }))
  assert.equal(
    iterated.map((s) => s.name),
    ['empty', 'file.txt', 'link', 'sub']
  )
})

// ---- writes ---------------------------------------------------------------------------------------

test('multi.writeFile(path, string, encoding) decodes the string', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/hex', '68656c6c6f', 'hex')
  await multi.writeFile('/b64', Buffer.from('base64!').toString('base64'), { encoding: 'base64' })
  await multi.writeFile('/utf8', 'héllo')
  await multi.writeFile('/bytes', new Uint8Array([1, 2, 3]))
  assert.is(await multi.readFile('/hex', 'utf8'), 'hello')
  assert.is(await multi.readFile('/b64', { encoding: 'utf8' }), 'base64!')
  assert.is(await multi.readFile('/utf8', 'utf8'), 'héllo')
  assert.equal([...((await multi.readFile('/bytes')) as Buffer)], [1, 2, 3])
  assert.ok(Buffer.isBuffer(await multi.readFile('/hex')))
  // Written through to the writer, visible to plain Hyperdrive readers.
  assert.is((await p.drive.get('/hex'))?.toString(), 'hello')
})

test('multi.writeFile(path, data, { metadata }) stores the user metadata', async () => {
  const { multi } = await single()
  await multi.writeFile('/m.txt', 'x', { metadata: { owner: 'bob', tags: ['a', 'b'] } })
  assert.equal((await multi.stat('/m.txt')).metadata, { owner: 'bob', tags: ['a', 'b'] })
  // Rewriting without metadata drops it, as Hyperdrive's put does.
  await multi.writeFile('/m.txt', 'y')
  assert.is((await multi.stat('/m.txt')).metadata, null)
})

test('multi.put(path, buf, { executable: true }) makes an executable file', async () => {
  const { p, multi } = await single()
  await multi.put('/run.sh', Buffer.from('#!/bin/sh\n'), { executable: true })
  await multi.put('/plain.txt', Buffer.from('text'))
  const exec = await multi.stat('/run.sh')
  assert.ok(exec.isFile())
  assert.ok((exec.mode & 0o111) !== 0, `mode ${exec.mode.toString(8)} has exec bits`)
  assert.is((await multi.stat('/plain.txt')).mode & 0o111, 0)
  assert.is((await multi.entry('/run.sh'))?.value.executable, true)
  assert.is((await p.drive.entry('/run.sh'))?.value.executable, true)
  assert.is(await multi.readFile('/run.sh', 'utf8'), '#!/bin/sh\n')
})

test('multi.put(path) fails with EISDIR where a directory is', async () => {
  const { multi } = await single()
  await multi.writeFile('/implicit/f.txt', 'x')
  await multi.mkdir('/explicit')
  await rejects(multi.writeFile('/implicit', 'x'), 'EISDIR')
  await rejects(multi.put('/explicit', Buffer.from('x')), 'EISDIR')
  await rejects(multi.symlink('/explicit', '/implicit/f.txt'), 'EISDIR')
  assert.ok((await multi.stat('/implicit')).isDirectory())
  assert.ok((await multi.stat('/explicit')).isDirectory())
})

test('multi.put(path) fails with ENOTDIR under a file', async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'x')
  await rejects(multi.writeFile('/f.txt/child', 'x'), 'ENOTDIR')
  await rejects(multi.writeFile('/f.txt/deep/child', 'x'), 'ENOTDIR')
  await rejects(multi.mkdir('/f.txt/dir'), 'ENOTDIR')
  await rejects(multi.symlink('/f.txt/link', '/f.txt'), 'ENOTDIR')
  assert.equal(await multi.readdir('/'), ['f.txt'])
})

test('multi.put(path) fails with EINVAL for a NUL byte in the path and for the root', async () => {
  const { p, multi } = await single()
  const length = p.drive.core.length
  await rejects(multi.writeFile('/bad\0name', 'x'), 'EINVAL')
  await rejects(multi.put('/', Buffer.from('x')), 'EINVAL')
  await rejects(multi.writeFile('', 'x'), 'EINVAL')
  await rejects(multi.symlink('/bad\0link', '/x'), 'EINVAL')
  await rejects(multi.stat('/bad\0name'), 'EINVAL')
  await rejects(multi.readFile('/bad\0name'), 'EINVAL')
  assert.is(p.drive.core.length, length)
})

test('multi.put(path) normalises paths like Hyperdrive', async () => {
  const { p, multi } = await single()
  await multi.writeFile('a/../b', 'b')
  await multi.writeFile('x/', 'x')
  await multi.writeFile('//deep///./file', 'deep')
  assert.equal(await multi.readdir('/'), ['b', 'deep', 'x'])
  assert.is(await multi.readFile('/b', 'utf8'), 'b')
  assert.is(await multi.readFile('b', 'utf8'), 'b')
  assert.is(await multi.readFile('/x', 'utf8'), 'x')
  assert.is(await multi.readFile('/deep/file', 'utf8'), 'deep')
  assert.is((await multi.entry('/q/../x/'))?.key, '/x')
  assert.is((await p.drive.get('/b'))?.toString(), 'b')
})

test('multi.put(path, buf, { metadata }) fails with EINVAL for metadata that is not a plain object', async () => {
  const { p, multi } = await single()
  const length = p.drive.core.length
  for (const metadata of ['text', 42, [1, 2], true]) {
    await rejects(
      multi.put('/m.txt', Buffer.from('x'), { metadata: metadata as unknown as Record<string, unknown> }),
      'EINVAL'
    )
    await rejects(
      multi.writeFile('/m.txt', 'x', { metadata: metadata as unknown as Record<string, unknown> }),
      'EINVAL'
    )
  }
  assert.is(p.drive.core.length, length)
  assert.not.ok(await multi.exists('/m.txt'))
})

test('multi.put(path, buf, { metadata }) fails with EINVAL for class instances such as a Map', async () => {
  const { multi } = await single()
  // A Map stores as `{}` (its entries silently lost): it is not a plain object.
  const metadata = new Map([['owner', 'bob']]) as unknown as Record<string, unknown>
  await rejects(multi.writeFile('/m.txt', 'x', { metadata }), 'EINVAL')
})

// ---- mkdir / rmdir / unlink / del / access -------------------------------------------------------

test('multi.mkdir(path) makes a directory that lists even when empty', async () => {
  const { p, multi } = await single()
  await multi.mkdir('/empty')
  await multi.mkdir('/parent/child')
  const dir = await multi.stat('/empty')
  assert.ok(dir.isDirectory())
  assert.is(dir.mtime.getTime(), 1234)
  assert.is(dir.drive, p.drive)
  assert.equal(await multi.readdir('/'), ['empty', 'parent'])
  assert.equal(await multi.readdir('/empty'), [])
  assert.equal(await multi.readdir('/parent'), ['child'])
  assert.equal(await keys(multi.list('/')), [])
  // Invisible to plain Hyperdrive readers.
  assert.equal(await collect(p.drive.readdir('/')), [])

  // A file created and removed inside leaves the marked directory in place.
  await multi.writeFile('/empty/f.txt', 'x')
  await multi.unlink('/empty/f.txt')
  assert.ok((await multi.stat('/empty')).isDirectory())
  assert.equal(await multi.readdir('/empty'), [])
})

test('multi.mkdir(path) fails with EEXIST if anything is there', async () => {
  const { multi } = await single()
  await multi.mkdir('/dir')
  await multi.writeFile('/implicit/f.txt', 'x')
  await multi.writeFile('/file.txt', 'x')
  await multi.symlink('/link', '/dir')
  await rejects(multi.mkdir('/dir'), 'EEXIST')
  await rejects(multi.mkdir('/implicit'), 'EEXIST')
  await rejects(multi.mkdir('/file.txt'), 'EEXIST')
  await rejects(multi.mkdir('/link'), 'EEXIST')
  await rejects(multi.mkdir('/'), 'EINVAL')
})

test('multi.rmdir(path) removes empty directories: ENOENT, ENOTDIR, ENOTEMPTY otherwise', async () => {
  const { multi } = await single()
  await multi.mkdir('/empty')
  await multi.writeFile('/full/f.txt', 'x')
  await multi.writeFile('/file.txt', 'x')
  await rejects(multi.rmdir('/missing'), 'ENOENT')
  await rejects(multi.rmdir('/file.txt'), 'ENOTDIR')
  await rejects(multi.rmdir('/full'), 'ENOTEMPTY')
  assert.is(await multi.readFile('/full/f.txt', 'utf8'), 'x')

  await multi.rmdir('/empty')
  await rejects(multi.stat('/empty'), 'ENOENT')
  assert.equal(await multi.readdir('/'), ['file.txt', 'full'])
  await rejects(multi.rmdir('/empty'), 'ENOENT')
})

test('multi.rmdir(path, { recursive: true }) removes everything under it', async () => {
  const { multi } = await single()
  await multi.writeFile('/d/a.txt', 'a')
  await multi.writeFile('/d/sub/b.txt', 'b')
  await multi.mkdir('/d/sub/empty')
  await multi.mkdir('/d/marked')
  await multi.symlink('/d/link', '/keep.txt')
  await multi.writeFile('/keep.txt', 'keep')
  await multi.writeFile('/dx/stays.txt', 'stays')

  await multi.rmdir('/d', { recursive: true })
  for (const path of ['/d', '/d/a.txt', '/d/sub', '/d/sub/b.txt', '/d/sub/empty', '/d/marked']) {
    await rejects(multi.stat(path), 'ENOENT')
  }
  await rejects(multi.lstat('/d/link'), 'ENOENT')
  assert.equal(await multi.readdir('/'), ['dx', 'keep.txt'])
  assert.equal(await keys(multi.list('/')), ['/dx/stays.txt', '/keep.txt'])
  assert.is(await multi.readFile('/keep.txt', 'utf8'), 'keep')
})

test("multi.rmdir(path, { recursive: true }) removes other drives' files too, on every peer", async () => {
  const { c, m0, m1, stop } = await pair()
  await m0.multi.writeFile('/d/from0.txt', '0')
  await m1.multi.writeFile('/d/sub/from1.txt', '1')
  await c.settle()
  await m1.multi.rmdir('/d', { recursive: true })
  await c.settle()
  for (const m of [m0, m1]) {
    assert.equal(await m.multi.readdir('/'), [])
    await rejects(m.multi.stat('/d'), 'ENOENT')
  }
  // Tombstones hide m0's file; m0's drive still holds it.
  assert.is((await m0.peer.drive.get('/d/from0.txt'))?.toString(), '0')
  stop()
})

test('multi.unlink(path) removes a file: ENOENT when missing, EISDIR on a directory', async () => {
  const { multi } = await single()
  await multi.writeFile('/d/f.txt', 'x')
  await multi.writeFile('/target.txt', 't')
  await multi.symlink('/link', '/target.txt')
  await multi.mkdir('/marked')
  await rejects(multi.unlink('/missing'), 'ENOENT')
  await rejects(multi.unlink('/d'), 'EISDIR')
  await rejects(multi.unlink('/marked'), 'EISDIR')
  await rejects(multi.unlink('/'), 'EINVAL')

  await multi.unlink('/d/f.txt')
  assert.not.ok(await multi.exists('/d/f.txt'))
  await rejects(multi.readFile('/d/f.txt'), 'ENOENT')
  // The implicit directory goes with its last file.
  await rejects(multi.stat('/d'), 'ENOENT')
  await rejects(multi.unlink('/d/f.txt'), 'ENOENT')

  // Unlinking a symlink removes the link, not its target.
  await multi.unlink('/link')
  await rejects(multi.lstat('/link'), 'ENOENT')
  assert.is(await multi.readFile('/target.txt', 'utf8'), 't')
  assert.equal(await multi.readdir('/'), ['marked', 'target.txt'])
})

test('multi.del(path) of a missing path is a no-op', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/f.txt', 'x')
  const length = p.drive.core.length
  await multi.del('/missing')
  await multi.del('/f.txt/under')
  assert.is(p.drive.core.length, length)
  await multi.del('/f.txt')
  assert.not.ok(await multi.exists('/f.txt'))
  const after = p.drive.core.length
  await multi.del('/f.txt')
  assert.is(p.drive.core.length, after)
})

test('multi.access(path) resolves for what exists, ENOENT otherwise', async () => {
  const { multi } = await single()
  await multi.writeFile('/d/f.txt', 'x')
  await multi.symlink('/link', '/d/f.txt')
  await multi.symlink('/dangling', '/nowhere')
  await multi.access('/')
  await multi.access('/d')
  await multi.access('/d/f.txt')
  await multi.access('/link')
  await rejects(multi.access('/missing'), 'ENOENT')
  await rejects(multi.access('/dangling'), 'ENOENT')
})

// ---- symlinks --------------------------------------------------------------------------------------

test('multi.symlink(path, target) + multi.readFile follow relative and absolute targets', async () => {
  const { p, multi } = await single()
  await multi.writeFile('/dir/file.txt', 'in dir')
  await multi.writeFile('/top.txt', 'on top')
  await multi.symlink('/dir/rel', 'file.txt')
  await multi.symlink('/dir/up', '../top.txt')
  await multi.symlink('/abs', '/dir/file.txt')
  await multi.symlink('/chain', '/abs')
  await multi.symlink('/dirlink', '/dir')

  assert.is(await multi.readFile('/dir/rel', 'utf8'), 'in dir')
  assert.is(await multi.readFile('/dir/up', 'utf8'), 'on top')
  assert.is(await multi.readFile('/abs', 'utf8'), 'in dir')
  assert.is(await multi.readFile('/chain', 'utf8'), 'in dir')
  assert.ok((await multi.stat('/dirlink')).isDirectory())
  assert.ok((await multi.lstat('/dirlink')).isSymbolicLink())
  await rejects(multi.readFile('/dirlink'), 'EISDIR')

  // get() does not follow (a symlink has no content of its own); entry() shows the target.
  assert.is(await multi.get('/abs'), null)
  assert.is((await multi.entry('/abs'))?.value.linkname, '/dir/file.txt')
  // A plain Hyperdrive reader sees an ordinary symlink entry.
  assert.is((await p.drive.entry('/dir/rel'))?.value.linkname, 'file.txt')
})

test("multi.readFile('/') fails with EISDIR, like any directory", async () => {
  const { multi } = await single()
  await multi.writeFile('/dir/f.txt', 'x')
  await rejects(multi.readFile('/dir'), 'EISDIR')
  await rejects(multi.readFile('/'), 'EISDIR')
})

// ---- metadata and truncate ---------------------------------------------------------------------------

test('multi.setMetadata(path, key, value) and multi.removeMetadata(path, key) edit the user metadata', async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'content', { metadata: { a: 1 } })
  await multi.setMetadata('/f.txt', 'b', { nested: true })
  assert.equal((await multi.stat('/f.txt')).metadata, { a: 1, b: { nested: true } })
  await multi.setMetadata('/f.txt', 'a', 2)
  assert.equal((await multi.stat('/f.txt')).metadata, { a: 2, b: { nested: true } })
  await multi.removeMetadata('/f.txt', 'a')
  assert.equal((await multi.stat('/f.txt')).metadata, { b: { nested: true } })
  await multi.removeMetadata('/f.txt', 'b')
  assert.is((await multi.stat('/f.txt')).metadata, null)
  assert.is(await multi.readFile('/f.txt', 'utf8'), 'content')

  await multi.mkdir('/dir')
  await rejects(multi.setMetadata('/missing', 'k', 1), 'ENOENT')
  await rejects(multi.removeMetadata('/missing', 'k'), 'ENOENT')
  await rejects(multi.setMetadata('/dir', 'k', 1), 'EISDIR')
})

test("multi.setMetadata(path) on another drive's file copies it into the writer", async () => {
  const { c, m0, m1, stop } = await pair()
  await m0.multi.writeFile('/shared.txt', 'shared content', { metadata: { a: 1 } })
  await c.settle()

  await m1.multi.setMetadata('/shared.txt', 'b', 2)
  const stat = await m1.multi.stat('/shared.txt')
  assert.equal(stat.metadata, { a: 1, b: 2 })
  assert.is(stat.drive, m1.peer.drive)
  assert.is(await m1.multi.readFile('/shared.txt', 'utf8'), 'shared content')
  // Copied into m1's drive, content included; m0's own entry is untouched.
  assert.is((await m1.peer.drive.get('/shared.txt'))?.toString(), 'shared content')
  const own = await m0.peer.drive.entry('/shared.txt')
  assert.is((own?.value.metadata as Record<string, unknown> | undefined)?.a, 1)
  assert.not.ok('b' in ((own?.value.metadata as object | undefined) ?? {}))

  await c.settle()
  assert.equal((await m0.multi.stat('/shared.txt')).metadata, { a: 1, b: 2 })
  assert.not.ok((await m0.multi.whoWins('/shared.txt')).conflict)

  // And back: m0 edits the copy m1 now owns.
  await m0.multi.removeMetadata('/shared.txt', 'a')
  assert.is((await m0.multi.stat('/shared.txt')).drive, m0.peer.drive)
  await c.settle()
  for (const m of [m0, m1]) {
    assert.equal((await m.multi.stat('/shared.txt')).metadata, { b: 2 })
    assert.is(await m.multi.readFile('/shared.txt', 'utf8'), 'shared content')
  }
  stop()
})

test('multi.truncate(path, len) shortens, or extends with zeros', async () => {
  const { multi } = await single()
  await multi.put('/f.bin', Buffer.from('hello world'), { executable: true, metadata: { k: 'v' } })
  await multi.truncate('/f.bin', 5)
  assert.is(await multi.readFile('/f.bin', 'utf8'), 'hello')
  assert.is((await multi.stat('/f.bin')).size, 5)
  await multi.truncate('/f.bin', 8)
  assert.equal([...((await multi.readFile('/f.bin')) as Buffer)], [...Buffer.from('hello'), 0, 0, 0])
  assert.is((await multi.stat('/f.bin')).size, 8)
  // Metadata and the executable bit survive.
  assert.equal((await multi.stat('/f.bin')).metadata, { k: 'v' })
  assert.is((await multi.entry('/f.bin'))?.value.executable, true)
  await multi.truncate('/f.bin')
  assert.is((await multi.stat('/f.bin')).size, 0)

  await multi.mkdir('/dir')
  await rejects(multi.truncate('/missing', 1), 'ENOENT')
  await rejects(multi.truncate('/dir', 1), 'EISDIR')
  await rejects(multi.truncate('/f.bin', -1), 'EINVAL')
})

test("multi.truncate(path, len) on another drive's file copies it; the other drive is untouched", async () => {
  const { c, m0, m1, stop } = await pair()
  await m0.multi.writeFile('/t.txt', 'abcdef')
  await c.settle()
  await m1.multi.truncate('/t.txt', 3)
  assert.is(await m1.multi.readFile('/t.txt', 'utf8'), 'abc')
  assert.is((await m1.multi.stat('/t.txt')).drive, m1.peer.drive)
  assert.is((await m0.peer.drive.get('/t.txt'))?.toString(), 'abcdef')
  await c.settle()
  assert.is(await m0.multi.readFile('/t.txt', 'utf8'), 'abc')
  assert.is((await m0.peer.drive.get('/t.txt'))?.toString(), 'abcdef')
  stop()
})

test('multi.truncate(path, len) follows a symlink to its file, as fs.truncate', async () => {
  const { multi } = await single()
  await multi.writeFile('/target.txt', 'hello world')
  await multi.symlink('/link', '/target.txt')
  await multi.truncate('/link', 5)
  assert.is(await multi.readFile('/target.txt', 'utf8'), 'hello')
  assert.ok((await multi.lstat('/link')).isSymbolicLink())
})

// ---- file descriptors ------------------------------------------------------------------------------

test("multi.open(path, 'r') + multi.read(fd) read the file", async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'hello world')
  const fd = await multi.open('/f.txt', 'r')
  const buf = Buffer.alloc(5)
  const first = await multi.read(fd, buf, 0, 5, 0)
  assert.is(first.bytesRead, 5)
  assert.is(buf.toString(), 'hello')
  const second = await multi.read(fd, buf, 0, 5, 6)
  assert.is(second.bytesRead, 5)
  assert.is(buf.toString(), 'world')
  const big = Buffer.alloc(20)
  assert.is((await multi.read(fd, big, 2, 10, 8)).bytesRead, 3)
  assert.is(big.subarray(2, 5).toString(), 'rld')
  assert.is((await multi.read(fd, buf, 0, 5, 11)).bytesRead, 0)
  await rejects(multi.write(fd, Buffer.from('x'), 0, 1, 0), 'EBADF')
  await multi.close(fd)

  await rejects(multi.open('/missing', 'r'), 'ENOENT')
  await rejects(multi.open('/', 'r'), 'EINVAL')
})

test("multi.open(path, 'w') + multi.write(fd) create or replace the file on close", async () => {
  const { multi } = await single()
  const fd = await multi.open('/new.txt', 'w')
  assert.is((await multi.write(fd, Buffer.from('hello'), 0, 5, null)).bytesWritten, 5)
  await multi.write(fd, Buffer.from('xx world'), 2, 6, 5)
  await rejects(multi.read(fd, Buffer.alloc(5), 0, 5, 0), 'EBADF')
  await multi.close(fd)
  assert.is(await multi.readFile('/new.txt', 'utf8'), 'hello world')

  // 'w' truncates an existing file.
  const again = await multi.open('/new.txt', 'w')
  await multi.write(again, Buffer.from('hi'), 0, 2, 0)
  await multi.close(again)
  assert.is(await multi.readFile('/new.txt', 'utf8'), 'hi')
})

test("multi.open(path, 'a') appends to the file", async () => {
  const { multi } = await single()
  await multi.writeFile('/log.txt', 'hello')
  const fd = await multi.open('/log.txt', 'a')
  // In append mode the position is ignored: every write goes to the end.
  await multi.write(fd, Buffer.from(' world'), 0, 6, 0)
  await multi.write(fd, Buffer.from('!'))
  await multi.close(fd)
  assert.is(await multi.readFile('/log.txt', 'utf8'), 'hello world!')
})

test("multi.open(path, 'r+') reads and overwrites in place", async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'hello world')
  const fd = await multi.open('/f.txt', 'r+')
  await multi.write(fd, Buffer.from('J'), 0, 1, 0)
  const buf = Buffer.alloc(11)
  await multi.read(fd, buf, 0, 11, 0)
  assert.is(buf.toString(), 'Jello world')
  await multi.close(fd)
  assert.is(await multi.readFile('/f.txt', 'utf8'), 'Jello world')
  await rejects(multi.open('/missing', 'r+'), 'ENOENT')
})

test("multi.open(path, 'wx') fails with EEXIST if the file exists", async () => {
  const { multi } = await single()
  await multi.writeFile('/exists.txt', 'x')
  await rejects(multi.open('/exists.txt', 'wx'), 'EEXIST')
  const fd = await multi.open('/fresh.txt', 'wx')
  await multi.write(fd, Buffer.from('fresh'))
  await multi.close(fd)
  assert.is(await multi.readFile('/fresh.txt', 'utf8'), 'fresh')
  assert.is(await multi.readFile('/exists.txt', 'utf8'), 'x')
})

test('multi.read/write/close(fd) fail with EBADF after close and for unknown fds', async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'x')
  const fd = await multi.open('/f.txt', 'r+')
  await multi.close(fd)
  await rejects(multi.read(fd, Buffer.alloc(1), 0, 1, 0), 'EBADF')
  await rejects(multi.write(fd, Buffer.from('y'), 0, 1, 0), 'EBADF')
  await rejects(multi.close(fd), 'EBADF')
  await rejects(multi.read(9999, Buffer.alloc(1), 0, 1, 0), 'EBADF')
  await rejects(multi.write(9999, Buffer.from('y'), 0, 1, 0), 'EBADF')
  await rejects(multi.close(9999), 'EBADF')
})

test('multi.open(path, flags) for writing fails with EROFS without a writable drive', async () => {
  const a = await peer('a')
  const b = await peer('b')
  await a.drive.put('/hello.txt', Buffer.from('hello'))
  const stop = replicate(a, b)
  const replica = await b.open(a.drive.key)
  await synced(replica, a.drive)
  const multi = new MultiDrive(replica)
  owned(multi)
  await multi.ready()
  assert.is(multi.writable, false)

  const fd = await multi.open('/hello.txt', 'r')
  const buf = Buffer.alloc(5)
  await multi.read(fd, buf, 0, 5, 0)
  assert.is(buf.toString(), 'hello')
  await multi.close(fd)
  for (const flags of ['w', 'a', 'wx', 'w+', 'a+']) await rejects(multi.open('/new.txt', flags), 'EROFS')
  for (const flags of ['r+', 'w', 'a']) await rejects(multi.open('/hello.txt', flags), 'EROFS')
  stop()
})

test('multi.read/write(fd) with position null use and advance the file position, as fs', async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'hello world')
  const fd = await multi.open('/f.txt', 'r+')
  const buf = Buffer.alloc(6)
  await multi.read(fd, buf, 0, 6, null)
  assert.is(buf.toString(), 'hello ')
  const next = await multi.read(fd, buf, 0, 6, null)
  assert.is(buf.subarray(0, next.bytesRead).toString(), 'world')
  await multi.close(fd)

  // A fresh 'r+' fd is at position 0: a write with position null overwrites from the start.
  const wfd = await multi.open('/f.txt', 'r+')
  await multi.write(wfd, Buffer.from('HELLO'), 0, 5, null)
  await multi.close(wfd)
  assert.is(await multi.readFile('/f.txt', 'utf8'), 'HELLO world')
})

test("multi.open(path, 'a') creates the file, as fs.open, even when nothing is written", async () => {
  const { multi } = await single()
  const fd = await multi.open('/created.txt', 'a')
  await multi.close(fd)
  assert.ok(await multi.exists('/created.txt'))
  assert.is(await multi.readFile('/created.txt', 'utf8'), '')
})

test('multi.write(fd) on an fd opened through a symlink writes the target', async () => {
  const { multi } = await single()
  await multi.writeFile('/target.txt', 'hello')
  await multi.symlink('/link', '/target.txt')
  const fd = await multi.open('/link', 'a')
  await multi.write(fd, Buffer.from(' world'))
  await multi.close(fd)
  assert.is(await multi.readFile('/target.txt', 'utf8'), 'hello world')
  assert.ok((await multi.lstat('/link')).isSymbolicLink())
})

// ---- streams ---------------------------------------------------------------------------------------

test('multi.createReadStream(path, { start, end }) streams the file, end inclusive', async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'hello world')
  await multi.writeFile('/empty.txt', '')
  await multi.symlink('/link', '/f.txt')
  const read = async (path: string, opts?: { start?: number; end?: number }) =>
    Buffer.concat(await collect<Buffer>(multi.createReadStream(path, opts)))

  assert.is((await read('/f.txt')).toString(), 'hello world')
  assert.is((await read('/f.txt', { start: 2, end: 5 })).toString(), 'llo ')
  assert.is((await read('/f.txt', { start: 6 })).toString(), 'world')
  assert.is((await read('/f.txt', { end: 0 })).toString(), 'h')
  assert.is((await read('/empty.txt')).length, 0)
  assert.is((await read('/link')).toString(), 'hello world')

  // Across block boundaries of the blobs core (64 KiB blocks).
  const big = Buffer.alloc(200_000)
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251
  await multi.put('/big.bin', big)
  assert.ok((await read('/big.bin')).equals(big))
  assert.ok((await read('/big.bin', { start: 65_530, end: 131_080 })).equals(big.subarray(65_530, 131_081)))

  await rejects(read('/missing'), 'ENOENT')
  await multi.mkdir('/dir')
  await rejects(read('/dir'), 'EISDIR')
})

test("multi.createWriteStream(path) writes the file on 'finish'", async () => {
  const { multi } = await single()
  await pipeline(
    Readable.from([Buffer.from('hel'), Buffer.from('lo')]),
    multi.createWriteStream('/piped.txt', { metadata: { via: 'pipeline' } })
  )
  assert.is(await multi.readFile('/piped.txt', 'utf8'), 'hello')
  assert.equal((await multi.stat('/piped.txt')).metadata, { via: 'pipeline' })

  const ws = multi.createWriteStream('/manual.txt', { executable: true })
  ws.write('a')
  ws.write(Buffer.from('b'))
  // Nothing is written before the stream finishes.
  assert.not.ok(await multi.exists('/manual.txt'))
  ws.end('c')
  await once(ws, 'finish')
  assert.is(await multi.readFile('/manual.txt', 'utf8'), 'abc')
  assert.is((await multi.entry('/manual.txt'))?.value.executable, true)

  // A write that fails (a directory is there) errors the stream.
  await multi.mkdir('/dir')
  await rejects(pipeline(Readable.from([Buffer.from('x')]), multi.createWriteStream('/dir')), 'EISDIR')
})

// ---- change streams --------------------------------------------------------------------------------

test('multi.changes$ emits put and del changes after they are committed', async () => {
  const { p, multi } = await single()
  const seen: MergedChange[] = []
  const errors: unknown[] = []
  // What the index shows at the moment each change is emitted.
  const visible: Promise<boolean>[] = []
  const subscription = multi.changes$.subscribe({
    next: (change) => {
      seen.push(change)
      visible.push(multi.exists(change.path))
    },
    error: (err) => errors.push(err)
  })

  await multi.writeFile('/a.txt', 'one')
  assert.equal(
    seen.map((c) => [c.path, c.type]),
    [['/a.txt', 'put']]
  )
  const first = seen[0]
  assert.is(first?.before, null)
  assert.is(first?.after?.key, '/a.txt')
  assert.is(first?.after?.drive, keyOf(p.drive))

  await multi.writeFile('/a.txt', 'two', { metadata: { v: 2 } })
  const second = seen[1]
  assert.is(second?.type, 'put')
  assert.equal(second?.before, first?.after)
  assert.equal(second?.after?.value.metadata, { v: 2 })
  assert.ok((second?.after?.seq ?? 0) > (first?.after?.seq ?? 0))

  await multi.del('/a.txt')
  const third = seen[2]
  assert.is(third?.type, 'del')
  assert.equal(third?.before, second?.after)
  assert.is(third?.after, null)
  assert.is(seen.length, 3)
  assert.equal(await Promise.all(visible), [true, true, false])

  subscription.unsubscribe()
  await multi.writeFile('/b.txt', 'after unsubscribe')
  assert.is(seen.length, 3)
  assert.equal(errors, [])
})

test("multi.changes$ emits 'conflict' when a peer's concurrent write arrives", async () => {
  const c = await cluster(2, (i) => ({ now: () => 1000 * (i + 1) }))
  for (const m of c.members) owned(m.multi)
  const [m0, m1] = c.members
  if (m0 === undefined || m1 === undefined) throw new Error('cluster(2) has two members')
  await m0.multi.writeFile('/c.txt', 'zero')
  await m1.multi.writeFile('/c.txt', 'one')

  const seen: MergedChange[] = []
  const errors: unknown[] = []
  const subscription = m0.multi.changes$.subscribe({ next: (c) => seen.push(c), error: (e) => errors.push(e) })
  const stop = c.connect()
  await c.settle()
  subscription.unsubscribe()

  const change = seen.find((s) => s.path === '/c.txt')
  assert.is(change?.type, 'conflict')
  assert.is(change?.before?.drive, keyOf(m0.peer.drive))
  assert.is(change?.after?.drive, keyOf(m1.peer.drive))
  assert.is(await m0.multi.readFile('/c.txt', 'utf8'), 'one')
  assert.ok((await m0.multi.whoWins('/c.txt')).conflict)
  assert.equal(errors, [])
  stop()
})

test("multi.watch('/dir') yields lists of changes under that folder only; destroy() ends it", async () => {
  const { multi } = await single()
  const watcher = multi.watch('/dir')
  await multi.writeFile('/dir/a.txt', 'a')
  await multi.writeFile('/other/b.txt', 'b')
  await multi.writeFile('/dirx/c.txt', 'c')
  await multi.writeFile('/dir/sub/d.txt', 'd')
  await multi.writeFile('/dir.txt', 'e')

  const first = await watcher.next()
  const changes = first.done ? [] : first.value
  assert.equal(changes.map((c) => c.path).sort(), ['/dir/a.txt', '/dir/sub/d.txt'])
  assert.ok(changes.every((c) => c.type === 'put'))

  // destroy() ends a pending next() and every later one.
  const pending = watcher.next()
  await watcher.destroy()
  assert.ok((await pending).done)
  await multi.writeFile('/dir/late.txt', 'late')
  assert.ok((await watcher.next()).done)
})

test("multi.watch('/dir') is async iterable, and destroy() ends a running for await", async () => {
  const { multi } = await single()
  const watcher = multi.watch('/dir')
  const seen: string[] = []
  const loop = (async () => {
    for await (const changes of watcher) {
      for (const change of changes) seen.push(`${change.type} ${change.path}`)
      if (seen.includes('del /dir/y.txt')) break
    }
  })()
  await multi.writeFile('/dir/y.txt', 'y')
  await multi.writeFile('/elsewhere.txt', 'no')
  await multi.unlink('/dir/y.txt')
  await loop
  assert.equal(seen, ['put /dir/y.txt', 'del /dir/y.txt'])

  const idle = multi.watch('/')
  let rounds = 0
  const idleLoop = (async () => {
    for await (const _ of idle) rounds++
  })()
  await idle.destroy()
  await idleLoop
  assert.is(rounds, 0)
})

test('multi.watch(path, onchange) calls onchange after each commit under path; destroy() stops it', async () => {
  const { multi } = await single()
  let calls = 0
  const handle = multi.watch('/dir', () => {
    calls++
  })
  await multi.writeFile('/dir/a.txt', 'a')
  assert.is(calls, 1)
  await multi.writeFile('/other.txt', 'o')
  await multi.writeFile('/dirx/x.txt', 'x')
  assert.is(calls, 1)
  await multi.unlink('/dir/a.txt')
  assert.is(calls, 2)
  handle.destroy()
  await multi.writeFile('/dir/b.txt', 'b')
  assert.is(calls, 2)
})

// ---- closed ----------------------------------------------------------------------------------------

test("after multi.close(), calls reject with 'ECLOSED'", async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'x')
  await multi.close()
  await multi.close() // idempotent

  await rejects(multi.stat('/f.txt'), 'ECLOSED')
  await rejects(multi.lstat('/f.txt'), 'ECLOSED')
  await rejects(multi.readFile('/f.txt'), 'ECLOSED')
  await rejects(multi.writeFile('/g.txt', 'y'), 'ECLOSED')
  await rejects(multi.put('/g.txt', Buffer.from('y')), 'ECLOSED')
  await rejects(multi.get('/f.txt'), 'ECLOSED')
  await rejects(multi.entry('/f.txt'), 'ECLOSED')
  await rejects(multi.exists('/f.txt'), 'ECLOSED')
  await rejects(multi.readdir('/'), 'ECLOSED')
  await rejects(multi.readdir('/', { includeStats: true }), 'ECLOSED')
  await rejects(collect(multi.list('/')), 'ECLOSED')
  await rejects(multi.mkdir('/d'), 'ECLOSED')
  await rejects(multi.rmdir('/d'), 'ECLOSED')
  await rejects(multi.unlink('/f.txt'), 'ECLOSED')
  await rejects(multi.del('/f.txt'), 'ECLOSED')
  await rejects(multi.access('/f.txt'), 'ECLOSED')
  await rejects(multi.symlink('/l', '/f.txt'), 'ECLOSED')
  await rejects(multi.truncate('/f.txt', 0), 'ECLOSED')
  await rejects(multi.setMetadata('/f.txt', 'k', 1), 'ECLOSED')
  await rejects(multi.removeMetadata('/f.txt', 'k'), 'ECLOSED')
  await rejects(multi.open('/f.txt', 'r'), 'ECLOSED')
  await rejects(multi.flush(), 'ECLOSED')
  await rejects(collect<Buffer>(multi.createReadStream('/f.txt')), 'ECLOSED')
  await rejects(pipeline(Readable.from([Buffer.from('x')]), multi.createWriteStream('/w.txt')), 'ECLOSED')
})

test("after multi.close(), file descriptor calls reject with 'ECLOSED'", async () => {
  const { multi } = await single()
  await multi.writeFile('/f.txt', 'x')
  const fd = await multi.open('/f.txt', 'r+')
  await multi.close()
  await rejects(multi.read(fd, Buffer.alloc(1), 0, 1, 0), 'ECLOSED')
  await rejects(multi.write(fd, Buffer.from('y'), 0, 1, 0), 'ECLOSED')
  await rejects(multi.close(fd), 'ECLOSED')
})

test.run()
