/**
 * What the command does to a merged drive, in JSON shapes (json.ts). Two implementations: on a
 * data dir opened in this process (LocalOperations, also what the HTTP server answers with), and
 * through the HTTP API of the `serve` that holds the data dir (RemoteOperations, remote.ts).
 */
import { posix } from 'node:path'
import type { Readable } from 'node:stream'
import { MultiDriveError } from '../index.js'
import { ensureLocal, resolveFile } from './content.js'
import { driveJson, statJson } from './json.js'
import type { ConflictsJson, DriveJson, DrivesJson, LsJson, StatJson, WhoJson } from './json-shapes.js'
import { absolute } from './names.js'
import type { Workspace } from './workspace.js'

export interface DriveOperations {
  stat(path: string): Promise<StatJson>
  /** A directory's entries, sorted by name: ENOENT if missing, ENOTDIR for a file. */
  ls(path: string): Promise<LsJson>
  who(path: string): Promise<WhoJson>
  conflicts(folder: string): Promise<ConflictsJson>
  drives(): Promise<DrivesJson>
  /** The winning file's bytes (symlinks followed). */
  read(path: string): Promise<Readable>
  /** Writes a file; resolves with its stat once the merged view shows it. */
  put(path: string, data: Buffer): Promise<StatJson>
  /** Removes a file (EISDIR for a directory unless recursive) or, recursive, a directory. */
  rm(path: string, opts: { recursive: boolean }): Promise<void>
  mkdir(path: string): Promise<StatJson>
  addDrive(key: string): Promise<DriveJson>
  removeDrive(key: string): Promise<void>
}

export class LocalOperations implements DriveOperations {
  private readonly workspace: Workspace
  /** How long a read may wait for peers to send content this peer lacks (0: fail at once). */
  private readonly fetchWaitMs: number
  /** Peers connected for a drive (the swarm's view; none offline). */
  private readonly peersOf: (key: string) => number

  constructor(workspace: Workspace, opts: { fetchWaitMs?: number; peersOf?: (key: string) => number } = {}) {
    this.workspace = workspace
    this.fetchWaitMs = opts.fetchWaitMs ?? 0
    this.peersOf = opts.peersOf ?? (() => 0)
  }

  private get multi() {
    return this.workspace.multi
  }

  async stat(path: string): Promise<StatJson> {
    return statJson(absolute(path), await this.multi.stat(path))
  }

  async ls(path: string): Promise<LsJson> {
    const dir = absolute(path)
    const stat = await this.multi.stat(dir)
    if (!stat.isDirectory()) throw MultiDriveError.ENOTDIR(dir)
    const listing = await this.multi.readdir(dir, { includeStats: true })
    return listing.map(({ name, stat }) => ({ name, ...statJson(posix.join(dir, name), stat) }))
  }

  async who(path: string): Promise<WhoJson> {
    return this.multi.whoWins(path)
  }

  async conflicts(folder: string): Promise<ConflictsJson> {
    const conflicts: string[] = []
    for await (const path of this.multi.conflicts(folder)) conflicts.push(path)
    return conflicts
  }

  async drives(): Promise<DrivesJson> {
    const stats = this.multi.stats
    const writer = this.workspace.writerKey
    return this.workspace.driveKeys.map((key) =>
      driveJson(key, stats[key], { writer: key === writer, peers: this.peersOf(key) })
    )
  }

  async read(path: string): Promise<Readable> {
    const file = await resolveFile(this.multi, path)
    await ensureLocal(this.multi, file.entry, this.fetchWaitMs)
    return this.multi.createReadStream(file.entry)
  }

  async put(path: string, data: Buffer): Promise<StatJson> {
    await this.multi.writeFile(path, data)
    return this.stat(path)
  }

  async rm(path: string, { recursive }: { recursive: boolean }): Promise<void> {
    const stat = await this.multi.lstat(path)
    if (!stat.isDirectory()) return this.multi.unlink(path)
    if (!recursive) throw MultiDriveError.EISDIR(absolute(path))
    await this.multi.rmdir(path, { recursive: true })
  }

  async mkdir(path: string): Promise<StatJson> {
    await this.multi.mkdir(path)
    return this.stat(path)
  }

  async addDrive(key: string): Promise<DriveJson> {
    const hex = await this.workspace.addDrive(key)
    return driveJson(hex, this.multi.stats[hex], { writer: hex === this.workspace.writerKey, peers: this.peersOf(hex) })
  }

  async removeDrive(key: string): Promise<void> {
    await this.workspace.removeDrive(key)
  }
}
