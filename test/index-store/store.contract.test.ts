/**
 * The IndexStore contract, run against every backend (the shape of automerge-repo's
 * `runStorageAdapterTests(setup)`): `contract(name, setup)` registers one uvu suite per backend, and
 * `durability` / `ownership` / `userDatabase` add the tests only some backends can answer.
 *
 * "Sorted" is byte order of the UTF-8 keys (LevelDB's and Hyperbee's order), which differs from
 * JavaScript's UTF-16 order for astral characters: '/😀' sorts after '/ｚ' (U+FF5A).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { suite, type Test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Checkpoint, DriveKey, DrivePath, RecordKind, RecordSub } from '../../src/events/types.js'
import {
  childKey,
  type IndexMeta,
  type IndexPart,
  type IndexWrite,
  SCHEMA_VERSION,
  type StoredRecord,
  type WinnerState
} from '../../src/index-store/schema.js'
import { createIndexStore, type IndexStore, LevelIndexStore } from '../../src/index-store/store.js'

const A = 'a'.repeat(64) as DriveKey
const B = 'b'.repeat(64) as DriveKey

// Fixtures -------------------------------------------------------------------------------------

type UserDb = MemoryLevel<string, string> | ClassicLevel<string, string>

interface Fixture {
  /** The current store, open. */
  readonly store: IndexStore
  /** Closes the current store (and a user's database too, when the backend restarts it). */
  shutdown(): Promise<void>
  /** Makes the next store in the same place, not opened yet; it becomes the current store. */
  next(): IndexStore
  /** Whether the data outlives a store, so the next store reads it. */
  readonly durable: boolean
  /** The user's own database the store was handed (null: the store owns its database). */
  readonly userDb: UserDb | null
  teardown(): Promise<void>
}

type Setup = () => Promise<Fixture>

interface Context {
  fixture: Fixture | null
}

function fixtureOf(ctx: Context): Fixture {
  if (ctx.fixture === null) throw new Error('no fixture: setup did not run')
  return ctx.fixture
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'multidrive-store-'))
}

/** A store that owns its database; `make` makes the next one in the same place. */
async function owned(make: () => IndexStore, cleanup: () => Promise<void>, durable: boolean): Promise<Fixture> {
  let current = make()
  await current.open()
  return {
    get store() {
      return current
    },
    async shutdown() {
      await current.close()
    },
    next() {
      current = make()
      return current
    },
    durable,
    userDb: null,
    async teardown() {
      await current.close()
      await cleanup()
    }
  }
}

/** The user's keys, put before the store is made: some collide with the parts' names on purpose. */
async function fillUserDb(db: UserDb): Promise<void> {
  await db.put('/a', 'user value at /a')
  await db.put('meta', 'user meta')
  await db.put('zzz', 'user value after the prefix')
  await db.sublevel('w').put('/a', JSON.stringify({ user: true }))
  await db.sublevel('c').put(childKey('/', 'a'), '')
  await db.sublevel('x').put('/a/b', '')
  await db.sublevel('m').put('meta', JSON.stringify({ schema: 99, resolver: 'user' }))
  await db.sublevel('p').put(A, JSON.stringify({ version: 1, fork: 0 }))
  await db.sublevel('r').put('/a', '[]')
}

/**
 * A store over a database the user made, filled and closes themselves. `reopenDb` says whether the
 * next store comes with the database closed and made again (a restart), or shares the open one.
 */
async function shared(
  makeDb: () => UserDb,
  makeStore: (db: UserDb) => IndexStore,
  cleanup: () => Promise<void>,
  reopenDb: boolean
): Promise<Fixture> {
  let db = makeDb()
  await db.open()
  await fillUserDb(db)
  let current = makeStore(db)
  await current.open()
  return {
    get store() {
      return current
    },
    async shutdown() {
      await current.close()
      if (reopenDb) await db.close()
    },
    next() {
      if (reopenDb) db = makeDb()
      current = makeStore(db)
      return current
    },
    durable: true,
    get userDb() {
      return db
    },
    async teardown() {
      await current.close()
      await db.close()
      await cleanup()
    }
  }
}

