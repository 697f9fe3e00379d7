// The built `multidrive` command on temp data dirs: every command, --json, exit codes, and a data
// dir held by another process. Each command costs a process start (the library takes ~0.5 s to
// load), so every scenario runs as few commands as it can, and independent ones run in parallel.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as id from 'hypercore-id-encoding'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BIN, cleanup, lineMatching, ok, run, Serve, tempDir } from '../helpers/cli.js'

const test = suite('multidrive command')
test.after.each(cleanup)

async function dataDir(): Promise<{ data: string; md: (...args: string[]) => string[] }> {
  const data = join(await tempDir(), 'data')
  return { data, md: (...args) => ['--data', data, ...args] }
}

async function fails(args: string[], code: string, input?: string): Promise<void> {
  const result = await run(args, input === undefined ? {} : { input })
  assert.is(result.code, 1, args.join(' '))
  // The code once: `ENOENT: ENOENT: ...` is not a line to read.
  assert.match(result.stderr, new RegExp(`^${code}: (?!${code}:)[^\\n]+\\n$`), `${args.join(' ')}: ${result.stderr}`)
}

test('multidrive init prints the writer key; again, and through $MULTIDRIVE_DATA, the same', async () => {
  const { data, md } = await dataDir()
  const key = await ok(md('init'))
  assert.match(key, /^[0-9a-f]{64}$/)
  const again = await Promise.all([ok(md('init')), ok(['init'], { env: { MULTIDRIVE_DATA: data } })])
  assert.equal(again, [key, key])
  assert.is((await stat(join(data, 'token'))).mode & 0o777, 0o600)
})

test('multidrive put/mkdir/cat/ls/stat/rm write and read the merged view', async () => {
  const { data, md } = await dataDir()
  await mkdir(data, { recursive: true })
  const bytes = Buffer.from([0, 1, 2, 255, 10, 13])
  await writeFile(join(data, '..', 'local.bin'), bytes)
  // The first write initialises the data dir.
  await ok(md('put', '/docs/local.bin', join(data, '..', 'local.bin')))
  await ok(md('put', 'notes.md', '-'), { input: '# notes\n' })
  await ok(md('mkdir', '/empty'))
  assert.equal((await run(md('cat', '/docs/local.bin'))).bytes, bytes)
  const long = (await ok(md('ls', '/', '-l'))).split('\n')
  assert.match(long[0] as string, /^d +0 \S+ - docs$/)
  assert.match(long[1] as string, /^d +0 \S+ [0-9a-f]{8} empty$/)
  assert.match(long[2] as string, /^- +8 \S+ [0-9a-f]{8} notes\.md$/)
  const st = JSON.parse(await ok(md('stat', '/notes.md', '--json')))
  assert.equal([st.path, st.type, st.size, st.drive], ['/notes.md', 'file', 8, await ok(md('init'))])
  assert.ok(Date.parse(st.mtime) > 0)
  await fails(md('rm', '/docs'), 'EISDIR')
  await ok(md('rm', '-r', '/docs'))
  assert.is(await ok(md('ls')), 'empty\nnotes.md')
})

test('multidrive add/who/drives/remove/verify report the merge', async () => {
  const { md } = await dataDir()
  await ok(md('put', '/a.txt'), { input: 'a' })
  const otherKey = randomBytes(32) // a drive nobody serves: merged, waiting for peers
  const other = otherKey.toString('hex')
  await ok(md('add', id.encode(otherKey))) // z-base-32, as Holepunch apps print keys
  const who = JSON.parse(await ok(md('who', '/a.txt', '--json')))
  assert.equal(Object.keys(who).sort(), ['candidates', 'conflict', 'heads', 'winner'])
  assert.equal([who.winner.kind, who.candidates.length, who.conflict], ['file', 1, false])
  const drives = JSON.parse(await ok(md('drives', '--json')))
  assert.equal(
    drives.map((d: { key: string; writer: boolean }) => [d.key, d.writer]),
    [
      [who.winner.drive, true],
      [other, false]
    ]
  )
  assert.equal([drives[0].state, drives[0].progress], ['live', 1])
  await ok(md('remove', other))
  assert.is(JSON.parse(await ok(md('drives', '--json'))).length, 1)
})

test('a bad key, a bad path, an unknown drive: one line, exit 1, data dir untouched', async () => {
  const { data, md } = await dataDir()
  await ok(md('put', '/keep.txt'), { input: 'keep' })
  const before = await readFile(join(data, 'config.json'), 'utf-8')
  // Checked before the data dir is opened.
  await Promise.all([fails(md('add', 'not-a-key'), 'EINVAL'), fails(md('put', '/'), 'EINVAL', 'x')])
  await fails(md('remove', 'f'.repeat(64)), 'EUNKNOWNDRIVE')
  await fails(md('cat', '/missing.txt'), 'ENOENT')
  await fails(md('put', '/from-file.txt', join(data, 'no-such-file')), 'ENOENT')
  await fails(md('ls', '/keep.txt'), 'ENOTDIR')
  assert.is(await readFile(join(data, 'config.json'), 'utf-8'), before)
  assert.is(await ok(md('cat', '/keep.txt')), 'keep')

  const never = join(await tempDir(), 'never')
  await fails(['--data', never, 'ls'], 'ENOENT')
  assert.not.ok(existsSync(never))
})

