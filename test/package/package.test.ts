// The package as a user gets it: `npm pack` (its `prepare` builds dist/), the tarball installed in
// a fresh project beside corestore and hyperdrive from the registry, then used from an ES module,
// a CommonJS module, and TypeScript (--strict, nodenext, no skipLibCheck): once with the user's own
// `declare module 'hyperdrive'`, once with no declaration of any Holepunch module. And the README's
// Quickstart, run as written with a friend's key defined, prints the merged listing.
import { execFile, spawn } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { promisify, stripVTControlCharacters } from 'node:util'
import createTestnet from '@hyperswarm/testnet'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { tmp } from '../helpers/peers.js'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const require = createRequire(join(ROOT, 'package.json'))
const TSC = require.resolve('typescript/bin/tsc')
const test = suite('package')

let project = ''

/** Runs a command in the consumer project; its output, or a failure that shows what it printed. */
async function inProject(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd: project, env: { ...process.env, ...env }, timeout: 120_000 })
    return stdout
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string }
    assert.unreachable(`${cmd} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`)
    return ''
  }
}

function tsconfig(include: string[]): string {
  const compilerOptions = {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out'
  }
  return JSON.stringify({ compilerOptions, include }, null, 2)
}

test.before(async () => {
  project = await tmp('merge-drive-consumer-')
  const packed = await tmp('merge-drive-pack-')
  await run('npm', ['pack', '--pack-destination', packed], { cwd: ROOT, timeout: 180_000 })
  const tarball = join(packed, (await readdir(packed)).find((f) => f.endsWith('.tgz')) ?? '')
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  const deps = [tarball, 'corestore@^7.12.5', 'hyperdrive@^13.3.4', '@types/node@^20.19.0']
  await inProject('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...deps])
  for (const [name, text] of Object.entries(FIXTURES)) await writeFile(join(project, name), text)
})

test('the published declarations name no Holepunch module; types/ stays unpublished', async () => {
  const pkg = join(project, 'node_modules/merge-drive')
  const files = await readdir(pkg, { recursive: true })
  for (const f of ['dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts']) {
    assert.ok(files.includes(f), `${f} is missing`)
  }
  assert.not.ok(
    files.some((f) => f.startsWith('types')),
    'the internal ambient declarations were published'
  )
  // Every declaration file a user's program loads: those reachable from the entry points.
  const reached = new Set<string>()
  const visit = async (file: string): Promise<void> => {
    if (reached.has(file)) return
    reached.add(file)
    const text = await readFile(file, 'utf-8')
    assert.not.match(text, /declare module|reference (path|types)=/, file)
    for (const [, from, dynamic] of text.matchAll(/from '([^']+)'|import\('([^']+)'\)/g)) {
      const spec = from ?? dynamic ?? ''
      if (spec.startsWith('.')) await visit(join(file, '..', spec.replace(/\.js$/, '.d.ts')))
      else assert.match(spec, /^(node:.*|rxjs|abstract-level|xstate)$/, `${file} imports ${spec}`)
    }
  }
  await visit(join(pkg, 'dist/esm/index.d.ts'))
  await visit(join(pkg, 'dist/cjs/index.d.ts'))
  assert.ok(reached.size > 10)
})

test('the package ships the web explorer: its page, stylesheet, icon and every module main.js imports', async () => {
  const dir = join(project, 'node_modules/merge-drive/dist/esm/explorer')
  const files = new Set(await readdir(dir))
  for (const f of ['index.html', 'style.css', 'favicon.svg', 'main.js']) assert.ok(files.has(f), `${f} is missing`)
  const seen = new Set<string>()
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return
    seen.add(file)
    assert.ok(files.has(file), `${file} is imported but not shipped`)
    const text = await readFile(join(dir, file), 'utf-8')
    for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
      assert.match(spec ?? '', /^\.\/[a-z-]+\.js$/, `${file} imports ${spec}: the page can load only its own files`)
      await visit((spec ?? '').slice(2))
    }
  }
  await visit('main.js')
  assert.ok(seen.size > 5)
})

test('import { MultiDrive } from an ES module merges two drives', async () => {
  const out = JSON.parse(await inProject(process.execPath, ['consumer.mjs', await tmp('esm-store-')]))
  assert.equal(out, { names: ['from-a.txt', 'from-b.txt'], text: 'b', code: 'ENOENT' })
})

