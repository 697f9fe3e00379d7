/**
 * The data directory of one peer: its corestore, its LevelDB index, a small config (this peer's
 * writer and the keys it merges: the library stores no drive list), the HTTP write token, and a
 * note of which process holds the directory. Every file is written to a temporary name and
 * renamed into place, so a crash never leaves one half-written.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CliError } from './cli-error.js'

/** What the command keeps about this peer. */
export interface Config {
  /** Hex key of this peer's writable drive. */
  writer: string
  /** Hex keys of the other drives merged, in the order they were added. */
  drives: string[]
}

/** Who holds the data directory: written by the process that opened it, removed when it closes. */
export interface Holder {
  pid: number
  command: string
  /** The HTTP address of a `serve`, once it listens. */
  url?: string
  /** Whether that `serve` accepts writes (`--writable`). */
  writable?: boolean
}

const CONFIG_VERSION = 1

export class DataDir {
  readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  /** `--data`, else `$MULTIDRIVE_DATA`, else `./.multidrive`. */
  static from(option: string | undefined): DataDir {
    return new DataDir(option ?? process.env.MULTIDRIVE_DATA ?? '.multidrive')
  }

  get corestore(): string {
    return join(this.root, 'corestore')
  }

  get index(): string {
    return join(this.root, 'index')
  }

  get configFile(): string {
    return join(this.root, 'config.json')
  }

  get tokenFile(): string {
    return join(this.root, 'token')
  }

  get holderFile(): string {
    return join(this.root, 'lock.json')
  }

  get swarmSeedFile(): string {
    return join(this.root, 'swarm-seed')
  }

  /** The config, or null if this directory was never initialised. */
  async readConfig(): Promise<Config | null> {
    const text = await readIfExists(this.configFile)
    if (text === null) return null
    let parsed: { version?: unknown; writer?: unknown; drives?: unknown }
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new CliError('ECONFIG', `${this.configFile} is not valid JSON`, { cause: err })
    }
    const { writer, drives } = parsed
    if (
      parsed.version !== CONFIG_VERSION ||
      typeof writer !== 'string' ||
      !Array.isArray(drives) ||
      !drives.every((d) => typeof d === 'string')
    ) {
      throw new CliError('ECONFIG', `${this.configFile} is not a multidrive config (version ${CONFIG_VERSION})`)
    }
    return { writer, drives }
  }

  async writeConfig(config: Config): Promise<void> {
    await mkdir(this.root, { recursive: true })
    await writeAtomic(this.configFile, `${JSON.stringify({ version: CONFIG_VERSION, ...config }, null, 2)}\n`)
  }

  /** The bearer token for HTTP writes, created (mode 0600) on first use. */
  async token(): Promise<string> {
    const existing = await readIfExists(this.tokenFile)
    if (existing !== null && existing.trim().length > 0) return existing.trim()
    await mkdir(this.root, { recursive: true })
    const token = randomBytes(32).toString('hex')
    await writeAtomic(this.tokenFile, `${token}\n`, 0o600)
    return token
  }

  /**
   * The seed of this peer's hyperswarm key pair, created (mode 0600) on first use. A stable
   * identity lets a restarted peer replace its old connection at once: others still hold that
   * one until it times out, and hyperswarm swaps an established connection for a new one from
   * the same key.
   */
  async swarmSeed(): Promise<Buffer> {
    const existing = (await readIfExists(this.swarmSeedFile))?.trim()
    if (existing && /^[0-9a-f]{64}$/.test(existing)) return Buffer.from(existing, 'hex')
    const seed = randomBytes(32)
    await writeAtomic(this.swarmSeedFile, `${seed.toString('hex')}\n`, 0o600)
    return seed
  }

  /** The token if one was generated, without creating it. */
  async existingToken(): Promise<string | null> {
    return (await readIfExists(this.tokenFile))?.trim() || null
  }

  /** The process holding this directory, if it is still alive. */
  async holder(): Promise<Holder | null> {
    const text = await readIfExists(this.holderFile)
    if (text === null) return null
    try {
      const holder = JSON.parse(text) as Holder
      return Number.isInteger(holder.pid) && holder.pid !== process.pid && alive(holder.pid) ? holder : null
    } catch {
      return null // a note from a process that died while writing it is no holder
    }
  }

  async writeHolder(holder: Omit<Holder, 'pid'>): Promise<void> {
    await writeAtomic(this.holderFile, `${JSON.stringify({ pid: process.pid, ...holder })}\n`)
  }

  /** Removes the note if it is still ours. */
  async clearHolder(): Promise<void> {
    const text = await readIfExists(this.holderFile)
    if (text === null) return
    try {
      if ((JSON.parse(text) as Holder).pid !== process.pid) return
    } catch {}
    await rm(this.holderFile, { force: true })
  }
}

/** What a command that needs existing data says on a data dir never initialised. */
export function notInitialised(dir: DataDir): CliError {
  return new CliError('ENOENT', `no multidrive data in ${dir.root}: run 'multidrive init' first`)
}

/** Names the process holding a data dir, for ELOCKED messages. */
export function heldBy(dir: DataDir, holder: Holder): string {
  return `the data dir ${dir.root} is in use by 'multidrive ${holder.command}' (pid ${holder.pid})`
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf-8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** Write-then-rename: readers see the old file or the new one, never a part. */
async function writeAtomic(file: string, data: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`
  try {
    await writeFile(tmp, data, { mode, flush: true })
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
