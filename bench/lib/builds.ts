/**
 * A full index build of drives already written to a store, and its baseline: streaming the same
 * drives' `diff(0)`. Drives open their db core exclusively, so each measurement opens its own
 * sessions (and the caller closes them: the MultiDrive closes the drives it was given).
 */
import type Corestore from 'corestore'
import type Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../../src/index.js'
import { openDrives } from './fixtures.js'
import { once } from './measure.js'

/** Microseconds to stream `diff(0)` of drives `prefix0` … `prefix{n-1}`, one after the other. */
export async function timeDiffs(store: Corestore, n: number, prefix: string): Promise<number> {
  const drives = await openDrives(store, n, prefix)
  const us = await once(async () => {
    for (const drive of drives)
      for await (const _ of drive.diff(0)) {
      }
  })
  for (const drive of drives) await drive.close()
  return us
}

/** An index "directory" that stands for the default in-memory index (for a child process's argv). */
export const IN_MEMORY = ':memory:'

export interface Build {
  /** Microseconds from opening the MultiDrive until every `addDrive` resolved. */
  us: number
  /** The part of `us` after `ready()`: indexing alone, without opening the index (per record). */
  indexUs: number
  multi: MultiDrive
}

/**
 * Builds an index of open drives from scratch, the first as the primary: `ready()` then `addDrive`
 * of every drive at once. `index`: a directory, or `IN_MEMORY`. The caller closes `multi` (and with
 * it the drives).
 */
export async function timeBuild(drives: Hyperdrive[], index: string): Promise<Build> {
  const multi = new MultiDrive(drives[0] as Hyperdrive, index === IN_MEMORY ? {} : { index })
  const openUs = await once(() => multi.ready())
  const indexUs = await once(() => Promise.all(drives.map((d) => multi.addDrive(d))))
  return { us: openUs + indexUs, indexUs, multi }
}
