// Ambient declarations for localdrive 2: a folder on disk seen as a drive.
declare module 'localdrive' {
  class Localdrive {
    /** `atomic`: files are written to a temporary name and renamed into place. */
    constructor(root: string, opts?: { metadata?: unknown; followLinks?: boolean; atomic?: boolean })
    readonly root: string
    ready(): Promise<void>
    close(): Promise<void>
    put(key: string, data: Buffer | Uint8Array | string, opts?: { executable?: boolean }): Promise<void>
    get(key: string): Promise<Buffer | null>
    del(key: string): Promise<void>
    exists(key: string): Promise<boolean>
    entry(key: string): Promise<{ key: string; value: { executable: boolean; linkname: string | null } } | null>
    list(folder?: string): AsyncIterable<{ key: string }>
  }
  export = Localdrive
}
