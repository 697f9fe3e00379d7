/**
 * Reads a drive's records from a checkpoint and hands them on in bounded batches, waiting for each
 * to be committed before reading on. The log since the checkpoint (from the start for a drive
 * never indexed) when the fork is unchanged; a full rescan of the drive's current state otherwise.
 */
import type Hyperbee from 'hyperbee'
import { Node as BeeNode } from 'hyperbee/lib/messages.js'
import type Hyperdrive from 'hyperdrive'
import { depthOf } from '../events/paths.js'
import { decodeNode, RECORD_SUBS, SUB_ENCODERS, type Warn } from '../events/records.js'
import type { Checkpoint, DriveKey, DrivePath, DriveRecord, IndexEvent, RecordOp } from '../events/types.js'

export interface ReadOptions {
  drive: Hyperdrive
  key: DriveKey
  /** Where the index stands for this drive (null: never indexed). */
  from: Checkpoint | null
  /** Read up to this length (default: the drive's length now). */
  to?: number
  /** A mounted drive's mount point: its paths show under it. */
  prefix?: DrivePath | null
  submit: (event: IndexEvent) => Promise<void>
  warn: Warn
  /** Records per batch: bounds memory whatever the drive's size. */
  batchSize?: number
  /** Stops the read, cancelling block requests still waiting for a peer. */
  signal?: AbortSignal
  /**
   * Hyperbee caches up to 65,536 tree nodes per view, and a rescan walks the tree through one:
   * whoever runs several readers passes one lock so that rescans (rare: after a truncation) run one
   * at a time and memory stays bounded.
   */
  rescanLock?: () => Promise<() => void>
  /**
   * Runs the reading and committing of each batch. The indexer folds one batch at a time anyway;
   * whoever runs several readers passes one gate that lets only a few of them hold a batch at
   * once, so that memory stays flat however many drives catch up together.
   */
  gate?: <T>(fn: () => Promise<T>) => Promise<T>
  /**
   * Wait for missing blocks however long it takes, instead of reporting `no-peers` (or failing
   * after a timeout): for a one-off full read, such as verify's.
   */
  patient?: boolean
  /** Counts every node read from the drive (diagnostics and tests). */
  onRead?: (nodes: number) => void
}

/**
 * Records per batch: small enough that a batch's fold stays short and its garbage leaves V8's old
 * space small (peak RSS indexing 250k records: 290 MB at 256, 322 MB at 1024), large enough that
 * per-commit costs stay amortised.
 */
const DEFAULT_BATCH = 256
/** A batch is also handed on once its values add up to this many bytes (remote values can be big). */
const MAX_BATCH_BYTES = 8 * 1024 * 1024
/**
 * ... or once its paths add up to this many components: each ancestor of a record's path is folded
 * with it, so deep paths make a batch's (synchronous) fold long. This keeps every fold short.
 */
const MAX_BATCH_DEPTH = 8192
/**
 * How long a block may take to arrive from peers before the read fails and the actor retries with
 * fresh requests (replication can stall around a truncation; a retry recovers).
 */
const FETCH_TIMEOUT = 5_000
/** Log blocks fetched at once: enough to overlap storage (or network) latency, few enough to stay small. */
const WINDOW = 64

class Aborted extends Error {
  constructor() {
    super('drive read aborted')
  }
}

class Truncated extends Error {
  constructor() {
    super('the drive was truncated')
  }
}

class NoPeers extends Error {
  constructor() {
    super('blocks are missing and no peer is connected')
  }
}

/** A block of the log that is not a Hyperbee node: nothing after it can be read (the log is append-only). */
class BadBlock extends Error {
  readonly seq: number

  constructor(seq: number, cause: unknown, message = `block ${seq} is not a Hyperbee node`) {
    super(message, { cause })
    this.seq = seq
  }
}

/**
 * Whether an error of Hyperbee's tree walk says the tree itself is broken (a truncation inside a
 * batch leaves a root without its index; a remote drive may hold any bytes), as opposed to a
 * block that is late or a session that closed: retrying cannot mend it.
 */
function brokenTree(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof TypeError || err instanceof RangeError || code === 'DECODING_ERROR'
}

/**
 * Runs `read` on a session of the drive that is closed when the signal aborts or the drive
 * truncates (a new fork: blocks of the old one may never come), so that waiting reads end. A read
 * cut short by a truncation resolves `false` without having reached its target: the truncation
 * also woke the actor, which reads again (and rescans).
 */
