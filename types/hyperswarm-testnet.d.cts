// Ambient declarations for @hyperswarm/testnet 3: a DHT of a few nodes for offline use.
declare module '@hyperswarm/testnet' {
  import type HyperDHT from 'hyperdht'

  namespace createTestnet {
    interface Testnet {
      readonly nodes: HyperDHT[]
      /** What to pass as the bootstrap of every other DHT node. */
      readonly bootstrap: { host: string; port: number }[]
      destroy(): Promise<void>
    }
  }

  function createTestnet(size?: number, opts?: { host?: string; port?: number }): Promise<createTestnet.Testnet>
  export = createTestnet
}