test('require() of the package from CommonJS merges two drives', async () => {
  const out = JSON.parse(await inProject(process.execPath, ['consumer.cjs', await tmp('cjs-store-')]))
  assert.equal(out, { names: ['from-a.txt', 'from-b.txt'], text: 'b', code: 'ENOENT' })
})

test("TypeScript with the user's own declare module 'hyperdrive' type-checks (no TS2300) and runs", async () => {
  await inProject(process.execPath, [TSC, '-p', 'tsconfig.declared.json'])
  const out = JSON.parse(await inProject(process.execPath, ['out/declared.mjs', await tmp('ts-declared-')]))
  assert.equal(out, { names: ['a.txt'], text: 'typed', added: 1 })
})

test('TypeScript with no Holepunch declarations at all type-checks (no TS7016) and runs, as CommonJS', async () => {
  await inProject(process.execPath, [TSC, '-p', 'tsconfig.bare.json'])
  const out = JSON.parse(await inProject(process.execPath, ['out/bare.cjs', await tmp('ts-bare-')]))
  assert.equal(out, { names: ['a.txt'], length: 5 })
})

test("the README's Quickstart, run as written with theirKey defined, prints the merged listing", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf-8')
  const quickstart = /## Quickstart[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1]
  assert.ok(quickstart, 'no js block under ## Quickstart')
  // This machine reaches no public DHT: a local testnet stands in, and the `hyperswarm` the
  // Quickstart imports is the real one with that testnet as its bootstrap, on loopback where no
  // firewall is in the way (a DHT node that assumes one, the default, is not reachable from
  // another process here).
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const shim = join(project, 'node_modules/hyperswarm')
  await mkdir(shim, { recursive: true })
  await writeFile(join(shim, 'package.json'), JSON.stringify({ name: 'hyperswarm', main: 'index.js' }))
  await writeFile(
    join(shim, 'index.js'),
    `const Hyperswarm = require(${JSON.stringify(require.resolve('hyperswarm'))})
const HyperDHT = require(${JSON.stringify(require.resolve('hyperdht'))})
const bootstrap = ${JSON.stringify(testnet.bootstrap)}
module.exports = class extends Hyperswarm {
  constructor (opts = {}) { super({ ...opts, dht: new HyperDHT({ bootstrap, host: '127.0.0.1', firewalled: false }) }) }
}
`
  )
  // The friend, in a process of its own: a drive with two files, served on the testnet.
  const friend = spawn(process.execPath, ['friend.mjs', await tmp('friend-')], { cwd: project })
  try {
    const theirKey = await new Promise<string>((resolve, reject) => {
      friend.stdout.on('data', (line: Buffer) => resolve(line.toString().trim()))
      friend.on('exit', (code) => reject(new Error(`the friend exited with ${code}`)))
    })
    const script = join(project, 'quickstart.mjs')
    await writeFile(script, `const theirKey = Buffer.from('${theirKey}', 'hex')\n${quickstart}`)
    const printed = await run(process.execPath, [script], { cwd: await tmp('quickstart-'), timeout: 60_000 })
    // Colours, if the runner forces them on its children (uvu does, unless `-c false`).
    const stdout = stripVTControlCharacters(printed.stdout)
    assert.ok(stdout.includes("[ 'notes.md', 'photos', 'theirs.txt' ]"), stdout)
    assert.ok(stdout.includes('winner:'), stdout)
  } finally {
    friend.kill()
    await testnet.destroy()
  }
})

