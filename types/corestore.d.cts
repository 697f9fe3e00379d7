// Ambient declarations for corestore 7: only what multidrive uses.
declare module 'corestore' {
  import type { Duplex } from 'node:stream'
  import type Hypercore from 'hypercore'

  class Corestore {
    constructor(storage: string, opts?: Record<string, unknown>)
    readonly opened: boolean
    readonly closed: boolean
    ready(): Promise<void>
    close(): Promise<void>
    /** A session of the same store: closing it leaves the store open. */
    session(opts?: Record<string, unknown>): Corestore
    /** A session whose named cores live under `name`. */
    namespace(name: string): Corestore
    get(opts: { key?: Buffer | Uint8Array; name?: string } | Buffer | Uint8Array): Hypercore
    replicate(isInitiator: boolean | Duplex, opts?: Record<string, unknown>): Duplex
    findingPeers(): () => void
  }

  export = Corestore
}
