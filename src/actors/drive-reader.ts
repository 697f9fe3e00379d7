/**
 * Reads a drive's records from a checkpoint and hands them on in bounded batches, waiting for each
 * to be committed before reading on. Incremental (the log since the checkpoint) when the fork is
 * unchanged; a full rescan of the drive's current state otherwise.
 */

import type Hyperbee from 'hyperbee'
import type Hyperdrive from 'hyperdrive'
import { isRecordPath } from '../events/paths.js'
import { decodeKey, decodeRecord, RECORD_SUBS, SUB_ENCODERS, type Warn } from '../events/records.js'
import type { Checkpoint, DriveKey, DrivePath, DriveRecord, IndexEvent, RecordOp } from '../events/types.js'

export interface ReadOptions {
  drive: Hyperdrive
  key: DriveKey
  /** Where the index stands for this drive (null: never indexed). */
  from: Checkpoint | null
  /** Read up to this length (default: the drive's length now). */
  to?: number
  submit: (event: IndexEvent) => Promise<void>
  warn: Warn
  /** Records per batch: bounds memory whatever the drive's size. */
  batchSize?: number
  signal?: AbortSignal
  /** Counts every node read from the drive (diagnostics and tests). */
  onRead?: (nodes: number) => void
}

const DEFAULT_BATCH = 1024

function parseValue(raw: Buffer | null, warn: Warn, where: string): unknown {
  if (raw === null) return null
  try {
    return JSON.parse(raw.toString('utf-8'))
  } catch {
    warn(`${where} does not decode as JSON; treated as empty`)
    return null
  }
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Reads what the index lacks and returns the checkpoint reached. */
export async function readDrive(opts: ReadOptions): Promise<Checkpoint> {
  const { drive, from } = opts
  await drive.ready()
  const core = drive.core
  const length = opts.to ?? core.length
  const fork = core.fork
  if (from !== null && from.fork === fork && from.version <= length) {
    if (from.version === length) return from
    return readLog(opts, from.version, { version: length, fork })
  }
  return rescan(opts, { version: length, fork })
}

/** The log since `start`, in order: every put and del of a record sub. */
async function readLog(opts: ReadOptions, start: number, target: Checkpoint): Promise<Checkpoint> {
  const { key, warn, signal } = opts
  const batchSize = opts.batchSize ?? DEFAULT_BATCH
  const snapshot = opts.drive.db.checkout(target.version)
  let ops: RecordOp[] = []
  let read = 0
  try {
    const stream = snapshot.createHistoryStream<Buffer, Buffer | null>({
      gte: Math.max(1, start),
      lt: target.version,
      keyEncoding: 'binary',
      valueEncoding: 'binary'
    })
    for await (const node of stream) {
      read++
      if (aborted(signal)) break
      const at = decodeKey(node.key)
      if (at !== null && !isRecordPath(at.path)) {
        warn(`drive ${key} has a record at a path that is not normalised (${JSON.stringify(at.path)}); skipped`)
      } else if (at !== null) {
        if (node.type === 'del') ops.push({ op: 'del', sub: at.sub, path: at.path, seq: node.seq })
        else {
          const value = parseValue(node.value, warn, `drive ${key} seq ${node.seq}`)
          ops.push({ op: 'put', record: decodeRecord(key, at.sub, at.path, node.seq, value, warn) })
        }
      }
      if (ops.length >= batchSize) {
        opts.onRead?.(read)
        read = 0
        await opts.submit({
          type: 'records',
          drive: key,
          ops,
          checkpoint: { version: node.seq + 1, fork: target.fork }
        })
        ops = []
      }
    }
  } finally {
    await snapshot.close()
  }
  opts.onRead?.(read)
  if (aborted(signal)) throw new Error('aborted')
  await opts.submit({ type: 'records', drive: key, ops, checkpoint: target })
  return target
}

/** The drive's whole state at `target`, sub by sub, in path-ordered slices. */
async function rescan(opts: ReadOptions, target: Checkpoint): Promise<Checkpoint> {
  const { key, warn, signal } = opts
  const batchSize = opts.batchSize ?? DEFAULT_BATCH
  const fresh = opts.from === null
  const snapshot: Hyperbee = opts.drive.db.checkout(target.version)
  try {
    for (const [i, sub] of RECORD_SUBS.entries()) {
      const lastSub = i === RECORD_SUBS.length - 1
      let records: DriveRecord[] = []
      let after: DrivePath | null = null
      let read = 0
      const stream = snapshot.createReadStream<string, Buffer | null>(
        {},
        { keyEncoding: SUB_ENCODERS[sub], valueEncoding: 'binary' }
      )
      for await (const node of stream) {
        read++
        if (aborted(signal)) break
        if (!isRecordPath(node.key)) {
          warn(`drive ${key} has a record at a path that is not normalised (${JSON.stringify(node.key)}); skipped`)
          continue
        }
        const value = parseValue(node.value, warn, `drive ${key} seq ${node.seq}`)
        records.push(decodeRecord(key, sub, node.key, node.seq, value, warn))
        if (records.length >= batchSize) {
          const upTo = node.key
          opts.onRead?.(read)
          read = 0
          await opts.submit({ type: 'rescan', drive: key, sub, records, after, upTo, checkpoint: null, fresh })
          records = []
          after = upTo
        }
      }
      opts.onRead?.(read)
      if (aborted(signal)) throw new Error('aborted')
      const checkpoint = lastSub ? target : null
      await opts.submit({ type: 'rescan', drive: key, sub, records, after, upTo: null, checkpoint, fresh })
    }
  } finally {
    await snapshot.close()
  }
  return target
}