/** The consumer project's files: the scripts and TypeScript a user would write. */
const FIXTURES: Record<string, string> = {
  'friend.mjs': `import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import Hyperswarm from 'hyperswarm'

const store = new Corestore(process.argv[2])
const drive = new Hyperdrive(store.namespace('friend'))
await drive.put('/theirs.txt', Buffer.from('from a friend'))
await drive.put('/photos/cat.jpg', Buffer.from('meow'))
const swarm = new Hyperswarm()
swarm.on('connection', (socket) => {
  socket.on('error', () => {})
  store.replicate(socket)
})
await swarm.join(drive.discoveryKey, { server: true, client: false }).flushed()
console.log(drive.key.toString('hex'))
`,
  'consumer.mjs': `import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { MultiDrive, MultiDriveError } from 'merge-drive'

const store = new Corestore(process.argv[2])
const a = new Hyperdrive(store.namespace('a'))
const b = new Hyperdrive(store.namespace('b'))
await b.put('/from-b.txt', Buffer.from('b'))
const multi = new MultiDrive(a)
await multi.addDrive(b)
await multi.writeFile('/from-a.txt', 'a')
const code = await multi.readFile('/nope').catch((err) => err instanceof MultiDriveError && err.code)
console.log(JSON.stringify({ names: await multi.readdir('/'), text: await multi.readFile('/from-b.txt', 'utf-8'), code }))
await multi.close()
await store.close()
`,
  'consumer.cjs': `const Corestore = require('corestore')
const Hyperdrive = require('hyperdrive')
const { MultiDrive, MultiDriveError } = require('merge-drive')

async function main () {
  const store = new Corestore(process.argv[2])
  const a = new Hyperdrive(store.namespace('a'))
  const b = new Hyperdrive(store.namespace('b'))
  await b.put('/from-b.txt', Buffer.from('b'))
  const multi = new MultiDrive(a)
  await multi.addDrive(b)
  await multi.writeFile('/from-a.txt', 'a')
  const code = await multi.readFile('/nope').catch((err) => err instanceof MultiDriveError && err.code)
  console.log(JSON.stringify({ names: await multi.readdir('/'), text: await multi.readFile('/from-b.txt', 'utf-8'), code }))
  await multi.close()
  await store.close()
}
main()
`,
  // The user's own declarations, in a script file of theirs (as one writes them for an untyped module).
  'holepunch.d.ts': `declare module 'hyperdrive' {
  class Hyperdrive {
    constructor(store: unknown, key?: Buffer | null)
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly writable: boolean
    readonly core: any
    readonly db: any
    readonly blobs: any
    readonly corestore: any
    ready(): Promise<void>
    close(): Promise<void>
    getBlobs(): Promise<any>
    batch(): any
    checkout(version: number): Hyperdrive
    findingPeers(): () => void
    put(path: string, data: Buffer | string): Promise<void>
    mirror(out: unknown): { done(): Promise<void> }
    has(path: string): Promise<boolean>
  }
  export = Hyperdrive
}
declare module 'corestore' {
  class Corestore {
    constructor(dir: string)
    namespace(name: string): Corestore
    close(): Promise<void>
  }
  export = Corestore
}
`,
  'declared.mts': `import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { MultiDrive, type Stat } from 'merge-drive'

const store = new Corestore(process.argv[2] ?? '')
const multi = new MultiDrive(new Hyperdrive(store.namespace('a')))
let added = 0
multi.on('drive-add', (drive: Hyperdrive) => {
  added += drive.key.length === 32 ? 1 : 0
})
// @ts-expect-error: there is no such event
multi.on('drive-addd', () => {})
// @ts-expect-error: 'indexed' listeners get a drive and a progress, not a string
multi.on('indexed', (drive: string) => drive)
await multi.ready()
// The user's own declaration keeps its members: the drives come back as their Hyperdrive.
const mirrorOf: (out: unknown) => { done(): Promise<void> } = multi.primary.mirror
void mirrorOf
await multi.writeFile('/a.txt', 'typed')
const text: string = await multi.readFile('/a.txt', 'utf-8')
const bytes: Buffer = await multi.readFile('/a.txt')
const stat: Stat<Hyperdrive> = await multi.stat('/a.txt')
const owner: Hyperdrive | null = stat.drive
void bytes
void owner
console.log(JSON.stringify({ names: await multi.readdir('/'), text, added }))
await multi.close()
await store.close()
`,
  'bare.cts': `import { MultiDrive, type HyperdriveLike, type MultiDriveError } from 'merge-drive'

// No declarations for any Holepunch module: they come in untyped.
const Corestore = require('corestore')
const Hyperdrive = require('hyperdrive')

async function main(): Promise<void> {
  const store = new Corestore(process.argv[2])
  const drive: HyperdriveLike = new Hyperdrive(store.namespace('a'))
  const multi = new MultiDrive(drive)
  await multi.put('/a.txt', Buffer.from('plain'))
  const data: Buffer | null = await multi.get('/a.txt', { wait: false })
  const missing = await multi.readFile('/b.txt').catch((err: MultiDriveError) => err.code)
  if (missing !== 'ENOENT') throw new Error('expected ENOENT')
  console.log(JSON.stringify({ names: await multi.readdir('/'), length: data?.length }))
  await multi.close()
  await store.close()
}
main()
`,
  'tsconfig.declared.json': tsconfig(['holepunch.d.ts', 'declared.mts']),
  'tsconfig.bare.json': tsconfig(['bare.cts'])
}

test.run()
