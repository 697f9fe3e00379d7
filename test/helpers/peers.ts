/** Test peers: the in-process peers of src/cli, in temp dirs removed by `cleanup()`. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPeer, type Peer } from '../../src/cli/peers.js'

export { type Peer, replicate, synced } from '../../src/cli/peers.js'

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

/** Closes every peer and removes every temp dir made so far, newest first. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {})
}
