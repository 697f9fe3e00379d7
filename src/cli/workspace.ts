/**
 * A data directory opened as a MultiDrive: the corestore, this peer's writer (the primary), the
 * LevelDB index and every drive the config merges. The config is the list of drives; the index
 * is reconciled with it on open (a drive the index remembers but the config no longer lists is
 * removed from the index).
 */
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import mutexify from 'mutexify/promise.js'
import { MultiDrive, MultiDriveError } from '../index.js'
import { CliError } from './cli-error.js'
import { type Config, type DataDir, heldBy, notInitialised } from './data-dir.js'
import { parseDriveKey } from './names.js'
import { withIndexingProgress } from './progress.js'

function lockedError(dir: DataDir, err: unknown): CliError | null {
  const text = `${(err as Error)?.message ?? ''} ${String((err as Error)?.cause ?? '')}`
  const code = (err as { code?: string })?.code
  if (code === 'LEVEL_LOCKED' || /could not be locked|resource temporarily unavailable/i.test(text)) {
    return new CliError('ELOCKED', `the data dir ${dir.root} is in use by another multidrive process`, { cause: err })
  }
  return null
}

export class Workspace {
  readonly dir: DataDir
  readonly store: Corestore
  readonly multi: MultiDrive<Hyperdrive>
  private config: Config
  /** Every configured drive added and indexed (up to its length when it was opened). */
  indexed: Promise<void> = Promise.resolve()
  /** Config changes one at a time (HTTP requests may add and remove concurrently). */
  private readonly lock = mutexify()

  private constructor(dir: DataDir, store: Corestore, multi: MultiDrive<Hyperdrive>, config: Config) {
    this.dir = dir
    this.store = store
    this.multi = multi
    this.config = config
  }

  /**
   * Opens the data dir. Without `create`, a directory that was never initialised is ENOENT and is
   * left untouched. `command` names this process in the holder note other processes read.
   * `background`: resolve once the drives are added, while they are still being indexed (a
   * `serve` answers, and shows indexing progress, meanwhile); otherwise once they are indexed.
   */
  static async open(
    dir: DataDir,
    opts: { create: boolean; command: string; background?: boolean }
  ): Promise<Workspace> {
    const holder = await dir.holder()
    if (holder !== null) throw new CliError('ELOCKED', heldBy(dir, holder))
    let config = await dir.readConfig()
    if (config === null && !opts.create) throw notInitialised(dir)
    const store = new Corestore(dir.corestore)
    const writer = new Hyperdrive(store.namespace('writer'))
    try {
      await writer.ready()
    } catch (err) {
      await store.close().catch(() => {})
      throw lockedError(dir, err) ?? err
    }
    const writerKey = writer.key.toString('hex')
    if (config === null) {
      config = { writer: writerKey, drives: [] }
      await dir.writeConfig(config)
      await dir.token()
    } else if (config.writer !== writerKey) {
      await store.close()
      throw new CliError('ECONFIG', `${dir.configFile} names writer ${config.writer}, the corestore holds ${writerKey}`)
    }
    await dir.writeHolder({ command: opts.command })
    const multi = new MultiDrive<Hyperdrive>(writer, { index: dir.index })
    const workspace = new Workspace(dir, store, multi, config)
    try {
      await withIndexingProgress(multi, workspace.load(opts.background === true))
    } catch (err) {
      await workspace.close().catch(() => {}) // the first error is the one to report
      throw lockedError(dir, err) ?? err
    }
    return workspace
  }

  /** Adds every configured drive; forgets drives the index remembers but the config dropped. */
  private async load(background: boolean): Promise<void> {
    await this.multi.ready()
    const keep = new Set([this.config.writer, ...this.config.drives])
    for (const key of Object.keys(this.multi.stats)) {
      if (!keep.has(key)) await this.multi.removeDrive(key)
    }
    this.indexed = Promise.all(this.config.drives.map((key) => this.multi.addDrive(this.replica(key)))).then(() => {})
    // In the background, each drive joins multi.drives (and emits 'drive-add') once it is open,
    // and is indexed as it goes; read failures are its actor's to retry (multi.stats shows them),
    // so only a close can reject this.
    if (background) this.indexed.catch(() => {})
    else await this.indexed
  }

  private replica(key: string): Hyperdrive {
    return new Hyperdrive(this.store.session(), Buffer.from(key, 'hex'))
  }

  get writerKey(): string {
    return this.config.writer
  }

  /** Hex keys of the merged drives, this peer's writer first. */
  get driveKeys(): string[] {
    return [this.config.writer, ...this.config.drives]
  }

  /** Adds a drive by key (hex or z-base-32): recorded in the config, then merged. Idempotent. */
  async addDrive(input: string): Promise<string> {
    const key = parseDriveKey(input)
    const release = await this.lock()
    try {
      if (!this.driveKeys.includes(key)) {
        this.config = { ...this.config, drives: [...this.config.drives, key] }
        await this.dir.writeConfig(this.config)
      }
    } finally {
      release()
    }
    if (!this.multi.hasDrive(key)) await this.multi.addDrive(this.replica(key))
    return key
  }

  /** Removes a drive: its records leave the merged view; EUNKNOWNDRIVE if it is not merged. */
  async removeDrive(input: string): Promise<string> {
    const key = parseDriveKey(input)
    if (key === this.config.writer) throw new MultiDriveError('EINVAL', `${key} is this peer's own writer`)
    const release = await this.lock()
    try {
      if (!this.config.drives.includes(key)) {
        throw MultiDriveError.EUNKNOWNDRIVE(key, 'is not merged here (see `multidrive drives`)')
      }
      const drive = this.multi.hasDrive(key)
      await this.multi.removeDrive(key)
      await drive?.close()
      this.config = { ...this.config, drives: this.config.drives.filter((k) => k !== key) }
      await this.dir.writeConfig(this.config)
    } finally {
      release()
    }
    return key
  }

  /** Closes the MultiDrive, then the corestore, and releases the data dir, whatever failed. */
  async close(): Promise<void> {
    try {
      await this.multi.close()
    } finally {
      try {
        await this.store.close()
      } finally {
        await this.dir.clearHolder()
      }
    }
  }
}