const memoryLevel: Setup = () =>
  owned(
    () => new LevelIndexStore(new MemoryLevel(), { owned: true }),
    async () => {},
    false
  )

const classicLevel: Setup = async () => {
  const dir = await tempDir()
  return owned(
    () => new LevelIndexStore(new ClassicLevel(dir), { owned: true }),
    () => rm(dir, { recursive: true, force: true }),
    true
  )
}

const createdInMemory: Setup = () =>
  owned(
    () => createIndexStore(),
    async () => {},
    false
  )

const createdAtPath: Setup = async () => {
  const dir = await tempDir()
  return owned(
    () => createIndexStore(dir),
    () => rm(dir, { recursive: true, force: true }),
    true
  )
}

const userMemoryLevel: Setup = () =>
  shared(
    () => new MemoryLevel<string, string>(),
    (db) => new LevelIndexStore(db, { owned: false }),
    async () => {},
    false
  )

const userClassicLevel: Setup = async () => {
  const dir = await tempDir()
  return shared(
    () => new ClassicLevel<string, string>(dir),
    (db) => createIndexStore(db),
    () => rm(dir, { recursive: true, force: true }),
    true
  )
}

// Data -----------------------------------------------------------------------------------------

const PARTS: IndexPart[] = [
  'records',
  'candidates',
  'heads',
  'seen',
  'summaries',
  'winners',
  'children',
  'conflicts',
  'checkpoints',
  'meta'
]
const META: IndexMeta = { schema: SCHEMA_VERSION, resolver: 'causal' }

function p(path: string): DrivePath {
  return path as DrivePath
}

function rec(drive: DriveKey, seq: number, kind: RecordKind = 'file', metadata: unknown = null): StoredRecord {
  const sub: RecordSub = kind === 'tombstone' ? 'tombstones' : kind === 'dir' ? 'dirs' : 'files'
  return {
    drive,
    sub,
    seq,
    kind,
    stamp: { t: seq, clock: {} },
    blob: kind === 'file' ? { byteOffset: 0, blockOffset: 0, blockLength: 1, byteLength: 3 } : null,
    metadata
  }
}

/** A winner state that names its path, so a value read back shows which key it came from. */
function stateOf(path: string, n = 0, hc = false): WinnerState {
  return { winner: rec(A, 1, 'file', { path }), liveChildren: n, headConflict: hc }
}

/** A record that names its path, so a value read back shows which key it came from. */
function recordOf(path: string): StoredRecord {
  return rec(B, 2, 'tombstone', { path })
}

const putWinner = (path: string, value: WinnerState = stateOf(path)): IndexWrite => ({
  part: 'winners',
  key: path,
  value
})
const putRecord = (path: string, value: StoredRecord = recordOf(path)): IndexWrite => ({
  part: 'records',
  key: path,
  value
})
const putChild = (dir: string, name: string): IndexWrite => ({ part: 'children', key: childKey(dir, name), value: '' })
const putConflict = (path: string): IndexWrite => ({ part: 'conflicts', key: path, value: '' })
const putCheckpoint = (drive: DriveKey, value: Checkpoint): IndexWrite => ({ part: 'checkpoints', key: drive, value })
const putMeta = (value: IndexMeta = META): IndexWrite => ({ part: 'meta', key: 'meta', value })
const del = (part: IndexPart, key: string): IndexWrite => ({ part, key, value: null })

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

async function keysOf<T>(items: AsyncIterable<[string, T]>): Promise<string[]> {
  return (await collect(items)).map(([key]) => key)
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  let error: unknown = null
  try {
    await promise
  } catch (err) {
    error = err
  }
  assert.ok(error !== null, 'expected a rejection')
  return error
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
}

/** Paths whose neighbours sort around '/' ('-' and '.' before it, '0' after it), and unicode. */
const TREE = [
  '/',
  '/a',
  '/a-b',
  '/a.txt',
  '/a/-x',
  '/a/.hidden',
  '/a/0',
  '/a/b',
  '/a/b.txt',
  '/a/b/c',
  '/a/ｚ',
  '/a/😀',
  '/a0',
  '/ab',
  '/ab/c',
  '/b',
  '/é',
  '/é/ü',
  '/日本/語',
  '/ｚ',
  '/😀'
]

