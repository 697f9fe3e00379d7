/**
 * Where a command runs. A data dir is held by one process at a time (corestore locks it): when
 * a `serve` holds it, reads go through its HTTP API, and writes too if it runs `--writable`; any
 * other holder gets a one-line ELOCKED naming it. Otherwise the command opens the dir itself.
 */
import { CliError } from './cli-error.js'
import { type DataDir, heldBy, notInitialised } from './data-dir.js'
import type { DriveOperations } from './operations.js'
import { RemoteOperations } from './remote.js'
import type { Workspace } from './workspace.js'

/**
 * Runs `fn` with the data dir's operations. `write`: the command changes the drive (a fresh data
 * dir is initialised for it; a serve must accept writes).
 */
export async function withOperations<T>(
  dir: DataDir,
  opts: { command: string; write: boolean },
  fn: (ops: DriveOperations) => Promise<T>
): Promise<T> {
  const holder = await dir.holder()
  if (holder !== null) {
    if (holder.command !== 'serve' || holder.url === undefined) throw new CliError('ELOCKED', heldBy(dir, holder))
    if (opts.write && !holder.writable) {
      throw new CliError(
        'ELOCKED',
        `${heldBy(dir, holder)} at ${holder.url}, which does not accept writes: restart it with --writable, or stop it`
      )
    }
    return fn(new RemoteOperations(holder.url, opts.write ? await dir.existingToken() : null))
  }
  const { LocalOperations } = await import('./operations.js')
  return withWorkspace(dir, { command: opts.command, create: opts.write }, (workspace) =>
    fn(new LocalOperations(workspace))
  )
}

/** ELOCKED if a live process holds the data dir (checked before loading anything heavy). */
export async function assertFree(dir: DataDir): Promise<void> {
  const holder = await dir.holder()
  if (holder !== null) throw new CliError('ELOCKED', heldBy(dir, holder))
}

/**
 * Runs `fn` on the data dir opened in this process (ELOCKED if another process holds it). The
 * library loads here, only for commands that need it.
 */
export async function withWorkspace<T>(
  dir: DataDir,
  opts: { command: string; create: boolean },
  fn: (workspace: Workspace) => Promise<T>
): Promise<T> {
  await assertFree(dir)
  if (!opts.create && (await dir.readConfig()) === null) throw notInitialised(dir)
  const { Workspace } = await import('./workspace.js')
  const workspace = await Workspace.open(dir, opts)
  try {
    return await fn(workspace)
  } finally {
    await workspace.close()
  }
}
