/**
 * `multidrive serve`: opens the data dir (creating the writer on first run), joins hyperswarm for
 * every merged drive, and serves the merged view over HTTP. SIGINT/SIGTERM: stop accepting, close
 * the swarm, close the MultiDrive, exit 0.
 */
import type { DataDir } from './data-dir.js'
import { createHttpServer } from './http.js'
import { LocalOperations } from './operations.js'
import { untilSignal } from './signals.js'
import { ChangeLog } from './sse.js'
import { type BootstrapNode, DriveSwarm, formatBootstrap } from './swarm.js'
import { Workspace } from './workspace.js'

/** How long an HTTP read waits for peers to send content this peer lacks. */
const FETCH_WAIT_MS = 10_000

export interface ServeOptions {
  host: string
  port: number
  swarm: boolean
  bootstrap?: BootstrapNode[]
  writable: boolean
}

export async function serve(dir: DataDir, opts: ServeOptions): Promise<void> {
  // Listening from the start: a signal during startup (or right after the URL is printed) still
  // ends in a clean shutdown.
  const stopped = untilSignal()
  // Serving starts while drives are still being indexed: GET /drives shows how far each is.
  const workspace = await Workspace.open(dir, { create: true, command: 'serve', background: true })
  const changes = new ChangeLog(workspace.multi.changes$)
  let network: DriveSwarm | null = null
  let app: Awaited<ReturnType<typeof createHttpServer>> | undefined
  let url: string
  const shutdown = async () => {
    await app?.close()
    await network?.destroy()
    changes.close()
    await workspace.close()
  }
  try {
    if (opts.swarm) {
      network = new DriveSwarm({
        store: workspace.store,
        multi: workspace.multi,
        seed: await dir.swarmSeed(),
        bootstrap: opts.bootstrap
      })
      network.start()
    }
    // multi.download() needs every drive that wins a path to be added.
    const swarm = network
    workspace.indexed.then(
      () => swarm?.downloadWinners(),
      () => {}
    )
    const token = opts.writable ? await dir.token() : null
    const fetchWaitMs = swarm ? FETCH_WAIT_MS : 0
    const ops = new LocalOperations(workspace, { fetchWaitMs, peersOf: (key) => swarm?.peersOf(key) ?? 0 })
    app = await createHttpServer({
      workspace,
      ops,
      changes,
      writable: opts.writable,
      token,
      fetchWaitMs,
      network: () => ({ swarm: swarm !== null, connections: swarm?.connections ?? 0 }),
      host: opts.host
    })
    url = await app.listen({ host: opts.host, port: opts.port })
    await dir.writeHolder({ command: 'serve', url, writable: opts.writable })
  } catch (err) {
    await shutdown().catch(() => {})
    throw err
  }

  const key = workspace.writerKey
  const lines = [
    `multidrive serving ${url}`,
    `writer: ${key}`,
    `data: ${dir.root}`,
    network
      ? `swarm: ${workspace.driveKeys.length} drive(s) on ${opts.bootstrap ? `bootstrap ${formatBootstrap(opts.bootstrap)}` : 'the public DHT'}`
      : 'swarm: off (--no-swarm)',
    opts.writable
      ? `writes: on, with Authorization: Bearer $(cat ${dir.tokenFile})`
      : 'writes: off (serve --writable turns them on)',
    'another machine joins with:',
    `  multidrive add ${key}        # there, then here: multidrive add <its writer key>`
  ]
  console.log(lines.join('\n'))

  await stopped
  await shutdown()
}
