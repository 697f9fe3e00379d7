/**
 * The index store: the contract the indexer and the read path rely on, and its implementation over
 * any abstract-level database (`classic-level` on disk, `memory-level` in memory).
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import type { Checkpoint, DriveKey, DrivePath } from '../events/types.js'
import type { FoldReader } from './fold.js'
import {
  type IndexMeta,
  type IndexPart,
  type IndexWrite,
  type PartValues,
  underRange,
  type WinnerState
} from './schema.js'

export interface KeyRange {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
}

/** A frozen view of the index (for verification while it keeps changing). */
export interface IndexSnapshot {
  entries(part: IndexPart): AsyncIterable<[string, unknown]>
  close(): Promise<void>
}

export interface IndexStore extends FoldReader {
  open(): Promise<void>
  close(): Promise<void>
  readMeta(): Promise<IndexMeta | null>
  readCheckpoints(): Promise<Map<DriveKey, Checkpoint>>
  /** The merged state of a live path, read synchronously: the read path's single lookup. */
  winner(path: DrivePath): WinnerState | null
  /** Values of one part by key, in order (undefined: none). */
  get<P extends IndexPart>(part: P, keys: readonly string[]): Promise<(PartValues[P] | undefined)[]>
  /** One value, read synchronously. */
  getSync<P extends IndexPart>(part: P, key: string): PartValues[P] | undefined
  /** Keys and values of one part in a key range, sorted. */
  scan<P extends IndexPart>(part: P, range: KeyRange): AsyncIterable<[string, PartValues[P]]>
  /** Live paths strictly under a folder, sorted. */
  winnersUnder(folder: DrivePath): AsyncIterable<[DrivePath, WinnerState]>
  /** Names of a directory's live children, sorted. */
  children(dir: DrivePath): AsyncIterable<string>
  /** Paths in conflict strictly under a folder, sorted. */
  conflictsUnder(folder: DrivePath): AsyncIterable<DrivePath>
  /** Every key and value of one part of the index, sorted (verification and tests). */
  entries(part: IndexPart): AsyncIterable<[string, unknown]>
  /** A snapshot of the whole index as it is now. */
  snapshot(): IndexSnapshot
  /** Applies writes as one atomic batch. */
  commit(writes: readonly IndexWrite[]): Promise<void>
  /** Empties the index (a rebuild). */
  clear(): Promise<void>
}

/** Up to this many keys, `get` reads synchronously. */
const SYNC_READS = 16

// biome-ignore lint/suspicious/noExplicitAny: abstract-level's database type is generic over its format.
type AnyLevel = AbstractLevel<any, string, any>
type Sub = AbstractSublevel<AnyLevel, string | Buffer | Uint8Array, string, unknown>

/** The index over an abstract-level database. Owns (and closes) the database only if it opened it. */
export class LevelIndexStore implements IndexStore {
  private readonly db: AnyLevel
  private readonly owned: boolean
  /** Where our parts live: the database itself, or our sublevel of a database handed to us. */
  private readonly root: AnyLevel
  private readonly parts: Record<IndexPart, Sub>

  constructor(db: AnyLevel, { owned }: { owned: boolean }) {
    this.db = db
    this.owned = owned
    // A database handed to us may hold other data: keep ours under one prefix.
    const root: AnyLevel = owned ? db : (db.sublevel('multidrive') as unknown as AnyLevel)
    this.root = root
    const json = (name: string) => root.sublevel(name, { valueEncoding: 'json' }) as unknown as Sub
    const utf8 = (name: string) => root.sublevel(name, { valueEncoding: 'utf8' }) as unknown as Sub
    this.parts = {
      records: json('r'),
      candidates: json('k'),
      heads: json('h'),
      seen: json('s'),
      summaries: json('y'),
      winners: json('w'),
      children: utf8('c'),
      conflicts: utf8('x'),
      mounts: json('o'),
      checkpoints: json('p'),
      meta: json('m')
    }
  }

  async open(): Promise<void> {
    await this.db.open()
    // Sublevels open on their own, later: reads are synchronous, so open them before returning.
    if (this.root !== this.db) await this.root.open()
    await Promise.all(Object.values(this.parts).map((part) => part.open()))
  }

