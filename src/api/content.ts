/**
 * File content: read straight from the winning drive's blobs by the blob id the index holds (no
 * entry lookup in the drive), as a buffer or a stream, and downloads of winning blobs only.
 */
import { Readable } from 'node:stream'
import type Hyperdrive from 'hyperdrive'
import type { StoredRecord } from '../index-store/schema.js'
import { MultiDriveError } from './errors.js'

type Blobs = NonNullable<Hyperdrive['blobs']>

/** Inclusive byte offsets, as `createReadStream`'s. */
export interface ByteRange {
  start?: number
  end?: number
}

async function blobsOf(drive: Hyperdrive): Promise<Blobs> {
  return drive.blobs ?? (await drive.getBlobs())
}

export class Content {
  private readonly driveFor: (key: string) => Hyperdrive

  /** `driveFor` finds an added drive by hex key (EUNKNOWNDRIVE otherwise). */
  constructor(driveFor: (key: string) => Hyperdrive) {
    this.driveFor = driveFor
  }

  /** A file record's bytes (empty for a record without content). */
  async read(record: StoredRecord): Promise<Buffer> {
    const blob = record.blob
    if (!blob || blob.byteLength === 0) return Buffer.alloc(0)
    const blobs = await blobsOf(this.driveFor(record.drive))
    const data = await blobs.get(blob)
    if (data === null) throw MultiDriveError.contentUnavailable(record.drive, record.seq)
    return data
  }

  /**
   * A stream of a file's bytes. `locate` finds the record when the stream starts (a stream is
   * returned at once; finding the record is asynchronous) and throws if there is none.
   */
  stream(locate: () => Promise<StoredRecord>, range: ByteRange = {}): Readable {
    const driveFor = this.driveFor
    async function* bytes(): AsyncIterable<Buffer> {
      const record = await locate()
      const blob = record.blob
      if (!blob || blob.byteLength === 0) return
      const blobs = await blobsOf(driveFor(record.drive))
      yield* blobs.createReadStream(blob, range)
    }
    return Readable.from(bytes(), { objectMode: false })
  }

  /** Fetches the blobs of the given file records (others' blobs are not touched). */
  async download(records: AsyncIterable<StoredRecord>): Promise<void> {
    const downloads: Promise<void>[] = []
    const fetch = async (record: StoredRecord) => {
      const blob = record.blob
      if (!blob || blob.blockLength === 0) return
      const blobs = await blobsOf(this.driveFor(record.drive))
      await blobs.core.download({ start: blob.blockOffset, end: blob.blockOffset + blob.blockLength }).done()
    }
    for await (const record of records) {
      const download = fetch(record)
      // Handled now: a failure while the index is still being walked must not go unhandled.
      download.catch(() => {})
      downloads.push(download)
    }
    await Promise.all(downloads)
  }
}