/** Every path of TREE but the root, in byte order. */
const TREE_UNDER_ROOT = [
  '/a',
  '/a-b',
  '/a.txt',
  '/a/-x',
  '/a/.hidden',
  '/a/0',
  '/a/b',
  '/a/b.txt',
  '/a/b/c',
  '/a/ｚ',
  '/a/😀',
  '/a0',
  '/ab',
  '/ab/c',
  '/b',
  '/é',
  '/é/ü',
  '/日本/語',
  '/ｚ',
  '/😀'
]

const TREE_UNDER_A = ['/a/-x', '/a/.hidden', '/a/0', '/a/b', '/a/b.txt', '/a/b/c', '/a/ｚ', '/a/😀']

/** The same writes, shuffled the same way every run: the store sorts, not the order of writes. */
function scrambled<T>(items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7 + 3) % (i + 1)
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  return out
}

/** One of every part, and the user-visible reads that show it. */
function everyPart(): IndexWrite[] {
  const candidate = { sub: 'files' as const, seq: 1, kind: 'file' as const, t: 1, clock: {} }
  return [
    putRecord('/a/b'),
    { part: 'candidates', key: `/a/b\0${A}`, value: { ...candidate, dominatedBy: 0 } },
    { part: 'heads', key: `/a/b\0${A}`, value: { ...candidate, drive: A } },
    { part: 'seen', key: `/a/b\0${B}\u00002`, value: 1 },
    {
      part: 'summaries',
      key: '/a/b',
      value: { candidates: 1, heads: 1, best: { ...candidate, drive: A }, bestDir: null }
    },
    putWinner('/a'),
    putWinner('/a/b'),
    putChild('/', 'a'),
    putChild('/a', 'b'),
    putConflict('/a/b'),
    putCheckpoint(A, { version: 3, fork: 0 }),
    putCheckpoint(B, { version: 7, fork: 1 }),
    putMeta()
  ]
}

// The contract ---------------------------------------------------------------------------------

