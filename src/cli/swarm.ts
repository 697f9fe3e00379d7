/**
 * `serve`'s network: hyperswarm on the discovery key of every merged drive (drives added later
 * too), the corestore replicated over every connection, and the winning blobs downloaded as they
 * change, so this peer keeps a live copy of the merged view and serves it when others are gone.
 *
 * Facts of these machines: hyperswarm connects offline only when every DHT node, the swarm's
 * included, binds to loopback; and two peers that join a topic at the same moment miss each
 * other's announce until one refreshes. So the DHT binds 127.0.0.1 when every bootstrap node is on
 * loopback, and a topic whose drive has no peer refreshes its discovery with backoff.
 *
 * On such a loopback DHT the node is also told it is not firewalled (nothing on 127.0.0.1 is).
 * Left to assume a firewall, a server answers a dial with a holepunch that HyperDHT rate-limits
 * to one "random" punch per 20 s: the dialer's stream opens, the server aborts with TRY_LATER and
 * never sees it. Measured: a serve restarted after a crash reached the others at its next refresh
 * after the limit, up to 15 s later in 30 runs (past 30 s once, in CI); with `firewalled: false`,
 * in ~60 ms, 12 of 12 runs.
 */
import HyperDHT from 'hyperdht'
import type Hyperdrive from 'hyperdrive'
import Hyperswarm from 'hyperswarm'
import type { Subscription } from 'rxjs'
import type { MultiDrive } from '../index.js'
import { CliError } from './cli-error.js'
import { isLoopback } from './names.js'

export interface BootstrapNode {
  host: string
  port: number
}

const REFRESH_MIN_MS = 500
const REFRESH_MAX_MS = 30_000
/** How long shutdown may take to unannounce (an unreachable DHT would make it ~10 s). */
const LEAVE_TIMEOUT_MS = 2_000

/** `HOST:PORT[,HOST:PORT...]` (as `multidrive testnet` prints it); EUSAGE if malformed. */
export function parseBootstrap(value: string): BootstrapNode[] {
  const nodes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(item)
      const port = Number(match?.[2])
      if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new CliError('EUSAGE', `--bootstrap: '${item}' is not HOST:PORT`)
      }
      return { host: match[1], port }
    })
  if (nodes.length === 0) throw new CliError('EUSAGE', '--bootstrap: no HOST:PORT given')
  return nodes
}

export function formatBootstrap(nodes: BootstrapNode[]): string {
  return nodes.map((n) => `${n.host}:${n.port}`).join(',')
}

/** One merged drive's topic: joined, and refreshed with backoff while the drive has no peer. */
class DriveTopic {
  private readonly drive: Hyperdrive
  private readonly discovery: Hyperswarm.PeerDiscoverySession
  private delay = REFRESH_MIN_MS
  private timer: NodeJS.Timeout | null = null
  private readonly onPeerRemove = () => {
    if (this.drive.core.peers.length > 0) return
    this.delay = REFRESH_MIN_MS
    this.schedule()
  }

  constructor(swarm: Hyperswarm, drive: Hyperdrive) {
    this.drive = drive
    this.discovery = swarm.join(drive.discoveryKey, { server: true, client: true })
    drive.core.on('peer-remove', this.onPeerRemove)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== null) return
    this.timer = setTimeout(() => this.tick(), this.delay)
  }

  private tick(): void {
    this.timer = null
    if (this.drive.core.peers.length > 0) {
      this.delay = REFRESH_MIN_MS
      return
    }
    this.discovery.refresh().catch(() => {})
    this.delay = Math.min(REFRESH_MAX_MS, this.delay * 2)
    this.schedule()
  }

  async destroy(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.drive.core.off('peer-remove', this.onPeerRemove)
    await this.discovery.destroy().catch(() => {})
  }
}

export class DriveSwarm {
  readonly swarm: Hyperswarm
  private readonly multi: MultiDrive<Hyperdrive>
  private readonly topics = new Map<string, DriveTopic>()
  private readonly disposers: (() => void)[] = []

  constructor(opts: {
    store: { replicate(stream: Hyperswarm.Connection): unknown }
    multi: MultiDrive<Hyperdrive>
    /** This peer's identity on the swarm (the same across restarts). */
    seed: Buffer
    bootstrap?: BootstrapNode[]
  }) {
    const { bootstrap } = opts
    const local = bootstrap?.every((n) => isLoopback(n.host)) === true
    this.swarm = new Hyperswarm({
      seed: opts.seed,
      dht: new HyperDHT({
        ...(bootstrap ? { bootstrap } : {}),
        ...(local ? { host: '127.0.0.1', firewalled: false } : {})
      })
    })
    this.multi = opts.multi
    this.swarm.on('connection', (conn) => {
      // A peer that vanishes errors its stream: replication just ends.
      conn.on('error', () => {})
      opts.store.replicate(conn)
    })
  }

  /** Joins every merged drive's topic, follows drives added and removed later, and downloads changes. */
  start(): void {
    const multi = this.multi
    for (const drive of multi.drives) this.join(drive)
    const onAdd = (drive: Hyperdrive) => this.join(drive)
    const onRemove = (drive: Hyperdrive) => this.leave(drive)
    multi.on('drive-add', onAdd)
    multi.on('drive-remove', onRemove)
    this.disposers.push(() => {
      multi.off('drive-add', onAdd)
      multi.off('drive-remove', onRemove)
    })
    const subscription: Subscription = multi.changes$.subscribe({
      next: (change) => {
        if (change.after !== null && change.after.drive !== multi.writer?.key.toString('hex')) {
          this.download(change.path)
        }
      },
      error: () => {}
    })
    this.disposers.push(() => subscription.unsubscribe())
  }

  /** Fetches every winning file not stored here yet (once the drives are added). */
  downloadWinners(): void {
    this.download('/')
  }

  /** Live connections to other peers. */
  get connections(): number {
    return this.swarm.connections.size
  }

  /** Peers connected for one drive. */
  peersOf(key: string): number {
    return this.multi.hasDrive(key)?.core.peers.length ?? 0
  }

  /** Fetches the winning blobs under a path; waits for peers as long as it takes, ends on close. */
  private download(path: string): void {
    // Fire and forget: a download nobody awaits is handled by the library (it never fails the process).
    this.multi.download(path)
  }

  private join(drive: Hyperdrive): void {
    const key = drive.key.toString('hex')
    if (this.topics.has(key) || this.swarm.destroyed) return
    this.topics.set(key, new DriveTopic(this.swarm, drive))
  }

  private leave(drive: Hyperdrive): void {
    const key = drive.key.toString('hex')
    this.topics.get(key)?.destroy()
    this.topics.delete(key)
  }

  /**
   * Leaves every topic and closes the swarm, unannouncing politely for a bounded time; past it,
   * the DHT node is destroyed outright (announcements expire by themselves).
   */
  async destroy(): Promise<void> {
    for (const dispose of this.disposers.splice(0)) dispose()
    const graceful = (async () => {
      await Promise.all([...this.topics.values()].map((t) => t.destroy()))
      await this.swarm.destroy()
    })()
    this.topics.clear()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), LEAVE_TIMEOUT_MS)
    })
    const timedOut = await Promise.race([graceful.then(() => false), late])
    clearTimeout(timer)
    if (timedOut) {
      graceful.catch(() => {})
      await this.swarm.dht.destroy({ force: true })
    }
  }
}
