/** Test peers: in-process peers (./network.ts) in temp dirs removed by `cleanup()`. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Hyperdrive from 'hyperdrive'
import { createPeer, type Peer } from './network.js'

export { type Peer, replicate, synced } from './network.js'

const cleanups: (() => Promise<void>)[] = []

export async function tmp(prefix = 'multidrive-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A peer in a fresh temp dir (or in `dir`, to reopen one). */
export async function peer(name: string, dir?: string): Promise<Peer> {
  const p = await createPeer(name, dir ?? (await tmp(`multidrive-${name}-`)))
  cleanups.push(() => p.close())
  return p
}

/** Closes `resource` with the test's cleanup (before what was made ahead of it, such as its peers). */
export function owned<T extends { close(): Promise<unknown> }>(resource: T): T {
  cleanups.push(async () => {
    await resource.close()
  })
  return resource
}

/** A drive's key as the index names it (lowercase hex). */
export function keyOf(drive: { key: Buffer }): string {
  return drive.key.toString('hex')
}

/** Another writable drive in a peer's store. */
export async function localDrive(p: Peer, name: string): Promise<Hyperdrive> {
  const drive = new Hyperdrive(p.store.namespace(name))
  await drive.ready()
  return drive
}

/** `n` small files `${prefix}/0000`... written straight to a drive, in one append. */
export async function fill(drive: Hyperdrive, n: number, prefix = '/f'): Promise<void> {
  const batch = drive.batch()
  for (let i = 0; i < n; i++) await batch.put(`${prefix}/${String(i).padStart(4, '0')}`, Buffer.from(`v${i}`))
  await batch.flush()
}

/** Closes every peer and removes every temp dir made so far, newest first. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {})
}