function contract(name: string, setup: Setup): Test<Context> {
  const test = suite<Context>(name, { fixture: null })
  test.before.each(async (ctx) => {
    ctx.fixture = await setup()
  })
  test.after.each(async (ctx) => {
    const fixture = ctx.fixture
    ctx.fixture = null
    await fixture?.teardown()
  })

  test('store.close() then store.open() reopens the same store; close and open twice are harmless', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/a')])
    await store.close()
    await store.close()
    await store.open()
    await store.open()
    assert.equal(await store.get('winners', [p('/a')]), [stateOf('/a')])
    assert.equal(store.winner(p('/a')), stateOf('/a'))
  })

  test('store.winner(path) reads synchronously as soon as store.open() resolves', async (ctx) => {
    const fixture = fixtureOf(ctx)
    await fixture.store.commit([putWinner('/a')])
    await fixture.shutdown()
    const store = fixture.next()
    await store.open()
    assert.equal(store.winner(p('/a')), fixture.durable ? stateOf('/a') : null)
    assert.is(store.winner(p('/missing')), null)
  })

  test('store.readMeta() is null on a fresh store', async (ctx) => {
    const { store } = fixtureOf(ctx)
    assert.is(await store.readMeta(), null)
  })

  test('store.readMeta() returns the meta after store.commit(writes), null after its delete', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putMeta()])
    assert.equal(await store.readMeta(), META)
    await store.commit([putMeta({ schema: SCHEMA_VERSION + 1, resolver: 'wall-clock' })])
    assert.equal(await store.readMeta(), { schema: SCHEMA_VERSION + 1, resolver: 'wall-clock' })
    await store.commit([del('meta', 'meta')])
    assert.is(await store.readMeta(), null)
  })

  test('store.commit(writes) applies puts and deletes across parts in one batch', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/old'), putChild('/', 'old'), putConflict('/old'), putRecord('/old')])
    await store.commit([
      del('winners', '/old'),
      del('children', childKey('/', 'old')),
      del('conflicts', '/old'),
      del('records', '/old'),
      ...everyPart()
    ])
    assert.is(store.winner(p('/old')), null)
    assert.equal(await store.get('records', [p('/old')]), [undefined])
    assert.equal(
      (await store.get('conflicts', [p('/old')])).map((v) => v !== undefined),
      [false]
    )
    assert.equal(await collect(store.children(p('/'))), ['a'])
    assert.equal(store.winner(p('/a')), stateOf('/a'))
    assert.equal(store.winner(p('/a/b')), stateOf('/a/b'))
    assert.equal(await store.get('records', [p('/a/b')]), [recordOf('/a/b')])
    assert.equal(await collect(store.children(p('/a'))), ['b'])
    assert.equal(
      (await store.get('conflicts', [p('/a/b')])).map((v) => v !== undefined),
      [true]
    )
    assert.equal([...(await store.readCheckpoints())].sort(), [
      [A, { version: 3, fork: 0 }],
      [B, { version: 7, fork: 1 }]
    ])
    assert.equal(await store.readMeta(), META)
  })

  test('store.commit(writes) is atomic: a batch with a value that cannot be stored writes nothing', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/kept')])
    // JSON cannot encode a BigInt: the last write of the batch fails, so none of it may land.
    const unstorable: WinnerState = { winner: rec(A, 1, 'file', { size: 1n }), liveChildren: 0, headConflict: false }
    await rejection(
      store.commit([
        del('winners', '/kept'),
        putRecord('/new'),
        putChild('/', 'new'),
        putCheckpoint(A, { version: 9, fork: 0 }),
        putMeta(),
        putWinner('/new', unstorable)
      ])
    )
    assert.equal(store.winner(p('/kept')), stateOf('/kept'))
    assert.is(store.winner(p('/new')), null)
    assert.equal(await store.get('records', [p('/new')]), [undefined])
    assert.equal(await collect(store.children(p('/'))), [])
    assert.is((await store.readCheckpoints()).size, 0)
    assert.is(await store.readMeta(), null)
    // The store is still usable.
    await store.commit([putWinner('/new')])
    assert.equal(store.winner(p('/new')), stateOf('/new'))
  })

  test('store.commit(writes) applies writes in order: the last write to a key wins', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/x'), del('winners', '/x'), del('winners', '/y'), putWinner('/y')])
    assert.is(store.winner(p('/x')), null)
    assert.equal(store.winner(p('/y')), stateOf('/y'))
  })

  test('store.commit([]) and deletes of missing keys are no-ops', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([])
    await store.commit(PARTS.map((part) => del(part, '/missing')))
    for (const part of PARTS) assert.equal(await collect(store.entries(part)), [], part)
  })

  test('store.commit(writes) called concurrently applies every batch', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await Promise.all(TREE.map((path) => store.commit([putWinner(path), putRecord(path)])))
    for (const path of TREE) assert.equal(store.winner(p(path)), stateOf(path), path)
    assert.equal(await keysOf(store.scan('records', {})), ['/', ...TREE_UNDER_ROOT])
  })

  test('store.winner(path) reads synchronously', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/a', stateOf('/a', 2, true))])
    const got = store.winner(p('/a'))
    assert.not.instance(got, Promise)
    assert.equal(got, stateOf('/a', 2, true))
  })

  test('store.winner(path) is null for a missing path, a prefix, or an extension of a stored one', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/a/b')])
    for (const path of ['/', '/a', '/a/', '/a/b/', '/a/bc', '/a/b/c', '/A/b', '/missing']) {
      assert.is(store.winner(p(path)), null, path)
    }
  })

  test('store.winner(path) reads unicode paths and their neighbours around "/" exactly', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit(scrambled(TREE).map((path) => putWinner(path)))
    for (const path of TREE) assert.equal(store.winner(p(path)), stateOf(path), path)
    assert.is(store.winner(p('/e\u0301')), null, 'a decomposed é is another path')
  })

  test('store.winner(path) reads long unicode paths exactly, whatever was read before', async (ctx) => {
    const { store } = fixtureOf(ctx)
    const paths: string[] = []
    for (let k = 1; k <= 40; k++) paths.push(`/${'😀'.repeat(k)}`, `/${'é'.repeat(k)}`, `/x${'日'.repeat(k)}`)
    await store.commit(paths.map((path) => putWinner(path)))
    // A short read first, then ever longer keys: each must be looked up by its whole key.
    assert.is(store.winner(p('/a')), null)
    for (const path of paths) assert.equal(store.winner(p(path)), stateOf(path), `${[...path].length} chars`)
  })

  test("store.get('winners', keys) answers in order, undefined for missing keys", async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putWinner('/a'), putWinner('/é')])
    assert.equal(await store.get('winners', [p('/missing'), p('/é'), p('/a'), p('/a'), p('/ab')]), [
      undefined,
      stateOf('/é'),
      stateOf('/a'),
      stateOf('/a'),
      undefined
    ])
  })

  test("store.get('winners', []) is []", async (ctx) => {
    const { store } = fixtureOf(ctx)
    assert.equal(await store.get('winners', []), [])
  })

  test("store.get('records', keys) answers in order, undefined for missing keys", async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putRecord('/a'), putRecord('/😀')])
    assert.equal(await store.get('records', [p('/😀'), p('/missing'), p('/a')]), [
      recordOf('/😀'),
      undefined,
      recordOf('/a')
    ])
    assert.equal(await store.get('records', []), [])
  })

  test("store.get('conflicts', keys) answers in order, undefined for missing keys", async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([putConflict('/a'), putConflict('/日本')])
    assert.equal(
      (await store.get('conflicts', [p('/a'), p('/missing'), p('/日本'), p('/a/b')])).map((v) => v !== undefined),
      [true, false, true, false]
    )
    assert.equal(
      (await store.get('conflicts', [])).map((v) => v !== undefined),
      []
    )
  })

  test("store.scan('records', range) respects gt, gte, lt and lte, sorted", async (ctx) => {
    const { store } = fixtureOf(ctx)
    const sorted = ['/a', '/a-b', '/a.txt', '/a/b', '/a0', '/b', '/é', '/ｚ', '/😀']
    await store.commit(scrambled(sorted).map((path) => putRecord(path)))
    const range = (r: Parameters<IndexStore['scan']>[1]) => keysOf(store.scan('records', r))
    assert.equal(await range({}), sorted)
    assert.equal(await range({ gt: '/a', lt: '/b' }), ['/a-b', '/a.txt', '/a/b', '/a0'])
    assert.equal(await range({ gte: '/a', lte: '/b' }), ['/a', '/a-b', '/a.txt', '/a/b', '/a0', '/b'])
    assert.equal(await range({ gte: '/a', lt: '/b' }), ['/a', '/a-b', '/a.txt', '/a/b', '/a0'])
    assert.equal(await range({ gt: '/a', lte: '/b' }), ['/a-b', '/a.txt', '/a/b', '/a0', '/b'])
    assert.equal(await range({ gt: '/a/', lt: '/a0' }), ['/a/b'])
    assert.equal(await range({ lt: '/a.txt' }), ['/a', '/a-b'])
    assert.equal(await range({ gte: '/é' }), ['/é', '/ｚ', '/😀'])
    assert.equal(await range({ gt: '/zzz' }), ['/é', '/ｚ', '/😀'])
    assert.equal(await range({ gt: '/b', lt: '/a' }), [])
    const all = await collect(store.scan('records', { gte: '/a/b', lte: '/a/b' }))
    assert.equal(all, [['/a/b', recordOf('/a/b')]])
  })

  test('store.winnersUnder(folder) yields only paths strictly under the folder, sorted', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit(scrambled(TREE).map((path) => putWinner(path)))
    const under = await collect(store.winnersUnder(p('/a')))
    assert.equal(
      under.map(([path]) => path),
      TREE_UNDER_A
    )
    for (const [path, state] of under) assert.equal(state, stateOf(path), path)
    assert.equal(await keysOf(store.winnersUnder(p('/a/b'))), ['/a/b/c'])
    assert.equal(await keysOf(store.winnersUnder(p('/ab'))), ['/ab/c'])
    assert.equal(await keysOf(store.winnersUnder(p('/é'))), ['/é/ü'])
    assert.equal(await keysOf(store.winnersUnder(p('/日本'))), ['/日本/語'])
    assert.equal(await keysOf(store.winnersUnder(p('/a.txt'))), [])
    assert.equal(await keysOf(store.winnersUnder(p('/missing'))), [])
  })

  test("store.winnersUnder('/') yields every path but the root, sorted", async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit(scrambled(TREE).map((path) => putWinner(path)))
    assert.equal(await keysOf(store.winnersUnder(p('/'))), TREE_UNDER_ROOT)
  })

  test("store.children(dir) yields the names of dir's children only, sorted", async (ctx) => {
    const { store } = fixtureOf(ctx)
    const children: [string, string][] = [
      ['/', 'a'],
      ['/', 'a-b'],
      ['/', 'a.txt'],
      ['/', 'ab'],
      ['/', 'é'],
      ['/', 'ｚ'],
      ['/', '😀'],
      ['/a', '-x'],
      ['/a', '.hidden'],
      ['/a', '0'],
      ['/a', 'b'],
      ['/a', 'b.txt'],
      ['/a', 'ｚ'],
      ['/a', '😀'],
      ['/a/b', 'c'],
      ['/a-b', 'z'],
      ['/a.txt', 'z'],
      ['/ab', 'c'],
      ['/a0', 'z'],
      ['/é', 'ü']
    ]
    await store.commit(scrambled(children).map(([dir, name]) => putChild(dir, name)))
    assert.equal(await collect(store.children(p('/'))), ['a', 'a-b', 'a.txt', 'ab', 'é', 'ｚ', '😀'])
    assert.equal(await collect(store.children(p('/a'))), ['-x', '.hidden', '0', 'b', 'b.txt', 'ｚ', '😀'])
    assert.equal(await collect(store.children(p('/a/b'))), ['c'])
    assert.equal(await collect(store.children(p('/ab'))), ['c'])
    assert.equal(await collect(store.children(p('/é'))), ['ü'])
    assert.equal(await collect(store.children(p('/a/b/c'))), [])
    assert.equal(await collect(store.children(p('/missing'))), [])
  })

  test('store.conflictsUnder(folder) yields paths in conflict strictly under the folder, sorted', async (ctx) => {
    const { store } = fixtureOf(ctx)
    const conflicts = ['/', '/a', '/a-b', '/a.txt', '/a/b', '/a/b/c', '/a/😀', '/a/ｚ', '/a0', '/ab', '/x/😀']
    await store.commit(scrambled(conflicts).map((path) => putConflict(path)))
    assert.equal(await collect(store.conflictsUnder(p('/a'))), ['/a/b', '/a/b/c', '/a/ｚ', '/a/😀'])
    assert.equal(await collect(store.conflictsUnder(p('/a/b'))), ['/a/b/c'])
    assert.equal(await collect(store.conflictsUnder(p('/'))), [
      '/a',
      '/a-b',
      '/a.txt',
      '/a/b',
      '/a/b/c',
      '/a/ｚ',
      '/a/😀',
      '/a0',
      '/ab',
      '/x/😀'
    ])
    assert.equal(await collect(store.conflictsUnder(p('/ab'))), [])
  })

  test('store.entries(part) yields every key and value of that part only, sorted', async (ctx) => {
    const { store } = fixtureOf(ctx)
    for (const part of PARTS) assert.equal(await collect(store.entries(part)), [], `${part} of a fresh store`)
    await store.commit([...everyPart(), putWinner('/😀'), putWinner('/ｚ'), putWinner('/é')])
    assert.equal(await collect(store.entries('records')), [['/a/b', recordOf('/a/b')]])
    assert.equal(await collect(store.entries('winners')), [
      ['/a', stateOf('/a')],
      ['/a/b', stateOf('/a/b')],
      ['/é', stateOf('/é')],
      ['/ｚ', stateOf('/ｚ')],
      ['/😀', stateOf('/😀')]
    ])
    assert.equal(await collect(store.entries('children')), [
      ['/\0a', ''],
      ['/a\0b', '']
    ])
    assert.equal(await collect(store.entries('conflicts')), [['/a/b', '']])
    assert.equal(await collect(store.entries('checkpoints')), [
      [A, { version: 3, fork: 0 }],
      [B, { version: 7, fork: 1 }]
    ])
    assert.equal(await collect(store.entries('meta')), [['meta', META]])
  })

  test("store.readCheckpoints() returns every drive's checkpoint", async (ctx) => {
    const { store } = fixtureOf(ctx)
    assert.is((await store.readCheckpoints()).size, 0)
    await store.commit([putCheckpoint(A, { version: 3, fork: 0 }), putCheckpoint(B, { version: 7, fork: 1 })])
    const checkpoints = await store.readCheckpoints()
    assert.instance(checkpoints, Map)
    assert.equal([...checkpoints].sort(), [
      [A, { version: 3, fork: 0 }],
      [B, { version: 7, fork: 1 }]
    ])
    await store.commit([putCheckpoint(A, { version: 4, fork: 0 }), del('checkpoints', B)])
    assert.equal([...(await store.readCheckpoints())], [[A, { version: 4, fork: 0 }]])
  })

  test('store.clear() empties every part, and the store stays usable', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.commit([...everyPart(), ...TREE.map((path) => putWinner(path))])
    await store.clear()
    for (const part of PARTS) assert.equal(await collect(store.entries(part)), [], part)
    assert.is(await store.readMeta(), null)
    assert.is((await store.readCheckpoints()).size, 0)
    assert.is(store.winner(p('/a')), null)
    assert.equal(await keysOf(store.winnersUnder(p('/'))), [])
    await store.commit([putWinner('/a')])
    assert.equal(store.winner(p('/a')), stateOf('/a'))
  })

  return test
}

