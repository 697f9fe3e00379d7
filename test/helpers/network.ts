/**
 * In-process peers for the tests: each peer has its own corestore in a directory and
 * its own writable drive; peers replicate by piping their corestores together.
 */
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'

export interface Peer {
  name: string
  dir: string
  store: Corestore
  /** This peer's own writable drive (in its own namespace, so closing it leaves the store open). */
  drive: Hyperdrive
  /** Opens (a replica of) another drive in this peer's store. */
  open(key: Buffer): Promise<Hyperdrive>
  close(): Promise<void>
}

export async function createPeer(name: string, dir: string): Promise<Peer> {
  const store = new Corestore(dir)
  const drive = new Hyperdrive(store.namespace('own'))
  await drive.ready()
  return {
    name,
    dir,
    store,
    drive,
    async open(key: Buffer) {
      const replica = new Hyperdrive(store.session(), key)
      await replica.ready()
      return replica
    },
    close: () => store.close()
  }
}

/** Pipes two peers' corestores together; returns the disconnect. */
export function replicate(a: Peer, b: Peer): () => void {
  const s1 = a.store.replicate(true)
  const s2 = b.store.replicate(false)
  s1.pipe(s2).pipe(s1)
  // A stream torn down by the disconnect errors; that is the point of it.
  const ignore = () => {}
  s1.on('error', ignore)
  s2.on('error', ignore)
  return () => {
    s1.destroy()
    s2.destroy()
  }
}

/** Waits (on events, never a timer) until a replica has everything its origin has. */
export function synced(replica: Hyperdrive, origin: Hyperdrive): Promise<void> {
  const core = replica.core
  const done = () => core.length >= origin.core.length && core.fork === origin.core.fork
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done()) return
      core.off('append', check)
      core.off('truncate', check)
      resolve()
    }
    core.on('append', check)
    core.on('truncate', check)
    // Ask peers for their length too, in case no upgrade is on its way.
    core.update({ wait: true }).then(check, reject)
    check()
  })
}
