/** Assertions the suites share: error codes, settling, collecting async iterables and folders. */
import * as assert from 'uvu/assert'
import { type MultiDrive, MultiDriveError, type MultiDriveErrorCode } from '../../src/index.js'

/** Rejects with a MultiDriveError of that code (the code is the contract, never the message). */
export async function rejects(promise: PromiseLike<unknown>, code: MultiDriveErrorCode): Promise<void> {
  let failure: unknown = null
  try {
    await promise
  } catch (err) {
    failure = err
  }
  isFailure(failure, code)
}

/** Throws (at once) a MultiDriveError of that code. */
export function throws(fn: () => unknown, code: MultiDriveErrorCode): void {
  let failure: unknown = null
  try {
    fn()
  } catch (err) {
    failure = err
  }
  isFailure(failure, code)
}

function isFailure(failure: unknown, code: MultiDriveErrorCode): void {
  if (failure === null) assert.unreachable(`expected a MultiDriveError ${code}`)
  assert.instance(failure, MultiDriveError, `expected a MultiDriveError ${code}, got ${String(failure)}`)
  assert.is((failure as MultiDriveError).code, code)
}

/** Whether a promise has settled once every pending I/O callback and microtask has run (no timer). */
export async function settles(promise: Promise<unknown>, turns = 20): Promise<boolean> {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    }
  )
  for (let i = 0; i < turns && !settled; i++) await new Promise((resolve) => setImmediate(resolve))
  return settled
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Every folder of the merged view from the root down, each with its names, as `readdir` and `stat` show them. */
export async function folders(multi: MultiDrive): Promise<[string, string[]][]> {
  const out: [string, string[]][] = []
  const walk = async (dir: string) => {
    const names = await multi.readdir(dir)
    out.push([dir, names])
    for (const name of names) {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`
      if ((await multi.stat(path)).isDirectory()) await walk(path)
    }
  }
  await walk('/')
  return out
}