/** Backends whose data outlives the store: a new store in the same place reads it all. */
function durability(test: Test<Context>): void {
  async function reopened(fixture: Fixture): Promise<IndexStore> {
    if (!fixture.durable) throw new Error('this backend does not keep its data')
    await fixture.shutdown()
    const store = fixture.next()
    await store.open()
    return store
  }

  // Async reads come first: reading synchronously right after open() is its own test above.
  test('store.close() then a new store in the same place keeps every part', async (ctx) => {
    const fixture = fixtureOf(ctx)
    await fixture.store.commit([...everyPart(), ...TREE.map((path) => putWinner(path)), putRecord('/é')])
    const store = await reopened(fixture)
    assert.equal(await store.readMeta(), META)
    assert.equal([...(await store.readCheckpoints())].sort(), [
      [A, { version: 3, fork: 0 }],
      [B, { version: 7, fork: 1 }]
    ])
    assert.equal(await keysOf(store.winnersUnder(p('/'))), TREE_UNDER_ROOT)
    assert.equal(await keysOf(store.scan('records', {})), ['/a/b', '/é'])
    assert.equal(await collect(store.children(p('/a'))), ['b'])
    assert.equal(await collect(store.conflictsUnder(p('/'))), ['/a/b'])
    for (const path of TREE) assert.equal(store.winner(p(path)), stateOf(path), path)
  })

  test('store.commit(writes) of deletes and store.clear() outlive a new store in the same place', async (ctx) => {
    const fixture = fixtureOf(ctx)
    await fixture.store.commit([putWinner('/a'), putWinner('/b'), putCheckpoint(A, { version: 1, fork: 0 })])
    await fixture.store.commit([del('winners', '/a')])
    let store = await reopened(fixture)
    assert.equal(await store.get('winners', [p('/a'), p('/b')]), [undefined, stateOf('/b')])
    await store.clear()
    store = await reopened(fixture)
    for (const part of PARTS) assert.equal(await collect(store.entries(part)), [], part)
  })
}

