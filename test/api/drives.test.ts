// The drive set: adding and removing drives (also while other work is under way), and which
// drive writes.
import type Hyperdrive from 'hyperdrive'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type MergedChange, MultiDrive } from '../../src/index.js'
import { settles } from '../helpers/assert.js'
import { cleanup, fill, keyOf, localDrive, peer } from '../helpers/peers.js'

const test = suite('drives')
test.after.each(cleanup)

test('flush() while a lagging drive is removed: flush settles', async () => {
  const a = await peer('a')
  const other = await localDrive(a, 'other')
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  await multi.addDrive(other)
  // Both start the moment the drive grows, before its actor has read the new block.
  const started = new Promise<{ flushing: Promise<void>; removing: Promise<boolean> }>((resolve) => {
    other.core.once('append', () => resolve({ flushing: multi.flush(), removing: multi.removeDrive(other.key) }))
  })
  await other.put('/late', Buffer.from('late'))
  const { flushing, removing } = await started
  assert.ok(await removing)
  assert.ok(await settles(flushing), 'flush() waits forever for a removed drive')
  await multi.close()
})

test('addDrive(d) while removeDrive(d) is midway: d ends up added AND indexed', async () => {
  const a = await peer('a')
  const other = await localDrive(a, 'other')
  await fill(other, 600)
  const multi = new MultiDrive(a.drive)
  await multi.ready()
  await multi.addDrive(other)
  assert.is((await multi.readdir('/f')).length, 600)
  let adding: Promise<void> | null = null
  const sub = multi.changes$.subscribe((change: MergedChange) => {
    if (adding === null && change.type === 'del') adding = multi.addDrive(other)
  })
  assert.ok(await multi.removeDrive(other.key))
  sub.unsubscribe()
  assert.ok(adding !== null)
  await adding
  assert.ok(multi.hasDrive(other.key))
  assert.is(multi.version[keyOf(other)], other.core.length, 'the added drive has no checkpoint')
  assert.is((await multi.readdir('/f')).length, 600, 'the added drive lost its files')
  await multi.close()
})

test('removing the writer, then the fallback writer, leaves no writer (not the removed one)', async () => {
  const a = await peer('a')
  const w = await localDrive(a, 'w')
  const multi = new MultiDrive(a.drive, { writer: w })
  await multi.ready()
  assert.is(multi.writer, w)
  await multi.removeDrive(w.key)
  assert.is(multi.writer, a.drive)
  await multi.removeDrive(a.drive.key)
  assert.is(multi.hasDrive(w.key), undefined)
  assert.ok(multi.writer === null, 'the writer is a drive that was removed')
  assert.is(multi.writable, false)
  await multi.close()
  await w.close()
})

test('multi.writer follows one rule whatever the order of adds and removes', async () => {
  // With { writer: w } and w removed: "add x, remove primary" and "remove primary, add x" leave the
  // same drive set, so they must elect the same writer.
  const outcomes: string[] = []
  for (const order of ['add x, remove primary', 'remove primary, add x']) {
    const a = await peer('a')
    const w = await localDrive(a, 'w')
    const x = await localDrive(a, 'x')
    const multi = new MultiDrive(a.drive, { writer: w })
    await multi.ready()
    await multi.removeDrive(w.key)
    if (order === 'add x, remove primary') {
      await multi.addDrive(x)
      await multi.removeDrive(a.drive.key)
    } else {
      await multi.removeDrive(a.drive.key)
      await multi.addDrive(x)
    }
    const names = new Map<Hyperdrive | null, string>([
      [x, 'x'],
      [w, 'w'],
      [a.drive, 'primary'],
      [null, 'none']
    ])
    outcomes.push(names.get(multi.writer) ?? 'another drive')
    // w is added again: the explicit writer wins over every other writable drive.
    await multi.addDrive(w)
    assert.is(multi.writer, w)
    await multi.close()
  }
  assert.equal(outcomes, ['x', 'x'])
})

test.run()