async function withSession<S extends { close(): Promise<void> }>(
  opts: ReadOptions,
  session: S,
  read: (session: S) => Promise<void>
): Promise<ReadOutcome> {
  const { signal } = opts
  const core = opts.drive.core
  let truncated = false
  const abort = () => {
    session.close().catch(() => {})
  }
  const ontruncate = () => {
    truncated = true
    abort()
  }
  signal?.addEventListener('abort', abort, { once: true })
  core.on('truncate', ontruncate)
  try {
    if (signal?.aborted) throw new Aborted()
    await read(session)
    return truncated ? 'truncated' : 'complete'
  } catch (err) {
    if (signal?.aborted) throw new Aborted()
    if (truncated || err instanceof Truncated) return 'truncated'
    if (err instanceof NoPeers) return 'no-peers'
    if (err instanceof BadBlock) return { stuck: { seq: err.seq, reason: err.message } }
    throw err
  } finally {
    signal?.removeEventListener('abort', abort)
    core.off('truncate', ontruncate)
    await session.close()
  }
}

/** Waits for the lock unless the signal aborts first. */
async function acquire(lock: () => Promise<() => void>, signal: AbortSignal | undefined): Promise<() => void> {
  const pending = lock()
  if (!signal) return pending
  const release = await Promise.race([
    pending,
    new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }))
  ])
  if (release !== null) return release
  pending.then((r) => r())
  throw new Aborted()
}

/**
 * How a read ended: the index has the drive up to its length (`complete`); a truncation cut it
 * short (`truncated`: the truncation also woke the actor, which reads again); a replica lacks
 * blocks and has no peer to fetch them from (`no-peers`: the actor waits for one); or a block
 * is not a Hyperbee node (`stuck`: everything before it is indexed, nothing after it can be).
 */
export type ReadOutcome = 'complete' | 'truncated' | 'no-peers' | { stuck: { seq: number; reason: string } }

/** Reads what the index lacks, in bounded batches, each committed before the next is read. */
export async function readDrive(opts: ReadOptions): Promise<ReadOutcome> {
  const { drive, from } = opts
  await drive.ready()
  const core = drive.core
  const length = opts.to ?? core.length
  const fork = core.fork
  if (from === null) return readLog(opts, 1, { version: length, fork })
  if (from.fork === fork && from.version <= length) {
    if (from.version === length) return 'complete'
    return readLog(opts, from.version, { version: length, fork })
  }
  const release = opts.rescanLock ? await acquire(opts.rescanLock, opts.signal) : () => {}
  try {
    return await rescan(opts, { version: length, fork })
  } finally {
    release()
  }
}

/** Collects record ops or records into batches bounded by count and bytes. */
class Batcher<T> {
  items: T[] = []
  private bytes = 0
  private depth = 0
  private readonly max: number

  constructor(max: number) {
    this.max = max
  }

  /** Adds an item; true once the batch is full (by count, bytes, or path depth). */
  add(item: T, bytes: number, path: DrivePath): boolean {
    this.items.push(item)
    this.bytes += bytes
    this.depth += depthOf(path)
    return this.items.length >= this.max || this.bytes >= MAX_BATCH_BYTES || this.depth >= MAX_BATCH_DEPTH
  }

  take(): T[] {
    const items = this.items
    this.items = []
    this.bytes = 0
    this.depth = 0
    return items
  }
}

/**
 * The log from `start`, in order: every put and del of a record sub. Blocks are read straight from
 * the core (a window at a time, decoded as Hyperbee nodes; a node without a value is a deletion),
 * so nothing is cached on the way: memory stays flat however long the log.
 */
