/**
 * File content: read straight from the winning drive's blobs by the blob id the index holds (no
 * entry lookup in the drive), as a buffer or a stream; whether it is local; downloads of winning
 * blobs only. Content that cannot be had (`wait: false`, a timeout, a closing) is EUNAVAILABLE, and
 * no read outlives the MultiDrive's close.
 */
import { Readable } from 'node:stream'
import type Hyperdrive from 'hyperdrive'
import type { BlobId } from '../events/types.js'
import { Download } from './download.js'
import { MultiDriveError, unavailable } from './errors.js'
import type { ByteRange, WaitOptions } from './method-options.js'
import { settleOrAbort, waitOptions } from './waiting.js'

type Blobs = NonNullable<Hyperdrive['blobs']>

/** Where content lives: a drive (hex key) and a blob id in its blobs core. */
export interface ContentRef {
  drive: string
  blob?: BlobId | null | undefined
}

async function blobsOf(drive: Hyperdrive): Promise<Blobs> {
  return drive.blobs ?? (await drive.getBlobs())
}

function hasBytes(blob: BlobId | null | undefined): blob is BlobId {
  return blob !== null && blob !== undefined && blob.byteLength > 0
}

/** The most bytes a block holds, generously: Hyperblobs writes 64 KiB blocks. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024

/**
 * Whether a blob id (from a remote entry: anything) is one a blobs core could hold: whole
 * non-negative numbers, at least one byte and at most a block's worth per block.
 */
function plausible(blob: BlobId): boolean {
  const { blockOffset, blockLength, byteOffset, byteLength } = blob
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0
  if (![blockOffset, blockLength, byteOffset, byteLength].every(whole)) return false
  if (blockLength > byteLength || byteLength > blockLength * MAX_BLOCK_BYTES) return false
  return Number.isSafeInteger(blockOffset + blockLength) && Number.isSafeInteger(byteOffset + byteLength)
}

export class Content {
  private readonly driveFor: (key: string) => Hyperdrive
  private readonly closing: AbortSignal

  /** `driveFor` finds an added drive by hex key (EUNKNOWNDRIVE otherwise); `closing` ends every wait. */
  constructor(driveFor: (key: string) => Hyperdrive, closing: AbortSignal) {
    this.driveFor = driveFor
    this.closing = closing
  }

  /** The bytes of a file's blob (empty for a record without content). */
  async read(ref: ContentRef, opts: WaitOptions = {}): Promise<Buffer> {
    const blob = ref.blob
    const wait = waitOptions(opts)
    if (!hasBytes(blob)) return Buffer.alloc(0)
    return this.guard(ref, async () => {
      const blobs = await this.blobsFor(ref, blob)
      const data = await blobs.get(blob, wait)
      if (data === null) throw MultiDriveError.EUNAVAILABLE(ref.drive, 'not local, and reads do not wait')
      return data
    })
  }

  /**
   * A stream of a file's bytes. `locate` finds the content when the stream starts (a stream is
   * returned at once; finding the record is asynchronous) and throws if there is none.
   */
  stream(locate: () => Promise<ContentRef>, opts: ByteRange & WaitOptions = {}): Readable {
    const { start, end, ...rest } = opts
    const wait = waitOptions(rest)
    const range = { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) }
    const content = this
    async function* bytes(): AsyncIterable<Buffer> {
      const ref = await locate()
      if (!hasBytes(ref.blob)) return
      const blob = ref.blob
      const blobs = await content.guard(ref, () => content.blobsFor(ref, blob))
      const source = blobs.createReadStream(blob, { ...range, ...wait })
      const abort = () => source.destroy(closedWhileWaiting(ref))
      content.closing.addEventListener('abort', abort, { once: true })
      try {
        if (content.closing.aborted) abort()
        for await (const chunk of source) yield chunk as Buffer
      } catch (err) {
        throw unavailable(ref.drive, err)
      } finally {
        content.closing.removeEventListener('abort', abort)
      }
    }
    return Readable.from(bytes(), { objectMode: false })
  }

  /** Whether every one of these blobs is stored locally. */
  async has(refs: AsyncIterable<ContentRef>): Promise<boolean> {
    for await (const ref of refs) {
      const blob = ref.blob
      if (!hasBytes(blob)) continue
      if (!plausible(blob)) return false
      const blobs = await blobsOf(this.driveFor(ref.drive))
      if (!(await blobs.core.has(blob.blockOffset, blob.blockOffset + blob.blockLength))) return false
    }
    return true
  }

  /** Fetches the blobs of these file records (no other blob of any drive is touched). */
  download(refs: () => AsyncIterable<ContentRef>): Download {
    return new Download(async (track) => {
      for await (const ref of refs()) {
        const blob = ref.blob
        if (!hasBytes(blob)) continue
        const blobs = await this.blobsFor(ref, blob)
        track(blobs.core.download({ start: blob.blockOffset, end: blob.blockOffset + blob.blockLength }))
      }
    }, this.closing)
  }

  /**
   * The blobs of `ref`'s drive, once its blob is known to lie where they can hold it: EUNAVAILABLE
   * for a pointer no blobs core could hold, or one past the end of the drive's blobs as the drive
   * itself (ours) or its peers (asked) know them. A replica without peers waits as any read does.
   */
  private async blobsFor(ref: ContentRef, blob: BlobId): Promise<Blobs> {
    if (!plausible(blob))
      throw MultiDriveError.EUNAVAILABLE(ref.drive, 'its entry holds a blob pointer no blobs core can hold')
    const blobs = await blobsOf(this.driveFor(ref.drive))
    const { core } = blobs
    const end = blob.blockOffset + blob.blockLength
    if (end > core.length && !core.writable && core.peers.length > 0) await core.update({ wait: true })
    if (end > core.length && (core.writable || core.peers.length > 0)) {
      throw MultiDriveError.EUNAVAILABLE(
        ref.drive,
        `its entry's blob ends at block ${end}, past its blobs (${core.length})`
      )
    }
    return blobs
  }

  /** Runs a read of `ref`'s content: EUNAVAILABLE if it fails for want of blocks or the MultiDrive closes. */
  private async guard<T>(ref: ContentRef, read: () => Promise<T>): Promise<T> {
    try {
      return await settleOrAbort(read(), this.closing, () => closedWhileWaiting(ref))
    } catch (err) {
      throw unavailable(ref.drive, err)
    }
  }
}

function closedWhileWaiting(ref: ContentRef): MultiDriveError {
  return MultiDriveError.EUNAVAILABLE(ref.drive, 'the MultiDrive closed while the read waited')
}
