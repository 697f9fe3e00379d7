// Ambient declarations for mirror-drive 1: only what the `multidrive` command uses.
declare module 'mirror-drive' {
  import type { Readable } from 'node:stream'

  namespace MirrorDrive {
    interface Entry {
      key: string
      value: {
        executable: boolean
        linkname: string | null
        blob: { byteOffset: number; blockOffset: number; blockLength: number; byteLength: number } | null
        metadata: unknown
      }
    }

    /** What mirror-drive reads from its source. */
    interface Source {
      ready(): Promise<void>
      list(folder: string, opts?: { ignore?: unknown }): AsyncIterable<Entry>
      entry(entry: string | Entry): Promise<Entry | null>
      createReadStream(entry: string | Entry): Readable
    }

    interface Diff {
      op: 'add' | 'change' | 'remove' | 'equal'
      key: string
      bytesAdded: number
      bytesRemoved: number
    }
  }

  class MirrorDrive implements AsyncIterable<MirrorDrive.Diff> {
    constructor(
      src: MirrorDrive.Source,
      dst: unknown,
      opts?: { prune?: boolean; prefix?: string | string[]; includeEquals?: boolean; ignore?: (key: string) => boolean }
    )
    readonly count: { files: number; add: number; remove: number; change: number };
    [Symbol.asyncIterator](): AsyncIterator<MirrorDrive.Diff>
    done(): Promise<void>
  }

  export = MirrorDrive
}