async function readLog(opts: ReadOptions, start: number, target: Checkpoint): Promise<ReadOutcome> {
  const { key } = opts
  const gate = opts.gate ?? ((fn) => fn())
  const batchSize = opts.batchSize ?? DEFAULT_BATCH
  const batch = new Batcher<RecordOp>(batchSize)
  return withSession(opts, opts.drive.core.snapshot(), async (core) => {
    await core.ready()
    // Truncated since the target was taken: the truncation woke the actor, which reads again.
    if (core.fork !== target.fork) throw new Truncated()
    let next = Math.max(1, start)
    do {
      const end = Math.min(target.version, next + batchSize)
      // Blocks a replica lacks are fetched before taking the gate: waiting for a peer never holds it.
      if (next < end && !(await core.has(next, end))) {
        if (core.peers.length === 0 && !opts.patient) throw new NoPeers()
        const seqs = Array.from({ length: end - next }, (_, i) => next + i)
        const timeout = opts.patient ? 0 : FETCH_TIMEOUT
        await Promise.all(seqs.map((seq) => core.get(seq, { timeout })))
      }
      await gate(async () => {
        let read = 0
        for (let first = next; first < end; first += WINDOW) {
          const last = Math.min(end, first + WINDOW)
          const seqs = Array.from({ length: last - first }, (_, i) => first + i)
          const blocks = await Promise.all(seqs.map((seq) => core.get(seq)))
          let full = false
          for (const [i, block] of blocks.entries()) {
            const seq = first + i
            if (block === null) throw new Error(`drive ${key}: block ${seq} is not available`)
            let node: { key: Buffer; value: Buffer | null }
            try {
              node = BeeNode.decode(block)
            } catch (err) {
              // Everything before the bad block is handed on; the drive is stuck at it.
              await opts.submit({
                type: 'records',
                drive: key,
                ops: batch.take(),
                checkpoint: { version: seq, fork: target.fork }
              })
              throw new BadBlock(seq, err)
            }
            const op = decodeNode(key, seq, node.key, node.value, opts.warn, opts.prefix)
            if (op === null) continue
            const path = op.op === 'put' ? op.record.path : op.path
            if (batch.add(op, node.key.length + (node.value?.length ?? 0), path)) full = true
          }
          read += seqs.length
          // Big values fill a batch by bytes before its count: hand it on early.
          if (full && last < end) {
            opts.onRead?.(read)
            read = 0
            await opts.submit({
              type: 'records',
              drive: key,
              ops: batch.take(),
              checkpoint: { version: last, fork: target.fork }
            })
          }
        }
        opts.onRead?.(read)
        const checkpoint = end >= target.version ? target : { version: end, fork: target.fork }
        await opts.submit({ type: 'records', drive: key, ops: batch.take(), checkpoint })
      })
      next = end
    } while (next < target.version)
  })
}

/** The drive's whole state at `target`, sub by sub, in path-ordered slices (after a new fork). */
async function rescan(opts: ReadOptions, target: Checkpoint): Promise<ReadOutcome> {
  return withSession(opts, opts.drive.db.checkout(target.version), async (snapshot: Hyperbee) => {
    try {
      await rescanSubs(opts, target, snapshot)
    } catch (err) {
      if (!brokenTree(err)) throw err
      // Stuck at the version whose tree cannot be read: a truncation lets it read again.
      throw new BadBlock(target.version - 1, err, `the drive's tree at length ${target.version} cannot be read`)
    }
  })
}

/** Every record of every sub at `target`, in path-ordered slices (the last one carries the checkpoint). */
async function rescanSubs(opts: ReadOptions, target: Checkpoint, snapshot: Hyperbee): Promise<void> {
  const { key, warn } = opts
  for (const [i, sub] of RECORD_SUBS.entries()) {
    const checkpoint = i === RECORD_SUBS.length - 1 ? target : null
    const batch = new Batcher<DriveRecord>(opts.batchSize ?? DEFAULT_BATCH)
    let after: DrivePath | null = null
    let read = 0
    // Raw keys, decoded like the log's: both must agree on which keys are paths.
    const range = SUB_ENCODERS[sub].encodeRange({})
    for await (const node of snapshot.createReadStream<Buffer, Buffer | null>(range, {
      keyEncoding: 'binary',
      valueEncoding: 'binary',
      timeout: opts.patient ? 0 : FETCH_TIMEOUT
    })) {
      read++
      const op = decodeNode(key, node.seq, node.key, node.value, warn, opts.prefix)
      if (op === null || op.op === 'del') continue
      const record = op.record
      if (batch.add(record, node.key.length + (node.value?.length ?? 0), record.path)) {
        opts.onRead?.(read)
        read = 0
        const upTo = record.path
        await opts.submit({ type: 'rescan', drive: key, sub, records: batch.take(), after, upTo, checkpoint: null })
        after = upTo
      }
    }
    opts.onRead?.(read)
    await opts.submit({ type: 'rescan', drive: key, sub, records: batch.take(), after, upTo: null, checkpoint })
  }
}
