// Ambient declarations for hyperswarm 4, hyperdht 6 and @hyperswarm/testnet 3 (tests): only what is used.
declare module 'hyperdht' {
  class HyperDHT {
    constructor(opts?: { bootstrap?: unknown[]; host?: string })
    destroy(): Promise<void>
  }
  export = HyperDHT
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import type HyperDHT from 'hyperdht'

  namespace Hyperswarm {
    interface Discovery {
      flushed(): Promise<void>
      refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>
      destroy(): Promise<void>
    }
  }

  class Hyperswarm extends EventEmitter {
    constructor(opts?: { dht?: HyperDHT })
    readonly connections: Set<unknown>
    join(topic: Buffer, opts?: { client?: boolean; server?: boolean }): Hyperswarm.Discovery
    flush(): Promise<void>
    destroy(): Promise<void>
  }
  export = Hyperswarm
}

declare module '@hyperswarm/testnet' {
  interface Testnet {
    readonly bootstrap: { host: string; port: number }[]
    destroy(): Promise<void>
  }
  function createTestnet(size?: number, opts?: { host?: string }): Promise<Testnet>
  export = createTestnet
}
