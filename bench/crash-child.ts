/**
 * The process `bench/crash.ts` kills. Over on-disk drives and an on-disk index it: reopens and
 * catches up (recovery), runs verify(), checks that every write an earlier run saw resolve is
 * still there, then works until it is killed: plain Hyperdrive batches into two bulk drives (so
 * the index always has a backlog to fold) while writing files through the MultiDrive.
 *
 * Everything it reports goes to a journal file, one JSON line each, appended synchronously: a line
 * in the journal was written before the kill, so a write journalled as resolved did resolve.
 * `--final` stops after the checks (the last run, which nobody kills).
 *
 * argv: dir run [--final]
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import SubEncoder from 'sub-encoder'
import { MultiDrive, MultiDriveError } from '../src/index.js'

const [dir = '', runArg = '0'] = process.argv.slice(2)
const run = Number(runArg)
const final = process.argv.includes('--final')
const started = performance.now()

/** Files per plain batch into a bulk drive, and batches per run: a backlog for the index. */
const BULK_BATCH = 500
const BULK_BATCHES = 2
/** Bulk paths are overwritten in a pool of this size: logs grow, the merged view stays small. */
const BULK_POOL = 2000

export type JournalLine =
  | { type: 'recovered'; run: number; ms: number; caughtUp: number }
  | { type: 'verified'; run: number; ms: number; ok: boolean; differences: number; sample: string[] }
  | { type: 'checked'; run: number; expected: number; lost: string[] }
  | { type: 'write'; run: number; path: string; content: string }
  | { type: 'error'; run: number; message: string }

const journal = join(dir, 'journal.jsonl')
function report(line: JournalLine): void {
  appendFileSync(journal, `${JSON.stringify(line)}\n`)
}

async function main(): Promise<void> {
  const store = new Corestore(join(dir, 'store'))
  const writer = new Hyperdrive(store.namespace('writer'))
  const bulk = [new Hyperdrive(store.namespace('bulk0')), new Hyperdrive(store.namespace('bulk1'))]
  const multi = new MultiDrive(writer, { index: join(dir, 'index') })
  await multi.ready()
  for (const drive of bulk) await multi.addDrive(drive)
  await multi.flush()
  const caughtUp = Object.values(multi.stats).reduce((sum, s) => sum + s.nodesRead, 0)
  report({ type: 'recovered', run, ms: performance.now() - started, caughtUp })

  const verifyStart = performance.now()
  const verified = await multi.verify()
  report({
    type: 'verified',
    run,
    ms: performance.now() - verifyStart,
    ok: verified.ok,
    differences: verified.differences.length,
    sample: verified.differences.slice(0, 5).map((d) => d.path)
  })

  // Every write journalled as resolved by an earlier run, read back through the MultiDrive.
  const expected = readFileSync(journal, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalLine)
    .filter((line): line is Extract<JournalLine, { type: 'write' }> => line.type === 'write' && line.run < run)
  const lost: string[] = []
  for (const { path, content } of expected) {
    try {
      if ((await multi.readFile(path, 'utf-8')) !== content) lost.push(path)
    } catch (err) {
      if (!(err instanceof MultiDriveError) || err.code !== 'ENOENT') throw err
      lost.push(path)
    }
  }
  report({ type: 'checked', run, expected: expected.length, lost })

  if (final) {
    await multi.close()
    await store.close()
    return
  }
  // The parent picks the moment to kill from here on.
  process.stdout.write('working\n')
  await Promise.all([bulkWrites(bulk), multiWrites(multi)])
}

/** Hyperdrive's own key encoding of its `files` sub: entries written straight into `drive.db`. */
const FILES = new SubEncoder('files', 'utf-8')

/**
 * Plain entries into the bulk drives, a batch at a time, sharing one blob per run: appends land
 * faster than the index folds them, so a kill often finds the index behind.
 */
async function bulkWrites(drives: Hyperdrive[]): Promise<void> {
  for (let b = 0; b < BULK_BATCHES; b++) {
    const drive = drives[b % drives.length] as Hyperdrive
    const blob = await (await drive.getBlobs()).put(Buffer.from(`run ${run} batch ${b}`))
    const batch = drive.batch()
    for (let i = 0; i < BULK_BATCH; i++) {
      const k = (run * BULK_BATCHES * BULK_BATCH + b * BULK_BATCH + i) % BULK_POOL
      await batch.db.put(
        `/bulk/${k}`,
        { executable: false, linkname: null, blob, metadata: null },
        { keyEncoding: FILES }
      )
    }
    await batch.flush()
  }
}

/** Writes through the MultiDrive until killed, journalling each once it resolved. */
async function multiWrites(multi: MultiDrive): Promise<never> {
  for (let i = 0; ; i++) {
    const path = `/w/${run}/${i}`
    const content = `run ${run} write ${i}`
    await multi.writeFile(path, content)
    report({ type: 'write', run, path, content })
  }
}

main().catch((err) => {
  report({ type: 'error', run, message: String((err as Error)?.stack ?? err) })
  console.error(err)
  process.exit(1)
})
