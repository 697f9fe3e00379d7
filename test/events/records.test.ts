// The on-drive record format, and its decoder of untrusted data: whatever a remote drive holds
// decodes to a record or to nothing, never to an exception.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  decodeKey,
  decodeRecord,
  MAX_METADATA_BYTES,
  parseStamp,
  STAMP_KEY,
  SUB_ENCODERS,
  stampMetadata
} from '../../src/events/records.js'
import type { DriveKey, DrivePath } from '../../src/events/types.js'

const test = suite('records')

const A = 'a'.repeat(64) as DriveKey
const B = 'b'.repeat(64)
const PATH = '/x' as DrivePath

function raw(sub: keyof typeof SUB_ENCODERS, key: Buffer): Buffer {
  return Buffer.concat([SUB_ENCODERS[sub].prefix as Buffer, key])
}

test('parseStamp(value) accepts { t, clock } of hex keys and safe seqs', () => {
  assert.equal(parseStamp({ t: 5, clock: { [B]: 3 } }), { t: 5, clock: { [B]: 3 } })
  assert.equal(parseStamp({ t: 0, clock: {}, extra: 'ignored' }), { t: 0, clock: {} })
})

test('parseStamp(value) refuses malformed stamps', () => {
  const bad: unknown[] = [
    null,
    undefined,
    42,
    'stamp',
    [],
    { clock: {} },
    { t: -1, clock: {} },
    { t: Number.NaN, clock: {} },
    { t: Number.POSITIVE_INFINITY, clock: {} },
    { t: '5', clock: {} },
    { t: 5 },
    { t: 5, clock: null },
    { t: 5, clock: [1, 2] },
    { t: 5, clock: { [B]: -1 } },
    { t: 5, clock: { [B]: 1.5 } },
    { t: 5, clock: { [B]: 2 ** 53 } },
    { t: 5, clock: { [B]: '3' } },
    { t: 5, clock: { 'not-a-key': 3 } },
    { t: 5, clock: { [B.toUpperCase()]: 3 } },
    { t: 5, clock: { [B.slice(1)]: 3 } }
  ]
  for (const value of bad) assert.is(parseStamp(value), null, JSON.stringify(value) ?? String(value))
})

test('decodeKey(raw) splits a drive.db key into its sub and path', () => {
  assert.equal(decodeKey(raw('files', Buffer.from('/a/b'))), { sub: 'files', path: '/a/b' })
  assert.equal(decodeKey(raw('tombstones', Buffer.from('/日本'))), { sub: 'tombstones', path: '/日本' })
  assert.equal(decodeKey(raw('dirs', Buffer.from('/d'))), { sub: 'dirs', path: '/d' })
})

test('decodeKey(raw) is null for keys of no record sub, and no path for bytes that are not UTF-8', () => {
  assert.is(decodeKey(Buffer.from('other/a')), null)
  assert.is(decodeKey(SUB_ENCODERS.files.prefix as Buffer), null, 'a bare prefix is no record')
  const notUtf8 = decodeKey(raw('files', Buffer.from([0x2f, 0xff])))
  assert.is(notUtf8?.sub, 'files')
  assert.ok(notUtf8?.path.includes('\0'), 'a non-UTF-8 key must not decode to a path (U+FFFD would collide)')
})

test('decodeRecord(files) reads a stamped entry and hides the stamp from the metadata', () => {
  const warnings: string[] = []
  const blob = { byteOffset: 0, blockOffset: 0, blockLength: 1, byteLength: 3 }
  const value = { executable: true, linkname: null, blob, metadata: stampMetadata({ lang: 'en' }, { t: 9, clock: {} }) }
  const record = decodeRecord(A, 'files', PATH, 4, value, (m) => warnings.push(m))
  assert.equal(record, {
    drive: A,
    sub: 'files',
    path: PATH,
    seq: 4,
    kind: 'file',
    stamp: { t: 9, clock: {} },
    executable: true,
    linkname: null,
    blob,
    metadata: { lang: 'en' }
  })
  assert.equal(warnings, [])
})

test('decodeRecord(files) of plain-Hyperdrive and garbage values: an unstamped record, a warning for a bad stamp', () => {
  const warnings: string[] = []
  const warn = (m: string) => warnings.push(m)
  const plain = decodeRecord(A, 'files', PATH, 1, { executable: false, linkname: null, blob: null, metadata: 7 }, warn)
  assert.equal(plain.stamp, { t: 0, clock: {} })
  assert.is(plain.metadata, 7, 'a plain writer may store any metadata')
  assert.equal(warnings, [])

  for (const value of [null, 'text', 42, [], { blob: { byteOffset: 'x' } }, { linkname: 5, executable: 'yes' }]) {
    const record = decodeRecord(A, 'files', PATH, 2, value, warn)
    assert.is(record.kind, 'file')
    assert.is(record.blob, null)
    assert.is(record.executable, false)
    assert.is(record.linkname, null)
  }
  assert.equal(warnings, [], 'values without a stamp are unstamped, not malformed')

  const forged = decodeRecord(A, 'files', PATH, 3, { metadata: { [STAMP_KEY]: { t: 'soon' } } }, warn)
  assert.equal(forged.stamp, { t: 0, clock: {} })
  assert.is(warnings.length, 1)
})

test('decodeRecord(tombstones | dirs) reads the stamp value; garbage becomes unstamped with a warning', () => {
  const warnings: string[] = []
  const warn = (m: string) => warnings.push(m)
  const tombstone = decodeRecord(A, 'tombstones', PATH, 5, { t: 3, clock: { [B]: 1 } }, warn)
  assert.is(tombstone.kind, 'tombstone')
  assert.equal(tombstone.stamp, { t: 3, clock: { [B]: 1 } })
  const dir = decodeRecord(A, 'dirs', PATH, 6, { t: 4, clock: {} }, warn)
  assert.is(dir.kind, 'dir')
  assert.equal(warnings, [])
  for (const value of [null, 'x', { t: -5, clock: {} }, { blob: {} }]) {
    assert.equal(decodeRecord(A, 'tombstones', PATH, 7, value, warn).stamp, { t: 0, clock: {} })
  }
  assert.is(warnings.length, 4)
})

test('decodeRecord(files) drops metadata over MAX_METADATA_BYTES (with a warning), keeping the stamp and content', () => {
  const warnings: string[] = []
  const big = { blob: 'x'.repeat(MAX_METADATA_BYTES) }
  const value = { executable: false, linkname: null, blob: null, metadata: stampMetadata(big, { t: 3, clock: {} }) }
  const bytes = Buffer.byteLength(JSON.stringify(value))
  const record = decodeRecord(A, 'files', PATH, 1, value, (m) => warnings.push(m), bytes)
  assert.is(record.metadata, null)
  assert.equal(record.stamp, { t: 3, clock: {} })
  assert.is(warnings.length, 1)
  const small = decodeRecord(A, 'files', PATH, 1, { metadata: { ok: true } }, () => {}, 30)
  assert.equal(small.metadata, { ok: true })
})

test.run()
