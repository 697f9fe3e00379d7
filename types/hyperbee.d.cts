// Ambient declarations for hyperbee 2 (a drive's `drive.db`): only what multidrive uses.
declare module 'hyperbee' {
  import type { Readable } from 'node:stream'
  import type Hypercore from 'hypercore'

  namespace Hyperbee {
    /** A node as Hyperbee returns it: `seq` is the block that wrote it. */
    interface Node<K = unknown, V = unknown> {
      seq: number
      key: K
      value: V
    }

    interface Range {
      gt?: unknown
      gte?: unknown
      lt?: unknown
      lte?: unknown
      reverse?: boolean
      limit?: number
    }

    interface EncodingOptions {
      keyEncoding?: unknown
      valueEncoding?: unknown
    }

    interface ReadOptions extends EncodingOptions {
      /** Fail a block request that waited this long for a peer (ms). */
      timeout?: number
    }

    /** A read-only view at one version; a batch also writes. */
    interface View {
      readonly version: number
      readonly core: Hypercore
      ready(): Promise<void>
      close(): Promise<void>
      get<V = unknown>(key: unknown, opts?: EncodingOptions & { wait?: boolean }): Promise<Node<string, V> | null>
      createReadStream<K = string, V = unknown>(range?: Range, opts?: ReadOptions): AsyncIterable<Node<K, V>> & Readable
    }

    interface Batch extends View {
      /** Takes the db's write lock now (put, del and flush take it if not held); flush or close releases it. */
      lock(): Promise<void>
      /** How many blocks a flush would append now. */
      readonly length: number
      put(key: unknown, value: unknown, opts?: EncodingOptions): Promise<void>
      del(key: unknown, opts?: EncodingOptions): Promise<void>
      flush(): Promise<void>
    }
  }

  class Hyperbee implements Hyperbee.View {
    constructor(core: Hypercore, opts?: Hyperbee.EncodingOptions & { metadata?: unknown })
    readonly version: number
    readonly core: Hypercore
    ready(): Promise<void>
    close(): Promise<void>
    get<V = unknown>(
      key: unknown,
      opts?: Hyperbee.EncodingOptions & { wait?: boolean }
    ): Promise<Hyperbee.Node<string, V> | null>
    put(key: unknown, value: unknown, opts?: Hyperbee.EncodingOptions): Promise<void>
    del(key: unknown, opts?: Hyperbee.EncodingOptions): Promise<void>
    batch(): Hyperbee.Batch
    checkout(version: number): Hyperbee
    createReadStream<K = string, V = unknown>(
      range?: Hyperbee.Range,
      opts?: Hyperbee.ReadOptions
    ): AsyncIterable<Hyperbee.Node<K, V>> & Readable
  }

  export = Hyperbee
}
