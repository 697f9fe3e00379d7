// Ambient declarations for hyperdht 6: only what the `multidrive` command and its tests use.
declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'

  namespace HyperDHT {
    /** A bootstrap node: `{ host, port }` or `'host:port'`. */
    type Node = { host: string; port: number } | string
  }

  class HyperDHT extends EventEmitter {
    constructor(opts?: {
      bootstrap?: HyperDHT.Node[]
      host?: string
      port?: number
      ephemeral?: boolean
      firewalled?: boolean
    })
    ready(): Promise<void>
    fullyBootstrapped(): Promise<void>
    address(): { host: string; port: number }
    destroy(opts?: { force?: boolean }): Promise<void>
    /** Counters of how connections were made (holepunches by kind, punches refused for later). */
    readonly stats: { punches: { consistent: number; random: number; open: number; tryLater: number } }
  }

  export = HyperDHT
}