  async close(): Promise<void> {
    if (this.owned) await this.db.close()
  }

  async readMeta(): Promise<IndexMeta | null> {
    return ((await this.parts.meta.get('meta')) as IndexMeta | undefined) ?? null
  }

  async readCheckpoints(): Promise<Map<DriveKey, Checkpoint>> {
    const out = new Map<DriveKey, Checkpoint>()
    for await (const [key, value] of this.parts.checkpoints.iterator()) out.set(key as DriveKey, value as Checkpoint)
    return out
  }

  winner(path: DrivePath): WinnerState | null {
    return this.getSync('winners', path) ?? null
  }

  async get<P extends IndexPart>(part: P, keys: readonly string[]): Promise<(PartValues[P] | undefined)[]> {
    if (keys.length === 0) return []
    // A few keys read synchronously (~5 µs each) beat one getMany (a thread-pool hop, ~60 µs).
    if (keys.length <= SYNC_READS) return keys.map((key) => this.getSync(part, key))
    return (await this.parts[part].getMany(keys as string[])) as (PartValues[P] | undefined)[]
  }

  getSync<P extends IndexPart>(part: P, key: string): PartValues[P] | undefined {
    // A Buffer key: classic-level 3.0.0's getSync truncates long multi-byte string keys.
    return this.parts[part].getSync(Buffer.from(key), { keyEncoding: 'buffer' }) as PartValues[P] | undefined
  }

  async *scan<P extends IndexPart>(part: P, range: KeyRange): AsyncIterable<[string, PartValues[P]]> {
    for await (const [key, value] of this.parts[part].iterator(range)) yield [key as string, value as PartValues[P]]
  }

  async *winnersUnder(folder: DrivePath): AsyncIterable<[DrivePath, WinnerState]> {
    for await (const [key, value] of this.parts.winners.iterator(underRange(folder))) {
      yield [key as DrivePath, value as WinnerState]
    }
  }

  async *children(dir: DrivePath): AsyncIterable<string> {
    const prefix = `${dir}\0`
    for await (const key of this.parts.children.keys({ gte: prefix, lt: `${dir}\x01` })) {
      yield (key as string).slice(prefix.length)
    }
  }

  async *conflictsUnder(folder: DrivePath): AsyncIterable<DrivePath> {
    for await (const key of this.parts.conflicts.keys(underRange(folder))) yield key as DrivePath
  }

  async *entries(part: IndexPart): AsyncIterable<[string, unknown]> {
    for await (const [key, value] of this.parts[part].iterator()) yield [key as string, value]
  }

  snapshot(): IndexSnapshot {
    const snapshot = this.db.snapshot()
    const parts = this.parts
    return {
      async *entries(part: IndexPart) {
        for await (const [key, value] of parts[part].iterator({ snapshot })) yield [key as string, value]
      },
      close: () => snapshot.close()
    }
  }

  async commit(writes: readonly IndexWrite[]): Promise<void> {
    if (writes.length === 0) return
    const ops = writes.map((w) =>
      w.value === null
        ? { type: 'del' as const, sublevel: this.parts[w.part], key: w.key }
        : { type: 'put' as const, sublevel: this.parts[w.part], key: w.key, value: w.value }
    )
    // biome-ignore lint/suspicious/noExplicitAny: batch ops across sublevels of different value types.
    await this.db.batch(ops as any)
  }

  async clear(): Promise<void> {
    for (const part of Object.values(this.parts)) await part.clear()
  }
}

/** The index for a MultiDrive `index` option: a path (LevelDB on disk), a database, or in memory. */
export function createIndexStore(index?: string | AnyLevel): IndexStore {
  if (index === undefined) return new LevelIndexStore(new MemoryLevel(), { owned: true })
  // LevelDB maps every open table file into memory: a bounded table cache bounds that memory.
  if (typeof index === 'string')
    return new LevelIndexStore(new ClassicLevel(index, { maxOpenFiles: 64 }), { owned: true })
  return new LevelIndexStore(index, { owned: false })
}
