/**
 * File descriptors (`open`/`read`/`write`/`close(fd)`) with `fs` semantics. A file's bytes are
 * buffered in memory and written back whole on close, so the merged view never shows a
 * half-written file. Knows nothing of drives or the index: a backend locates, loads and saves.
 */
import { Writable } from 'node:stream'
import type { DrivePath } from '../events/types.js'
import { MultiDriveError } from './errors.js'

/** The largest file multidrive writes (content is held in memory while it is written). */
export const MAX_FILE_BYTES = 2 ** 31 - 1

export interface FileBackend {
  /** The file a path names, symlinks followed: where it is, and whether a file or directory is there. */
  locate(path: DrivePath): { path: DrivePath; type: 'file' | 'dir' | 'missing' }
  /** Throws unless a file may be written at the path (EROFS, EISDIR, ENOTDIR). */
  assertWritable(path: DrivePath): void
  /** The file's bytes (empty if it does not exist). */
  load(path: DrivePath): Promise<Buffer>
  save(path: DrivePath, content: Buffer): Promise<void>
}

interface OpenFile {
  /** The file itself (symlinks resolved at open). */
  path: DrivePath
  readable: boolean
  writable: boolean
  append: boolean
  /** The file's bytes, loaded on first use; written back on close when dirty. */
  content: Buffer | null
  dirty: boolean
  /** Where reads and writes with `position: null` happen, as `fs`'s file position. */
  position: number
  /** Set while the file is being written back and closed. */
  closing: Promise<void> | null
}

const FLAGS = /^(r|w|a)(x)?(\+)?$/

/** Where in the buffer, how many bytes, and where in the file (null: the file position), as `fs.read`. */
export type BufferRange = [offset?: number, length?: number, position?: number | null]

/** A writable stream buffered in memory and saved whole when it finishes, as file descriptors are. */
export function bufferedWriteStream(save: (content: Buffer) => Promise<void>): Writable {
  const chunks: Buffer[] = []
  return new Writable({
    write(chunk: Buffer, _encoding, cb) {
      chunks.push(Buffer.from(chunk))
      cb()
    },
    final(cb) {
      save(Buffer.concat(chunks)).then(() => cb(), cb)
    }
  })
}

/** `fs.read`/`fs.write` arguments: a range inside the buffer, and a position inside a file that can exist. */
function checkRange(buffer: Buffer, offset: number, length: number, position: number | null): void {
  const index = (n: number) => Number.isSafeInteger(n) && n >= 0
  if (!Buffer.isBuffer(buffer)) throw MultiDriveError.EINVAL('buffer must be a Buffer')
  if (!index(offset) || !index(length) || offset + length > buffer.length) {
    throw MultiDriveError.EINVAL(`offset ${offset} and length ${length} are not inside the buffer`)
  }
  if (position !== null && (!index(position) || position > MAX_FILE_BYTES)) {
    throw MultiDriveError.EINVAL(`invalid position: ${position}`)
  }
}

export class FileTable {
  private readonly backend: FileBackend
  private readonly files = new Map<number, OpenFile>()
  private nextFd = 1
  private flushing: Promise<void> | null = null

  constructor(backend: FileBackend) {
    this.backend = backend
  }

  /** Opens a file with `fs.open` flags ('r', 'r+', 'w', 'w+', 'a', 'a+', with 'x' for exclusive). */
  open(path: DrivePath, flags = 'r'): number {
    if (this.flushing !== null) throw MultiDriveError.ECLOSED()
    const match = typeof flags === 'string' ? FLAGS.exec(flags.replace('s', '')) : null
    if (match === null) throw MultiDriveError.EINVAL(`invalid flags: ${String(flags)}`)
    const [, mode, exclusive, plus] = match
    const { path: p, type } = this.backend.locate(path)
    if (type === 'dir') throw MultiDriveError.EISDIR(p)
    if (mode === 'r' && type === 'missing') throw MultiDriveError.ENOENT(p)
    if (exclusive && type !== 'missing') throw MultiDriveError.EEXIST(p)
    const writable = mode !== 'r' || plus !== undefined
    if (writable) this.backend.assertWritable(p)
    const fd = this.nextFd++
    this.files.set(fd, {
      path: p,
      readable: mode === 'r' || plus !== undefined,
      writable,
      append: mode === 'a',
      content: mode === 'w' ? Buffer.alloc(0) : null,
      // 'w' truncates and 'a' creates: both leave a file behind even without a write.
      dirty: mode === 'w' || (mode === 'a' && type === 'missing'),
      position: 0,
      closing: null
    })
    return fd
  }

  /** Reads into `buffer` like `fs.read`; `position` null reads at the file position and advances it. */
  async read(
    fd: number,
    buffer: Buffer,
    offset = 0,
    length = buffer.length - offset,
    position: number | null = null
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    const file = this.fileFor(fd)
    if (!file.readable) throw MultiDriveError.EBADF(fd)
    checkRange(buffer, offset, length, position)
    const content = await this.contentOf(file)
    const from = position ?? file.position
    const bytesRead = Math.max(0, Math.min(length, content.length - from))
    content.copy(buffer, offset, from, from + bytesRead)
    if (position === null) file.position = from + bytesRead
    return { bytesRead, buffer }
  }

  /** Writes from `buffer` like `fs.write` (appends in 'a' mode); written back on `close(fd)`. */
  async write(
    fd: number,
    buffer: Buffer,
    offset = 0,
    length = buffer.length - offset,
    position: number | null = null
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    const file = this.fileFor(fd)
    if (!file.writable) throw MultiDriveError.EBADF(fd)
    checkRange(buffer, offset, length, position)
    const content = await this.contentOf(file)
    const at = file.append ? content.length : (position ?? file.position)
    const end = at + length
    if (end > MAX_FILE_BYTES) throw MultiDriveError.EINVAL(`files are at most ${MAX_FILE_BYTES} bytes`, file.path)
    const next = Buffer.alloc(Math.max(content.length, end))
    content.copy(next)
    buffer.copy(next, at, offset, offset + length)
    file.content = next
    file.dirty = true
    if (position === null) file.position = end
    return { bytesWritten: length, buffer }
  }

  /** Writes the file back if it was written to, then forgets the descriptor. */
  async close(fd: number): Promise<void> {
    const file = this.fileFor(fd)
    file.closing ??= this.writeBack(fd, file)
    await file.closing
  }

  /**
   * Closes every descriptor, writing back what was written, and refuses new ones: what `close()`
   * of the MultiDrive does first. Memoised: concurrent callers share one write-back.
   */
  flushAll(): Promise<void> {
    this.flushing ??= (async () => {
      const results = await Promise.allSettled([...this.files.keys()].map((fd) => this.close(fd)))
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw failed.reason
    })()
    return this.flushing
  }

  private fileFor(fd: number): OpenFile {
    const file = this.files.get(fd)
    if (file === undefined) throw MultiDriveError.EBADF(fd)
    return file
  }

  private async contentOf(file: OpenFile): Promise<Buffer> {
    file.content ??= await this.backend.load(file.path)
    return file.content
  }

  private async writeBack(fd: number, file: OpenFile): Promise<void> {
    try {
      if (file.dirty) await this.backend.save(file.path, await this.contentOf(file))
      this.files.delete(fd)
    } finally {
      // A failed write-back leaves the descriptor open, so closing it again retries.
      file.closing = null
    }
  }
}
