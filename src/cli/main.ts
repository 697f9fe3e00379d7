#!/usr/bin/env node
import { readFile } from 'node:fs/promises'
/**
 * `multidrive`: the command. Exit status 0 on success, 1 on an error with a code (`CODE: message`
 * on stderr: a MultiDriveError, or one of the command's own, see cli-error.ts), 2 on a bad
 * command line.
 */
import { createRequire } from 'node:module'
import { pipeline } from 'node:stream/promises'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { CliError, messageText } from './cli-error.js'
import { DataDir } from './data-dir.js'
import { assertFree, withOperations, withWorkspace } from './dispatch.js'
import { absolute, parseDriveKey } from './names.js'
import { formatConflicts, formatDrives, formatLs, formatStat, formatWho } from './output.js'

// The package's own package.json by name (it is in `exports`): found from src/ and from dist/ alike.
const { version } = createRequire(import.meta.url)('merge-drive/package.json') as { version: string }

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is 0..65535')
  return port
}

/** A path that names something other than the root (files, directories to create or remove). */
function notRoot(path: string): string {
  if (absolute(path) === '/') throw new CliError('EINVAL', 'the root is not a file')
  return path
}

async function readInput(file: string | undefined): Promise<Buffer> {
  if (file !== undefined && file !== '-') return readFile(file)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function print(text: string): void {
  if (text.length > 0) process.stdout.write(`${text}\n`)
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

const program = new Command()
  .name('multidrive')
  .description('Read many Hyperdrives as one: a merged, writable-through drive kept live between peers.')
  .version(version)
  .option('--data <dir>', 'the data directory (default: $MULTIDRIVE_DATA, else ./.multidrive)')
  .exitOverride()
  .showSuggestionAfterError()
  .addHelpText(
    'after',
    `
Examples:
  multidrive init                          # prints this peer's writer key
  multidrive add <key of a friend's drive>
  echo hello | multidrive put /hello.txt
  multidrive ls / -l
  multidrive serve --writable              # HTTP on 127.0.0.1:4000, peers over hyperswarm`
  )

const dataDir = () => DataDir.from(program.opts<{ data?: string }>().data)

program
  .command('init')
  .description("create this peer's writer drive (once) and print its key, hex")
  .action(async () => {
    const dir = dataDir()
    const config = await dir.readConfig()
    if (config !== null) return print(config.writer)
    await withWorkspace(dir, { command: 'init', create: true }, async (workspace) => print(workspace.writerKey))
  })

program
  .command('add')
  .description("merge other peers' drives (keys in hex or z-base-32)")
  .argument('<keys...>')
  .action(async (keys: string[]) => {
    const hex = keys.map(parseDriveKey)
    await withOperations(dataDir(), { command: 'add', write: true }, async (ops) => {
      for (const key of hex) await ops.addDrive(key)
    })
  })

program
  .command('remove')
  .description('stop merging a drive: its records leave the merged view')
  .argument('<key>')
  .action(async (key: string) => {
    const hex = parseDriveKey(key)
    await withOperations(dataDir(), { command: 'remove', write: true }, (ops) => ops.removeDrive(hex))
  })

program
  .command('drives')
  .description('the merged drives: key, role, indexing state and progress, peers')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const drives = await withOperations(dataDir(), { command: 'drives', write: false }, (ops) => ops.drives())
    opts.json ? printJson(drives) : print(formatDrives(drives))
  })

program
  .command('put')
  .description('write a file from FILE, or from stdin (no FILE, or -)')
  .argument('<path>')
  .argument('[file]')
  .action(async (path: string, file: string | undefined) => {
    notRoot(path)
    const data = await readInput(file)
    await withOperations(dataDir(), { command: 'put', write: true }, (ops) => ops.put(path, data))
  })

program
  .command('cat')
  .description("print a file's content (the winning drive's)")
  .argument('<path>')
  .action(async (path: string) => {
    await withOperations(dataDir(), { command: 'cat', write: false }, async (ops) => {
      await pipeline(await ops.read(path), process.stdout, { end: false })
    })
  })

program
  .command('ls')
  .description("list a directory's names, sorted")
  .argument('[path]', 'the directory', '/')
  .option('-l, --long', 'type, size, time, winning drive, name')
  .option('--json', 'print JSON')
  .action(async (path: string, opts: { long?: boolean; json?: boolean }) => {
    const listing = await withOperations(dataDir(), { command: 'ls', write: false }, (ops) => ops.ls(path))
    opts.json ? printJson(listing) : print(formatLs(listing, opts.long === true))
  })

program
  .command('rm')
  .description('delete a file (a tombstone every peer sees); -r for a directory')
  .argument('<path>')
  .option('-r, --recursive', 'remove a directory and everything under it')
  .action(async (path: string, opts: { recursive?: boolean }) => {
    notRoot(path)
    await withOperations(dataDir(), { command: 'rm', write: true }, (ops) =>
      ops.rm(path, { recursive: opts.recursive === true })
    )
  })

program
  .command('mkdir')
  .description('create a directory')
  .argument('<path>')
  .action(async (path: string) => {
    notRoot(path)
    await withOperations(dataDir(), { command: 'mkdir', write: true }, (ops) => ops.mkdir(path))
  })

