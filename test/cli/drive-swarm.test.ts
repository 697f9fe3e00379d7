// serve's network (DriveSwarm) in-process: two peers' corestores and MultiDrives on a loopback
// hyperswarm testnet.

import { randomBytes } from 'node:crypto'
import createTestnet from '@hyperswarm/testnet'
import { firstValueFrom } from 'rxjs'
import { filter } from 'rxjs/operators'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DriveSwarm, parseBootstrap } from '../../src/cli/swarm.js'
import { MultiDrive } from '../../src/index.js'
import { cleanup, owned, peer } from '../helpers/peers.js'

const test = suite('DriveSwarm')

test.after.each(cleanup)

test('on a loopback testnet peers connect directly: no holepunch, so none refused for later', async () => {
  // HyperDHT allows one "random" holepunch per 20 s: a DHT node that assumed a firewall on
  // loopback refused the dials of a restarted serve (TRY_LATER) until its next refresh after that.
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const bootstrap = parseBootstrap(testnet.bootstrap.map((n) => `${n.host}:${n.port}`).join(','))
  const [a, b] = await Promise.all([peer('a'), peer('b')])
  await a.drive.put('/from-a.txt', Buffer.from('hello from a'))
  const ma = owned(new MultiDrive(a.drive))
  const mb = owned(new MultiDrive(b.drive))
  await Promise.all([ma.addDrive(await a.open(b.drive.key)), mb.addDrive(await b.open(a.drive.key))])
  const swarms = [
    new DriveSwarm({ store: a.store, multi: ma, seed: randomBytes(32), bootstrap }),
    new DriveSwarm({ store: b.store, multi: mb, seed: randomBytes(32), bootstrap })
  ]
  try {
    const arrived = firstValueFrom(mb.changes$.pipe(filter((c) => c.path === '/from-a.txt')))
    for (const swarm of swarms) swarm.start()
    await arrived
    assert.is(await mb.readFile('/from-a.txt', 'utf-8'), 'hello from a')
    for (const { swarm } of swarms) {
      const { consistent, random, tryLater, open } = swarm.dht.stats.punches
      assert.equal({ consistent, random, tryLater }, { consistent: 0, random: 0, tryLater: 0 })
      assert.ok(open > 0, 'a direct connection')
    }
  } finally {
    await Promise.all(swarms.map((s) => s.destroy()))
    await testnet.destroy()
  }
})

test.run()
