// `multidrive mirror DIR` (src/cli/mirror.ts) in-process, on a MultiDrive with a symlink.
import { readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mirrorTo } from '../../src/cli/mirror.js'
import { MultiDrive } from '../../src/index.js'
import { cleanup, owned, peer, tmp } from '../helpers/peers.js'

const test = suite('mirror')
test.after.each(cleanup)

test('mirrorTo copies a symlink (it has no content of its own to be missing)', async () => {
  const p = await peer('p')
  const multi = owned(new MultiDrive(p.drive))
  await multi.writeFile('/a.txt', 'a')
  await multi.symlink('/link', 'a.txt')
  const out = await tmp('multidrive-mirror-')
  const result = await mirrorTo(multi, out)
  assert.equal(result.skipped, [])
  assert.is(result.add, 2)
  assert.is(await readlink(join(out, 'link')), 'a.txt')
  assert.is(await readFile(join(out, 'link'), 'utf-8'), 'a')
})

test.run()
