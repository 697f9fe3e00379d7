// Ambient declarations for localdrive 2: a folder on disk seen as a drive.
declare module 'localdrive' {
  class Localdrive {
    /** `atomic`: files are written to a temporary name and renamed into place. */
    constructor(root: string, opts?: { atomic?: boolean; followLinks?: boolean })
    readonly root: string
    ready(): Promise<void>
    close(): Promise<void>
  }

  export = Localdrive
}
