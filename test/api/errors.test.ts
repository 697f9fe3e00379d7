// Clear errors for the remaining surprises: a locked index directory, close() of what is not a file
// descriptor.
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MultiDrive, MultiDriveError } from '../../src/index.js'
import { rejects } from '../helpers/assert.js'
import { cleanup, localDrive, peer, tmp } from '../helpers/peers.js'

const test = suite('errors')
test.after.each(cleanup)

test('a second MultiDrive on an index directory in use is EBUSY, naming the directory', async () => {
  const a = await peer('a')
  const index = join(await tmp('index-'), 'index')
  const first = new MultiDrive(a.drive, { index })
  await first.writeFile('/a.txt', 'a')
  const second = new MultiDrive(await localDrive(a, 'other'), { index })
  let failure: unknown = null
  await second.ready().catch((err) => {
    failure = err
  })
  assert.instance(failure, MultiDriveError)
  assert.is((failure as MultiDriveError).code, 'EBUSY')
  assert.is((failure as MultiDriveError).path, index)
  // The first one is untouched (its drive was not closed by the second's failure).
  assert.is(await first.readFile('/a.txt', 'utf-8'), 'a')
  await first.close()
})

test('multi.close(x) with x not a file descriptor is EINVAL and closes nothing', async () => {
  const a = await peer('a')
  const multi = new MultiDrive(a.drive)
  await multi.writeFile('/a.txt', 'a')
  for (const x of ['1', 1.5, -1, null, {}]) await rejects(multi.close(x as unknown as number), 'EINVAL')
  assert.not.ok(multi.closed)
  await rejects(multi.close(12345), 'EBADF')
  const fd = await multi.open('/a.txt')
  await multi.close(fd)
  assert.is(await multi.readFile('/a.txt', 'utf-8'), 'a')
  await multi.close()
})

test.run()
