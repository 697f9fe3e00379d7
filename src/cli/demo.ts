/**
 * `multidrive demo`: three peers, each with its own corestore in a temp dir, replicated in-process. They
 * write, overwrite and delete the same paths (one with a clock an hour behind, two concurrently
 * while disconnected), then every peer prints its merged tree: for each path the winning drive,
 * the candidates and whether it is a conflict. Every peer must print the same tree.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { MultiDrive } from '../index.js'

const NAMES = ['alice', 'bob', 'carol']
const HOUR = 3_600_000

/** A person: a corestore of their own, their writable drive, and replicas of the others'. */
interface Peer {
  name: string
  store: Corestore
  drive: Hyperdrive
}

async function createPeer(name: string, dir: string): Promise<Peer> {
  const store = new Corestore(dir)
  const drive = new Hyperdrive(store.namespace('own'))
  await drive.ready()
  return { name, store, drive }
}

/** Pipes two peers' corestores together (in-process replication); returns the disconnect. */
function replicate(a: Peer, b: Peer): () => void {
  const s1 = a.store.replicate(true)
  const s2 = b.store.replicate(false)
  s1.pipe(s2).pipe(s1)
  for (const s of [s1, s2]) s.on('error', () => {}) // a disconnect tears the streams down
  return () => {
    s1.destroy()
    s2.destroy()
  }
}

/** Waits until a replica has caught up with its origin's length. */
async function synced(replica: Hyperdrive, origin: Hyperdrive): Promise<void> {
  while (replica.core.length < origin.core.length) await replica.core.update({ wait: true })
}

interface Member {
  peer: Peer
  multi: MultiDrive
  /** This member's view of each member's drive (its own drive at its own index). */
  drives: Hyperdrive[]
}

function connectAll(peers: Peer[]): () => void {
  const stops: (() => void)[] = []
  for (let i = 0; i < peers.length; i++) {
    for (let j = i + 1; j < peers.length; j++) stops.push(replicate(peers[i] as Peer, peers[j] as Peer))
  }
  return () => {
    for (const stop of stops) stop()
  }
}

async function settle(members: Member[]): Promise<void> {
  for (const m of members) {
    for (const [j, drive] of m.drives.entries()) await synced(drive, (members[j] as Member).peer.drive)
  }
  for (const m of members) await m.multi.flush()
}

async function printTree(member: Member, paths: string[], nameOf: (key: string) => string): Promise<string> {
  const lines: string[] = []
  for (const path of paths) {
    const who = await member.multi.whoWins(path)
    const winner = who.winner
    const shown =
      winner === null
        ? 'no record'
        : winner.kind === 'tombstone'
          ? `deleted by ${nameOf(winner.drive)}`
          : `${nameOf(winner.drive)}: ${JSON.stringify(await member.multi.readFile(path, 'utf-8'))}`
    const candidates = who.candidates.map((c) => `${nameOf(c.drive)}@${c.seq}${c.kind === 'tombstone' ? '(del)' : ''}`)
    lines.push(
      `  ${path.padEnd(16)} ${shown.padEnd(42)} candidates [${candidates.join(', ')}]${who.conflict ? '  CONFLICT' : ''}`
    )
  }
  return lines.join('\n')
}

/** Runs the demo; resolves whether every peer printed the same tree. */
export async function runDemo(): Promise<boolean> {
  const root = await mkdtemp(join(tmpdir(), 'multidrive-demo-'))
  const clocks = [0, 0, -HOUR] // carol's clock is an hour behind
  const peers = await Promise.all(NAMES.map((name) => createPeer(name, join(root, name))))
  const members: Member[] = []
  for (const [i, peer] of peers.entries()) {
    const drives = peers.map((other, j) =>
      i === j ? peer.drive : new Hyperdrive(peer.store.session(), other.drive.key)
    )
    const skew = clocks[i] ?? 0
    const multi = new MultiDrive(peer.drive, { now: () => Date.now() + skew })
    for (const drive of drives) await multi.addDrive(drive)
    members.push({ peer, multi, drives })
  }
  const nameOf = (key: string) => NAMES[peers.findIndex((p) => p.drive.key.toString('hex') === key)] ?? key.slice(0, 8)
  const [alice, bob, carol] = members as [Member, Member, Member]

  let disconnect = connectAll(peers)
  console.log('1. alice, bob and carol write their own files')
  await alice.multi.writeFile('/notes/todo.md', 'buy milk')
  await bob.multi.writeFile('/readme.md', 'hello from bob')
  await carol.multi.writeFile('/notes/ideas.md', 'a multi-writer drive')
  await settle(members)

  console.log("2. carol (clock an hour behind) overwrites alice's todo after seeing it: causality wins")
  await carol.multi.writeFile('/notes/todo.md', 'buy oat milk')
  console.log("3. bob deletes carol's ideas: a tombstone in bob's drive")
  await bob.multi.del('/notes/ideas.md')
  await settle(members)

  console.log("4. offline: alice and bob both write /shared.txt; carol deletes bob's readme while alice edits it")
  disconnect()
  await alice.multi.writeFile('/shared.txt', 'alice was here')
  await bob.multi.writeFile('/shared.txt', 'bob was here')
  await alice.multi.writeFile('/readme.md', 'hello from bob, edited by alice')
  await carol.multi.del('/readme.md')

  console.log('5. everyone reconnects and syncs\n')
  disconnect = connectAll(peers)
  await settle(members)

  const paths = ['/notes/ideas.md', '/notes/todo.md', '/readme.md', '/shared.txt']
  const trees: string[] = []
  for (const m of members) {
    const tree = await printTree(m, paths, nameOf)
    trees.push(tree)
    console.log(`${m.peer.name}'s merged tree (${(await m.multi.readdir('/')).join(', ')}):\n${tree}\n`)
  }
  const same = trees.every((t) => t === trees[0])
  console.log(same ? 'All three peers agree.' : 'PEERS DISAGREE: this is a bug.')

  disconnect()
  for (const m of members) await m.multi.close()
  for (const p of peers) await p.store.close()
  await rm(root, { recursive: true, force: true })
  return same
}
