// Ambient declarations for hyperswarm 4: only what the `multidrive` command uses.
declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import type { Duplex } from 'node:stream'
  import type HyperDHT from 'hyperdht'

  namespace Hyperswarm {
    /** A connection to a peer: an encrypted duplex stream. */
    interface Connection extends Duplex {
      readonly remotePublicKey: Buffer
    }

    /** One `join()` of a topic: `refresh()` announces and looks it up again. */
    interface PeerDiscoverySession {
      flushed(): Promise<void>
      refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>
      destroy(): Promise<void>
    }
  }

  class Hyperswarm extends EventEmitter {
    constructor(opts?: { dht?: HyperDHT; seed?: Buffer; bootstrap?: unknown; maxPeers?: number })
    readonly dht: HyperDHT
    readonly connections: Set<Hyperswarm.Connection>
    readonly destroyed: boolean
    join(topic: Buffer | Uint8Array, opts?: { server?: boolean; client?: boolean }): Hyperswarm.PeerDiscoverySession
    leave(topic: Buffer | Uint8Array): Promise<void>
    flush(): Promise<boolean>
    /** Leaves every topic, closes the server and destroys the DHT node. */
    destroy(opts?: { force?: boolean }): Promise<void>
    on(event: 'connection', listener: (conn: Hyperswarm.Connection, info: unknown) => void): this
    on(event: 'update', listener: () => void): this
    off(event: string, listener: (...args: never[]) => void): this
  }

  export = Hyperswarm
}
