/**
 * The drives a MultiDrive accepts, described by what it calls on them (a Hyperdrive 13 has all of
 * it). The published types name no Holepunch module: a program that declares its own types for
 * `hyperdrive` keeps them (they neither clash with nor get shadowed by ours), and a program with no
 * such declarations still type-checks. Internally the code is typed by the declarations in
 * `types/`; `drive-set.ts` converts between the two, with a compile-time check that they agree.
 */
import type { Readable, Writable } from 'node:stream'
import type { BlobId } from '../events/types.js'

/** A download under way (`core.download()`): `done()` resolves once every block is local. */
export interface DownloadLike {
  done(): Promise<void>
  destroy(): void
}

/** A replication peer of a core. */
export interface PeerLike {
  readonly remotePublicKey: Uint8Array
}

/** Handlers of a replication extension (as Hypercore's `registerExtension`). */
export interface ExtensionHandlers<M = unknown> {
  encoding?: unknown
  onmessage?: (message: M, peer: PeerLike) => void
  onerror?: (err: Error) => void
}

/** A registered replication extension. */
export interface ExtensionLike<M = unknown> {
  send(message: M, peer: PeerLike): void
  broadcast(message: M): void
  destroy(): void
}

/** Options of a block read: wait for peers (default true), give up after `timeout` ms. */
export interface BlockReadOptions {
  wait?: boolean
  timeout?: number
  valueEncoding?: unknown
}

/** The parts of a drive's core (a Hypercore) MultiDrive uses: length, peers, reads, events. */
export interface CoreLike {
  readonly length: number
  readonly fork: number
  readonly writable: boolean
  readonly peers: readonly PeerLike[]
  ready(): Promise<void>
  close(): Promise<void>
  /** A read-only session frozen at the current length. */
  snapshot(): CoreLike
  get(index: number, opts?: BlockReadOptions): Promise<unknown>
  has(start: number, end?: number): Promise<boolean>
  update(opts?: { wait?: boolean }): Promise<boolean>
  download(range?: { start?: number; end?: number }): DownloadLike
  registerExtension<M = unknown>(name: string, handlers?: ExtensionHandlers<M>): ExtensionLike<M>
  on(event: 'append' | 'truncate' | 'peer-add' | 'peer-remove' | 'close', listener: (...args: never[]) => void): unknown
  off(
    event: 'append' | 'truncate' | 'peer-add' | 'peer-remove' | 'close',
    listener: (...args: never[]) => void
  ): unknown
}

/** A drive's blob store (Hyperblobs): file content by blob id, and the writer's appends of it. */
export interface BlobsLike {
  readonly core: Pick<CoreLike, 'length' | 'has' | 'download'> & {
    readonly byteLength: number
    append(blocks: Buffer[]): Promise<unknown>
  }
  /** Content is appended in blocks of this many bytes. */
  readonly blockSize: number
  get(id: BlobId, opts?: { wait?: boolean; timeout?: number }): Promise<Uint8Array | null>
  createReadStream(id: BlobId, opts?: { start?: number; end?: number; wait?: boolean; timeout?: number }): Readable
  createWriteStream(): Writable & { readonly id: BlobId }
}

/** A read-only view of a drive's Hyperbee at one version (read after a truncation). */
export interface BeeViewLike {
  ready(): Promise<void>
  close(): Promise<void>
  createReadStream(range?: object, opts?: object): AsyncIterable<{ seq: number; key: unknown; value: unknown }>
}

/** A batch of a drive's Hyperbee: its writes are appended at once by `flush()`, which releases its lock. */
export interface DbBatchLike {
  /** How many blocks a flush would append now. */
  readonly length: number
  lock(): Promise<void>
  put(key: unknown, value: unknown, opts?: object): Promise<void>
  del(key: unknown, opts?: object): Promise<void>
  flush(): Promise<void>
  close(): Promise<void>
}

/**
 * What MultiDrive calls on a drive: a Hyperdrive 13 (`new Hyperdrive(store, key)`) is one. Every
 * drive handed to MultiDrive (primary, writer, added drives) is checked for these at run time too.
 */
export interface HyperdriveLike {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  readonly writable: boolean
  readonly core: CoreLike
  readonly db: { checkout(version: number): BeeViewLike; batch(): DbBatchLike }
  readonly blobs: BlobsLike | null
  /** Mounted drives are opened on a session of it. */
  readonly corestore: { session(): unknown }
  ready(): Promise<void>
  close(): Promise<void>
  getBlobs(): Promise<BlobsLike>
  /** A read-only drive at a version of its own (a length of its core). */
  checkout(version: number): HyperdriveLike
  /** Marks that peers are being looked for (core updates wait for them); call the result when done. */
  findingPeers(): () => void
}