/** Backends that own their database: closing the store closes it. */
function ownership(test: Test<Context>): void {
  test('store.close() closes the database the store owns', async (ctx) => {
    const { store } = fixtureOf(ctx)
    await store.close()
    assert.is(codeOf(await rejection(store.readMeta())), 'LEVEL_DATABASE_NOT_OPEN')
    assert.throws(
      () => store.winner(p('/a')),
      (err: unknown) => codeOf(err) === 'LEVEL_DATABASE_NOT_OPEN'
    )
  })
}

/** A store handed the user's database keeps to its prefix and leaves the database to the user. */
function userDatabase(test: Test<Context>): void {
  function userDbOf(fixture: Fixture): UserDb {
    if (fixture.userDb === null) throw new Error('this backend has no user database')
    return fixture.userDb
  }

  const STORE_PREFIX = '!multidrive!'
  const userEntries = async (db: UserDb) =>
    (await db.iterator().all()).filter(([key]) => !key.startsWith(STORE_PREFIX)).sort()

  test("store.close() leaves the user's database open", async (ctx) => {
    const fixture = fixtureOf(ctx)
    const db = userDbOf(fixture)
    await fixture.store.commit([putWinner('/a')])
    await fixture.store.close()
    assert.is(db.status, 'open')
    assert.is(await db.get('/a'), 'user value at /a')
    await db.put('after', 'still writable')
    assert.is(await db.get('after'), 'still writable')
  })

  test("store reads do not see the user's keys", async (ctx) => {
    const { store } = fixtureOf(ctx)
    for (const part of PARTS) assert.equal(await collect(store.entries(part)), [], part)
    assert.is(await store.readMeta(), null)
    assert.is((await store.readCheckpoints()).size, 0)
    assert.is(store.winner(p('/a')), null)
    assert.equal(await store.get('winners', [p('/a')]), [undefined])
    assert.equal(await store.get('records', [p('/a')]), [undefined])
    assert.equal(
      (await store.get('conflicts', [p('/a/b')])).map((v) => v !== undefined),
      [false]
    )
    assert.equal(await collect(store.children(p('/'))), [])
    assert.equal(await collect(store.conflictsUnder(p('/'))), [])
  })

  test("store.commit(writes) writes only under the store's prefix", async (ctx) => {
    const fixture = fixtureOf(ctx)
    const db = userDbOf(fixture)
    const before = await userEntries(db)
    await fixture.store.commit([...everyPart(), ...TREE.map((path) => putWinner(path))])
    assert.equal(await userEntries(db), before)
    const ours = (await db.keys().all()).filter((key) => key.startsWith(STORE_PREFIX))
    assert.ok(ours.length > 0, 'the store wrote under its prefix')
  })

  test("store.clear() keeps the user's keys", async (ctx) => {
    const fixture = fixtureOf(ctx)
    const db = userDbOf(fixture)
    const before = (await db.iterator().all()).sort()
    await fixture.store.commit([...everyPart(), ...TREE.map((path) => putWinner(path))])
    await fixture.store.clear()
    assert.equal((await db.iterator().all()).sort(), before)
  })
}

// The backends ---------------------------------------------------------------------------------

const memory = contract('store: memory-level', memoryLevel)
ownership(memory)

const classic = contract('store: classic-level', classicLevel)
ownership(classic)
durability(classic)

const created = contract('store: createIndexStore()', createdInMemory)
ownership(created)

const createdClassic = contract('store: createIndexStore(path)', createdAtPath)
ownership(createdClassic)
durability(createdClassic)

const userMemory = contract('store: user memory-level, owned: false', userMemoryLevel)
userDatabase(userMemory)
durability(userMemory)

const userClassic = contract('store: createIndexStore(user classic-level)', userClassicLevel)
userDatabase(userClassic)
durability(userClassic)

memory.run()
classic.run()
created.run()
createdClassic.run()
userMemory.run()
userClassic.run()