test('usage errors exit 2; --help lists every command and exits 0', async () => {
  const usage = [['bogus'], ['cat'], ['serve', '--port', 'x'], ['ls', '--nope'], []]
  assert.equal(await Promise.all(usage.map(async (args) => (await run(args)).code)), [2, 2, 2, 2, 2])
  const [help, serveHelp] = await Promise.all([run(['--help']), run(['serve', '--help'])])
  assert.is(help.code, 0)
  const commands = ['init', 'add', 'remove', 'drives', 'put', 'cat', 'ls', 'rm', 'mkdir', 'stat', 'who', 'conflicts']
  for (const command of [...commands, 'verify', 'mirror', 'serve', 'testnet', 'demo']) {
    assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`), command)
  }
  assert.is(serveHelp.code, 0)
  for (const option of ['--host', '--port', '--no-swarm', '--bootstrap', '--writable']) {
    assert.ok(serveHelp.stdout.includes(option), option)
  }
})

test('multidrive mirror DIR makes a folder equal to the merged view', async () => {
  const { md } = await dataDir()
  const out = await tempDir()
  await ok(md('put', '/a.txt'), { input: 'a' })
  await ok(md('put', '/sub/b.txt'), { input: 'b' })
  await writeFile(join(out, 'stale.txt'), 'not in the drive')
  assert.is(await ok(md('mirror', out)), 'added 2, changed 0, removed 1, unchanged 0')
  assert.is(await readFile(join(out, 'sub', 'b.txt'), 'utf-8'), 'b')
  await ok(md('put', '/a.txt'), { input: 'A!' })
  await mkdir(join(out, 'mine'))
  await writeFile(join(out, 'mine', 'keep.txt'), 'x')
  assert.is(await ok(md('mirror', out, '--no-prune')), 'added 0, changed 1, removed 0, unchanged 1')
  assert.is(await readFile(join(out, 'a.txt'), 'utf-8'), 'A!')
  assert.equal((await readdir(out)).sort(), ['a.txt', 'mine', 'sub'])
})

test('a data dir held by serve: reads go through it, writes need --writable, the rest names its pid', async () => {
  const { data, md } = await dataDir()
  await ok(md('put', '/before.txt'), { input: 'before' })
  const readOnly = await Serve.start(data, ['--no-swarm'])
  const [cat, ls] = await Promise.all([ok(md('cat', '/before.txt')), ok(md('ls'))])
  assert.equal([cat, ls], ['before', 'before.txt'])
  await Promise.all(
    [md('put', '/x.txt'), md('verify'), md('serve', '--no-swarm', '--port', '0')].map(async (args) => {
      const result = await run(args, { input: 'x' })
      assert.is(result.code, 1, args.join(' '))
      assert.match(result.stderr, new RegExp(`^ELOCKED: .*multidrive serve.*pid ${readOnly.pid}[^\\n]*\\n$`))
    })
  )
  assert.is(await readOnly.stop('SIGTERM'), 0)

  const writable = await Serve.start(data, ['--no-swarm', '--writable'])
  await Promise.all([ok(md('put', '/through.txt'), { input: 'through serve' }), ok(md('mkdir', '/dir'))])
  const [who, conflicts, drives, statText, missing] = await Promise.all([
    ok(md('who', '/through.txt')),
    ok(md('conflicts', '--json')),
    ok(md('drives')),
    ok(md('stat', '/dir')),
    run(md('cat', '/nope'))
  ])
  assert.match(who, /^\/through\.txt: file from [0-9a-f]{64} \(seq \d+\)\n.*\(winner, head\)\nconflict: no$/)
  assert.equal(JSON.parse(conflicts), [])
  assert.match(drives, /^[0-9a-f]{64} writer live \d+\/\d+ peers 0$/)
  assert.match(statText, /^path: \/dir\ntype: directory\n/)
  assert.equal([missing.code, missing.stderr.split(':')[0]], [1, 'ENOENT'])
  assert.is(await (await fetch(`${writable.url}/files/through.txt`)).text(), 'through serve')
  assert.is(await writable.stop('SIGINT'), 0)
  // Everything written through serve is there once it is gone, and the index is sound.
  assert.is(await ok(md('ls')), 'before.txt\ndir\nthrough.txt')
  assert.is(await ok(md('verify')), 'ok: the index matches the drives')
})

test('multidrive testnet prints a --bootstrap value and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, 'testnet'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await lineMatching(child, /^127\.0\.0\.1:\d+$/)
  child.kill('SIGTERM')
  assert.is(await exited, 0)
})

test('multidrive demo: three peers print the same merged tree', async () => {
  const result = await run(['demo'])
  assert.is(result.code, 0, result.stderr)
  assert.match(result.stdout, /All three peers agree\./)
})

test.run()
