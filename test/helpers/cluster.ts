/**
 * A cluster of peers: each has its own writable drive, replicas of every other peer's drive, and a
 * MultiDrive over them all (its own drive as primary and writer).
 */
import type Hyperdrive from 'hyperdrive'
import { MultiDrive, type MultiDriveOptions } from '../../src/index.js'
import { type Peer, peer, replicate, synced } from './peers.js'

export interface Member {
  peer: Peer
  multi: MultiDrive
  /** This member's replica of each member's drive (its own drive at its own index). */
  drives: Hyperdrive[]
}

export interface Cluster {
  members: Member[]
  /** Connects two members (all members when called without arguments); returns the disconnect. */
  connect(i?: number, j?: number): () => void
  /** Waits until every member's replicas match their origins, then flushes every MultiDrive. */
  settle(): Promise<void>
}

export async function cluster(
  n: number,
  options: (i: number) => MultiDriveOptions<Hyperdrive> = () => ({})
): Promise<Cluster> {
  const peers = await Promise.all(Array.from({ length: n }, (_, i) => peer(`p${i}`)))
  const members: Member[] = []
  for (const [i, p] of peers.entries()) {
    const drives = await Promise.all(peers.map((q, j) => (i === j ? p.drive : p.open(q.drive.key))))
    const multi = new MultiDrive(p.drive, options(i))
    await multi.ready()
    for (const d of drives) await multi.addDrive(d)
    members.push({ peer: p, multi, drives })
  }
  return {
    members,
    connect(i?: number, j?: number) {
      const pairs: [number, number][] = []
      if (i !== undefined && j !== undefined) pairs.push([i, j])
      else for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) pairs.push([a, b])
      const stops = pairs.map(([a, b]) => replicate(peers[a] as Peer, peers[b] as Peer))
      return () => {
        for (const stop of stops) stop()
      }
    },
    async settle() {
      for (const m of members) {
        for (const [j, d] of m.drives.entries()) await synced(d, (members[j] as Member).peer.drive)
      }
      for (const m of members) await m.multi.flush()
    }
  }
}
