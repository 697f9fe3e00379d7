// Ambient declarations for hypercore 11: only what multidrive uses, true to the runtime.
declare module 'hypercore' {
  import { EventEmitter } from 'node:events'

  namespace Hypercore {
    interface Peer {
      remotePublicKey: Buffer
    }

    interface Extension<M = unknown> {
      name: string
      encoding: unknown
      send(message: M, peer: Peer): void
      broadcast(message: M): void
      destroy(): void
    }

    interface ExtensionHandlers<M = unknown> {
      encoding?: unknown
      onmessage?: (message: M, peer: Peer) => void
      onerror?: (err: Error) => void
    }

    interface GetOptions {
      wait?: boolean
      timeout?: number
      valueEncoding?: unknown
    }

    interface Download {
      done(): Promise<void>
      destroy(): void
    }
  }

  class Hypercore extends EventEmitter {
    readonly id: string
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly length: number
    readonly signedLength: number
    readonly contiguousLength: number
    readonly byteLength: number
    readonly fork: number
    readonly writable: boolean
    readonly readable: boolean
    readonly opened: boolean
    readonly closing: Promise<void> | null
    readonly closed: boolean
    readonly peers: Hypercore.Peer[]
    ready(): Promise<void>
    close(): Promise<void>
    /** A read-only session frozen at the current length. */
    snapshot(): Hypercore
    get(index: number, opts?: Hypercore.GetOptions): Promise<Buffer | null>
    append(blocks: Buffer | Buffer[]): Promise<{ length: number; byteLength: number }>
    has(start: number, end?: number): Promise<boolean>
    update(opts?: { wait?: boolean }): Promise<boolean>
    truncate(newLength?: number): Promise<void>
    download(range?: { start?: number; end?: number; blocks?: number[] }): Hypercore.Download
    registerExtension<M = unknown>(name: string, handlers?: Hypercore.ExtensionHandlers<M>): Hypercore.Extension<M>
    on(event: 'append', listener: () => void): this
    on(event: 'truncate', listener: (length: number, fork: number) => void): this
    on(event: 'peer-add' | 'peer-remove', listener: (peer: Hypercore.Peer) => void): this
    on(event: 'close', listener: () => void): this
    off(event: string, listener: (...args: never[]) => void): this
  }

  export = Hypercore
}
