// File descriptors on their own: the fs semantics of FileTable over an in-memory backend (the
// MultiDrive gives it the merged view; see fs.test.ts for fds end to end on real drives).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { FileTable } from '../../src/api/file-table.js'
import type { DrivePath } from '../../src/events/types.js'
import { rejects, throws } from '../helpers/assert.js'

const test = suite('file-table')

/** A backend over a Map of files (and one directory, `/dir`), counting saves. */
function memory(files: Record<string, string> = {}) {
  const stored = new Map(Object.entries(files).map(([p, c]) => [p, Buffer.from(c)]))
  const saves: string[] = []
  let failSaves = 0
  const table = new FileTable({
    locate: (path) => ({ path, type: path === '/dir' ? 'dir' : stored.has(path) ? 'file' : 'missing' }),
    assertWritable: () => {},
    load: async (path) => stored.get(path) ?? Buffer.alloc(0),
    save: async (path, content) => {
      if (failSaves > 0) {
        failSaves--
        throw new Error('disk full')
      }
      saves.push(path)
      stored.set(path, Buffer.from(content))
    }
  })
  return { table, stored, saves, failNextSave: () => failSaves++ }
}

const p = (path: string) => path as DrivePath

test("table.open(path, flags): 'r' needs a file, 'x' needs none, directories are EISDIR, bad flags EINVAL", async () => {
  const { table } = memory({ '/a': 'x' })
  throws(() => table.open(p('/missing'), 'r'), 'ENOENT')
  throws(() => table.open(p('/a'), 'wx'), 'EEXIST')
  throws(() => table.open(p('/dir'), 'r'), 'EISDIR')
  throws(() => table.open(p('/a'), 'q'), 'EINVAL')
  assert.type(table.open(p('/a'), 'r'), 'number')
})

test('table.read(fd) and table.write(fd) move the file position; a position leaves it', async () => {
  const { table, stored } = memory({ '/a': 'hello world' })
  const fd = table.open(p('/a'), 'r+')
  const buf = Buffer.alloc(5)
  assert.is((await table.read(fd, buf)).bytesRead, 5)
  assert.is(buf.toString(), 'hello')
  await table.write(fd, Buffer.from('!'))
  await table.read(fd, buf, 0, 5, 0)
  assert.is(buf.toString(), 'hello', 'a read at a position does not move the file position')
  assert.is((await table.read(fd, buf, 0, 5)).bytesRead, 5)
  assert.is(buf.toString(), 'world')
  await table.close(fd)
  assert.is(stored.get('/a')?.toString(), 'hello!world')
})

test("'a' appends whatever the position; 'w' truncates and creates even without a write", async () => {
  const { table, stored } = memory({ '/a': 'abc' })
  const fd = table.open(p('/a'), 'a')
  await table.write(fd, Buffer.from('d'), 0, 1, 0)
  await table.close(fd)
  assert.is(stored.get('/a')?.toString(), 'abcd')
  await table.close(table.open(p('/a'), 'w'))
  assert.is(stored.get('/a')?.toString(), '')
  await table.close(table.open(p('/new'), 'w'))
  assert.ok(stored.has('/new'))
})

test('table.close(fd) twice at once writes back once; then the fd is EBADF', async () => {
  const { table, saves } = memory()
  const fd = table.open(p('/f'), 'w')
  await table.write(fd, Buffer.from('x'))
  await Promise.all([table.close(fd), table.close(fd)])
  assert.equal(saves, ['/f'])
  await rejects(table.close(fd), 'EBADF')
  await rejects(table.read(fd, Buffer.alloc(1)), 'EBADF')
})

test('a failed write-back leaves the fd open, so closing again retries', async () => {
  const { table, stored, failNextSave } = memory()
  const fd = table.open(p('/f'), 'w')
  await table.write(fd, Buffer.from('kept'))
  failNextSave()
  await table.close(fd).then(
    () => assert.unreachable('the save failed'),
    () => {}
  )
  await table.close(fd)
  assert.is(stored.get('/f')?.toString(), 'kept')
})

test('table.flushAll() writes back every fd once, whoever calls, and refuses new fds (ECLOSED)', async () => {
  const { table, saves } = memory({ '/c': 'clean' })
  for (const name of ['/a', '/b']) await table.write(table.open(p(name), 'w'), Buffer.from(name))
  const clean = table.open(p('/c'), 'r')
  await Promise.all([table.flushAll(), table.flushAll()])
  assert.equal(saves.sort(), ['/a', '/b'])
  await rejects(table.read(clean, Buffer.alloc(1)), 'EBADF')
  throws(() => table.open(p('/c'), 'w'), 'ECLOSED')
})

test.run()
