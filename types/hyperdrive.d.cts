// Ambient declarations for hyperdrive 13: only what multidrive uses, true to the runtime.
declare module 'hyperdrive' {
  import { EventEmitter } from 'node:events'
  import type { Readable, Writable } from 'node:stream'
  import type Corestore from 'corestore'
  import type Hyperbee from 'hyperbee'
  import type Hypercore from 'hypercore'

  namespace Hyperdrive {
    /** Where a file's bytes live in the drive's blobs core. */
    interface BlobId {
      byteOffset: number
      blockOffset: number
      blockLength: number
      byteLength: number
    }

    interface EntryValue {
      executable: boolean
      linkname: string | null
      blob: BlobId | null
      metadata: unknown
    }

    interface Entry {
      seq: number
      key: string
      value: EntryValue
    }

    interface Blobs {
      readonly core: Hypercore
      /** Content is appended in blocks of this many bytes. */
      readonly blockSize: number
      /** Appends blocks under the blobs' lock; `id` spans them once the stream closes. */
      createWriteStream(): Writable & { readonly id: BlobId }
      /** Hyperblobs' own writer lock (mutexify, callback style): private, so possibly absent. */
      readonly _lock?: (onlocked: (release: () => void) => void) => void
      put(data: Buffer | Uint8Array): Promise<BlobId>
      get(id: BlobId, opts?: { wait?: boolean; timeout?: number; start?: number; end?: number }): Promise<Buffer | null>
      createReadStream(id: BlobId, opts?: { start?: number; end?: number; length?: number }): Readable
    }

    interface Download {
      done(): Promise<void>
      destroy(): void
    }
  }

  class Hyperdrive extends EventEmitter {
    constructor(store: Corestore, key?: Buffer | Uint8Array | null, opts?: Record<string, unknown>)
    readonly corestore: Corestore
    readonly db: Hyperbee
    readonly core: Hypercore
    readonly blobs: Hyperdrive.Blobs | null
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly contentKey: Buffer | undefined
    readonly id: string
    readonly version: number
    readonly writable: boolean
    readonly readable: boolean
    readonly opened: boolean
    readonly closing: Promise<void> | null
    readonly closed: boolean
    ready(): Promise<void>
    close(): Promise<void>
    getBlobs(): Promise<Hyperdrive.Blobs>
    /** Until the returned function is called, core updates wait for peers being looked for. */
    findingPeers(): () => void
    readonly supportsMetadata: boolean
    update(opts?: { wait?: boolean }): Promise<boolean>
    truncate(version: number, opts?: { blobs?: number }): Promise<void>
    checkout(version: number): Hyperdrive
    /** A batch: its `db` is a Hyperbee batch; `flush()` appends everything at once and closes it. */
    batch(): Hyperdrive & { db: Hyperbee.Batch; flush(): Promise<void> }
    /** `path` may be an entry (from `entry()`): its blob is read as it is, without a lookup. */
    get(path: string | Hyperdrive.Entry, opts?: { wait?: boolean; timeout?: number }): Promise<Buffer | null>
    put(
      path: string,
      data: Buffer | Uint8Array | string,
      opts?: { executable?: boolean; metadata?: unknown }
    ): Promise<void>
    putEntry(path: string, value: Partial<Hyperdrive.EntryValue>): Promise<void>
    del(path: string): Promise<void>
    symlink(path: string, target: string, opts?: { metadata?: unknown }): Promise<void>
    entry(path: string, opts?: { follow?: boolean; wait?: boolean; timeout?: number }): Promise<Hyperdrive.Entry | null>
    exists(path: string): Promise<boolean>
    /** Whether the blobs of the file (or of every file under the folder) are stored locally. */
    has(path: string): Promise<boolean>
    list(folder?: string, opts?: { recursive?: boolean }): AsyncIterable<Hyperdrive.Entry> & Readable
    readdir(folder?: string): AsyncIterable<string> & Readable
    diff(
      version: number,
      folder?: string
    ): AsyncIterable<{ left: Hyperdrive.Entry | null; right: Hyperdrive.Entry | null }> & Readable
    watch(
      folder?: string
    ): AsyncIterable<[Hyperdrive, Hyperdrive]> & { ready(): Promise<void>; destroy(): Promise<void> }
    createReadStream(
      path: string | Hyperdrive.Entry,
      opts?: { start?: number; end?: number; length?: number }
    ): Readable
    createWriteStream(path: string, opts?: { executable?: boolean; metadata?: unknown }): Writable
    download(folder?: string, opts?: Record<string, unknown>): Hyperdrive.Download
    replicate(isInitiator: boolean, opts?: Record<string, unknown>): NodeJS.ReadWriteStream
    static normalizePath(path: string): string
  }

  export = Hyperdrive
}
