/**
 * `multidrive testnet`: a local DHT of three nodes on 127.0.0.1, in the foreground, so that
 * several `serve`s on one machine (or a LAN without internet) find each other offline. Prints the
 * `--bootstrap` value on stdout (alone on its line), then how to use it on stderr.
 */
import createTestnet from '@hyperswarm/testnet'
import { untilSignal } from './signals.js'
import { formatBootstrap } from './swarm.js'

export async function runTestnet({ port }: { port?: number }): Promise<void> {
  // Listening before anything is printed: whoever reads the value may signal at once.
  const stopped = untilSignal()
  const testnet = await createTestnet(3, { host: '127.0.0.1', ...(port !== undefined ? { port } : {}) })
  const bootstrap = formatBootstrap(testnet.bootstrap)
  console.log(bootstrap)
  console.error(
    `a DHT of 3 nodes on 127.0.0.1 is running. Start each peer with:\n` +
      `  multidrive serve --bootstrap ${bootstrap}\n` +
      `or export MULTIDRIVE_BOOTSTRAP=${bootstrap}. Ctrl-C stops it.`
  )
  await stopped
  await testnet.destroy()
}
