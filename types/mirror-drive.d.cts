// Ambient declarations for mirror-drive 1: only what multidrive uses.
declare module 'mirror-drive' {
  class MirrorDrive implements AsyncIterable<MirrorDrive.Diff> {
    constructor(src: object, dst: object, opts?: MirrorDrive.Options)
    readonly count: { files: number; add: number; remove: number; change: number }
    readonly bytesRemoved: number
    readonly bytesAdded: number
    done(): Promise<void>
    [Symbol.asyncIterator](): AsyncIterator<MirrorDrive.Diff>
  }

  namespace MirrorDrive {
    interface Diff {
      op: 'add' | 'change' | 'remove' | 'equal'
      key: string
      bytesRemoved: number
      bytesAdded: number
    }

    interface Options {
      prefix?: string | string[]
      prune?: boolean
      dryRun?: boolean
      ignore?: string | string[] | ((key: string) => boolean)
      filter?: (key: string) => boolean
      includeEquals?: boolean
      [option: string]: unknown
    }
  }

  export = MirrorDrive
}