program
  .command('stat')
  .description('type, size, time, metadata and winning drive of a path')
  .argument('<path>')
  .option('--json', 'print JSON')
  .action(async (path: string, opts: { json?: boolean }) => {
    const stat = await withOperations(dataDir(), { command: 'stat', write: false }, (ops) => ops.stat(path))
    opts.json ? printJson(stat) : print(formatStat(stat))
  })

program
  .command('who')
  .description('which drive wins a path and why: candidates, heads, conflict')
  .argument('<path>')
  .option('--json', 'print whoWins as JSON')
  .action(async (path: string, opts: { json?: boolean }) => {
    const who = await withOperations(dataDir(), { command: 'who', write: false }, (ops) => ops.who(path))
    opts.json ? printJson(who) : print(formatWho(absolute(path), who))
  })

program
  .command('conflicts')
  .description('paths written concurrently by several drives (they still read: the winner)')
  .argument('[folder]', 'only under this folder', '/')
  .option('--json', 'print JSON')
  .action(async (folder: string, opts: { json?: boolean }) => {
    const conflicts = await withOperations(dataDir(), { command: 'conflicts', write: false }, (ops) =>
      ops.conflicts(folder)
    )
    opts.json ? printJson(conflicts) : print(formatConflicts(conflicts))
  })

program
  .command('verify')
  .description('rebuild the index from the drives and compare (exit 1 on any difference)')
  .option('--json', 'print the result as JSON')
  .action(async (opts: { json?: boolean }) => {
    const result = await withWorkspace(dataDir(), { command: 'verify', create: false }, (workspace) =>
      workspace.multi.verify()
    )
    if (opts.json) printJson(result)
    else if (result.ok) print('ok: the index matches the drives')
    else for (const d of result.differences) print(JSON.stringify(d))
    if (!result.ok) throw new CliError('EVERIFY', `${result.differences.length} path(s) differ from the drives`)
  })

program
  .command('mirror')
  .description('make a local folder equal to the merged view (writes new and changed files, removes the rest)')
  .argument('<dir>')
  .option('--no-prune', 'keep files in DIR that the merged view does not have')
  .action(async (dir: string, opts: { prune: boolean }) => {
    const { mirrorTo } = await import('./mirror.js')
    const result = await withWorkspace(dataDir(), { command: 'mirror', create: false }, (workspace) =>
      mirrorTo(workspace.multi, dir, { prune: opts.prune })
    )
    for (const s of result.skipped) console.error(`skipped ${s.path}: ${s.reason}`)
    print(`added ${result.add}, changed ${result.change}, removed ${result.remove}, unchanged ${result.equal}`)
  })

program
  .command('serve')
  .description('keep the merged drive live over hyperswarm and serve it over HTTP (see docs/http.md)')
  .option('--host <host>', 'HTTP address to bind', '127.0.0.1')
  .option('--port <port>', 'HTTP port (0: any free port)', parsePort, 4000)
  .option('--no-swarm', 'serve local data only, no network')
  .option(
    '--bootstrap <nodes>',
    'DHT bootstrap nodes HOST:PORT[,...] (default: $MULTIDRIVE_BOOTSTRAP, else the public DHT)'
  )
  .option('--writable', 'accept PUT/DELETE /files/* and POST /drives with the bearer token in the data dir')
  .action(async (opts: { host: string; port: number; swarm: boolean; bootstrap?: string; writable?: boolean }) => {
    await assertFree(dataDir())
    const [{ serve }, { parseBootstrap }] = await Promise.all([import('./serve.js'), import('./swarm.js')])
    const bootstrap = opts.bootstrap ?? process.env.MULTIDRIVE_BOOTSTRAP
    await serve(dataDir(), {
      host: opts.host,
      port: opts.port,
      swarm: opts.swarm,
      ...(bootstrap ? { bootstrap: parseBootstrap(bootstrap) } : {}),
      writable: opts.writable === true
    })
  })

program
  .command('testnet')
  .description('run a local 3-node DHT on 127.0.0.1 and print the --bootstrap value for the others')
  .option('--port <port>', "the first node's UDP port (0: any free port)", parsePort)
  .action(async (opts: { port?: number }) => {
    const { runTestnet } = await import('./testnet.js')
    await runTestnet(opts.port ? { port: opts.port } : {})
  })

program
  .command('demo')
  .description('three in-process peers write, conflict and delete, then print their merged trees')
  .action(async () => {
    const { runDemo } = await import('./demo.js')
    if (!(await runDemo())) throw new CliError('EDEMO', 'the peers disagree: this is a bug')
  })

function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2 // commander printed it
  // A MultiDriveError, one of ours, or Node's: one `CODE: text` line.
  const e = err as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : 'ERROR'
  const message = typeof e?.message === 'string' ? e.message : String(err)
  console.error(`${code}: ${messageText(code, message)}`)
  return err instanceof CliError ? err.exitCode : 1
}

// A reader that goes away (`multidrive cat big | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
})

try {
  await program.parseAsync(process.argv)
} catch (err) {
  process.exitCode = report(err)
}
