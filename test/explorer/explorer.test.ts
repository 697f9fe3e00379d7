// The web explorer at `/` of `multidrive serve`, in a real browser (Chromium through playwright-core),
// against real serves: alice and bob, two `serve --writable` peers that merge each other's drive on
// a local hyperswarm testnet, and carol, a read-only `serve --no-swarm`. Nothing is mocked: the page
// talks to the real HTTP API and change stream, and every wait is for a selector or a response.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import createTestnet from '@hyperswarm/testnet'
import type { Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type Browser, launch, screenshot, withFailureShots } from '../helpers/browser.js'
import { cleanup, ok, poll, Serve, tempDir } from '../helpers/cli.js'
import { gradientPng } from '../helpers/png.js'

const explorer = suite('the web explorer (multidrive serve at /) in Chromium')

/** A test whose failure leaves screenshots of the pages it had open. */
function test(name: string, body: () => Promise<void> | void): void {
  explorer(name, () => withFailureShots(browser, name, async () => body()))
}

const HOSTILE = '<img src=x onerror=alert(1)>.txt'
/** An image that runs script wherever a browser lets it: as an <img>, and opened directly, it must not. */
const EVIL_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="alert('svg onload')">
<script>alert('svg script')</script><rect width="40" height="40" fill="red"/></svg>`

let testnet: createTestnet.Testnet
let browser: Browser
let alice: Serve
let bob: Serve
let carol: Serve
const keys = { alice: '', bob: '', carol: '' }
const tokens = { alice: '', bob: '' }
/** Every dialog any page opened (an alert would be a script run from drive data). */
const dialogs: string[] = []
/** Page errors and CSP violations: the page's own code must run under its policy without any. */
const problems: string[] = []

function encode(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((s) => `/${encodeURIComponent(s)}`)
    .join('')
}

async function put(serve: Serve, token: string, path: string, body: string | Buffer): Promise<void> {
  const res = await fetch(`${serve.url}/files${encode(path)}`, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${token}` }
  })
  assert.ok(res.ok, `PUT ${path}: ${res.status} ${await res.text()}`)
}

async function del(serve: Serve, token: string, path: string): Promise<void> {
  const res = await fetch(`${serve.url}/files${encode(path)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` }
  })
  assert.is(res.status, 204, `DELETE ${path}`)
}

/** A new page on a serve, watched for dialogs and errors, once the explorer shows its first view. */
async function open(serve: Serve, route = '/'): Promise<Page> {
  const page = await browser.context.newPage()
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    dialog.dismiss().catch(() => {})
  })
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) problems.push(`console: ${msg.text()}`)
  })
  await page.goto(`${serve.url}${route}`)
  await page.waitForSelector('html[data-ready="true"]')
  return page
}

function row(page: Page, path: string) {
  return page.locator(`[role="treeitem"][data-path="${path.replace(/["\\]/g, '\\$&')}"]`)
}

/** Runs an expression in the page (typed here: the suite is compiled without the DOM's types). */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression)
}

/** The width of the panel's preview image once the browser has decoded it (0: it did not load). */
function previewWidth(page: Page): Promise<number> {
  return inPage<number>(
    page,
    `(async (img) => { await img.decode(); return img.naturalWidth })(document.querySelector('.panel img.preview-image'))`
  )
}

/** The names of a folder's rows, top to bottom. */
async function names(page: Page, group = '[role="tree"]'): Promise<string[]> {
  return page.locator(`${group} > [role="treeitem"] > .row .name`).allTextContents()
}

explorer.before(async () => {
  const launching = launch()
  testnet = await createTestnet(3, { host: '127.0.0.1' })
  const bootstrap = testnet.bootstrap.map((n) => `${n.host}:${n.port}`).join(',')
  const root = await tempDir('multidrive-explorer-')
  const [a, b, c] = ['alice', 'bob', 'carol'].map((name) => join(root, name)) as [string, string, string]
  ;[keys.alice, keys.bob] = await Promise.all([ok(['--data', a, 'init']), ok(['--data', b, 'init'])])
  // Written before the peers ever met: a true conflict (neither saw the other's version).
  await Promise.all([
    ok(['--data', a, 'add', keys.bob]),
    ok(['--data', b, 'add', keys.alice]),
    ok(['--data', c, 'put', '/notes.txt'], { input: 'carol keeps notes' })
  ])
  await ok(['--data', a, 'put', '/same.txt'], { input: 'alice wrote this version' })
  await ok(['--data', b, 'put', '/same.txt'], { input: 'bob wrote this version' })
  const env = { MULTIDRIVE_BOOTSTRAP: bootstrap }
  ;[alice, bob, carol] = await Promise.all([
    Serve.start(a, ['--writable'], env),
    Serve.start(b, ['--writable'], env),
    Serve.start(c, ['--no-swarm'])
  ])
  keys.carol = (await carol.json<{ writer: string }>('/health')).writer
  tokens.alice = (await readFile(join(a, 'token'), 'utf-8')).trim()
  tokens.bob = (await readFile(join(b, 'token'), 'utf-8')).trim()
  await Promise.all([
    put(alice, tokens.alice, '/a.txt', 'from alice'),
    put(alice, tokens.alice, '/docs/alice.md', '# Alice\n\nNotes from alice.\n'),
    put(alice, tokens.alice, '/img/gradient.png', gradientPng()),
    put(bob, tokens.bob, '/b.txt', 'from bob'),
    put(bob, tokens.bob, '/docs/bob.md', '# Bob\n\nNotes from bob.\n'),
    put(bob, tokens.bob, '/docs/evil.html', '<script>alert("evil.html ran")</script><b>bold</b>'),
    put(bob, tokens.bob, `/${HOSTILE}`, 'a hostile name'),
    put(bob, tokens.bob, '/img/evil.svg', EVIL_SVG)
  ])
  // Alice's view has everything of both, the conflict included.
  await poll(async () => {
    const root = (await alice.json<{ name: string }[]>('/ls/')).map((e) => e.name)
    const docs = (await alice.json<{ name: string }[]>('/ls/docs')).map((e) => e.name)
    const who = await alice.json<{ conflict: boolean }>('/who/same.txt')
    return root.includes(HOSTILE) && root.includes('b.txt') && docs.length === 3 && who.conflict ? true : undefined
  }, "bob's files and the conflict on alice")
  browser = await launching
})

explorer.after(async () => {
  await browser?.close()
  await cleanup()
  await testnet?.destroy()
})

test('the tree shows both peers’ files, sorted, with their size and winning drive (same colour everywhere)', async () => {
  const page = await open(alice)
  assert.equal(await names(page), [HOSTILE, 'a.txt', 'b.txt', 'docs', 'img', 'same.txt'])
  assert.is(await row(page, '/a.txt').locator('.badge').getAttribute('data-drive'), keys.alice)
  assert.is(await row(page, '/b.txt').locator('.badge').getAttribute('data-drive'), keys.bob)
  assert.is(await row(page, '/a.txt').locator('.size').textContent(), '10 B')
  assert.is(await row(page, '/a.txt').locator('.badge .key').textContent(), keys.alice.slice(0, 8))
  // A drive's colour is the same on every badge of the page (and a different drive's differs).
  const hue = (sel: string) =>
    inPage<string>(page, `getComputedStyle(document.querySelector(${JSON.stringify(sel)})).color`)
  assert.is(await hue(`[role="tree"] .badge[data-drive="${keys.alice}"]`), await hue(`#me .badge`))
  assert.is.not(await hue(`[role="tree"] .badge[data-drive="${keys.bob}"]`), await hue('#me .badge'))
  // Expanding a folder lists it, with each file's winner.
  await row(page, '/docs').locator('.twisty').click()
  await row(page, '/docs/bob.md').waitFor()
  assert.equal(await names(page, '[data-path="/docs"] > ul'), ['alice.md', 'bob.md', 'evil.html'])
  assert.is(await row(page, '/docs').getAttribute('aria-expanded'), 'true')
  assert.is(await row(page, '/docs/bob.md').locator('.badge').getAttribute('data-drive'), keys.bob)
  await row(page, '/same.txt').locator('.conflict-mark').waitFor()
  await page.close()
})

test('a hostile file name and hostile content show as text: no script runs, nothing is injected', async () => {
  const page = await open(alice)
  // The dialog watch works: a script that does run is seen.
  await page.evaluate(`alert('probe')`)
  assert.equal(dialogs.splice(0), ['probe'])
  const hostile = row(page, `/${HOSTILE}`)
  assert.is(await hostile.locator('.name').textContent(), HOSTILE)
  await hostile.click()
  await page.locator('.panel h2.path', { hasText: HOSTILE }).waitFor()
  assert.is(await page.locator('.preview-text pre').textContent(), 'a hostile name')
  assert.is(await page.locator('img[src="x"]').count(), 0)
  assert.is(new URL(page.url()).searchParams.get('file'), `/${HOSTILE}`)
  // HTML from a drive is shown as its source, never rendered...
  await page.goto(`${alice.url}/?dir=/docs&file=/docs/evil.html`)
  await page.waitForSelector('.preview-text pre')
  assert.match((await page.locator('.preview-text pre').textContent()) ?? '', '<script>alert("evil.html ran")</script>')
  assert.is(await page.locator('.panel b').count(), 0)
  // ...and opened directly it is sandboxed (Content-Security-Policy: sandbox): its script does not run.
  const direct = await browser.context.newPage()
  direct.on('dialog', (d) => {
    dialogs.push(d.message())
    d.dismiss().catch(() => {})
  })
  const res = await direct.goto(`${alice.url}/files/docs/evil.html`)
  assert.is(res?.headers()['content-security-policy'], 'sandbox')
  assert.is(await direct.locator('b').textContent(), 'bold')
  // An SVG with script: previewed as an image (no script runs in an image), sandboxed when opened.
  await page.goto(`${alice.url}/?dir=/img&file=/img/evil.svg`)
  await page.locator('.panel img.preview-image').waitFor()
  assert.is(await previewWidth(page), 40)
  const svg = await direct.goto(`${alice.url}/files/img/evil.svg`)
  assert.is(svg?.headers()['content-security-policy'], 'sandbox')
  await direct.locator('rect').waitFor({ state: 'attached' })
  assert.equal(dialogs, [])
  await direct.close()
  await page.close()
})

test('the file panel shows the stat, a preview (text or image), a download link and who wins', async () => {
  const page = await open(alice, '/?dir=/docs&file=/docs/alice.md')
  const panel = page.locator('.panel')
  await panel.locator('h2.path', { hasText: 'alice.md' }).waitFor()
  assert.is(await panel.locator('.preview-text pre').textContent(), '# Alice\n\nNotes from alice.\n')
  assert.match((await panel.locator('.details').textContent()) ?? '', '27 bytes')
  assert.is(await panel.locator('a[download]').getAttribute('href'), '/files/docs/alice.md')
  assert.is(await panel.locator('.winner-line .badge').getAttribute('data-drive'), keys.alice)
  assert.match((await panel.locator('.reason').textContent()) ?? '', /^Causal/)
  assert.is(await panel.locator('table.candidates tbody tr').count(), 1)
  await screenshot(browser, page, 'file')
  // An image is shown as an image, loaded from /files (same origin, allowed by the page's CSP).
  await page.goto(`${alice.url}/?dir=/img&file=/img/gradient.png`)
  await page.locator('.panel img.preview-image').waitFor()
  assert.is(await previewWidth(page), 64)
  await page.close()
})

test('a conflict: listed in the conflicts view with both candidates; its panel says why the winner won', async () => {
  const page = await open(alice, '/?view=conflicts')
  const item = page.locator('.conflict-list > li[data-path="/same.txt"]')
  await item.waitFor()
  assert.is(await page.locator('#conflict-count').textContent(), '1')
  const candidates = await inPage<string[]>(
    page,
    `Array.from(document.querySelectorAll('li[data-path="/same.txt"] .conflict-candidates > li'), (li) => li.dataset.drive)`
  )
  assert.equal(candidates, [keys.alice, keys.bob].sort())
  assert.is(await item.locator('.conflict-candidates > li.winner').count(), 1)
  await screenshot(browser, page, 'conflicts')

  await item.locator('a.conflict-path').click()
  await page.waitForURL(/file=%2Fsame\.txt/)
  const panel = page.locator('.panel')
  await panel.locator('h2.path', { hasText: 'same.txt' }).waitFor()
  const who = await alice.json<{ winner: { drive: string }; heads: unknown[] }>('/who/same.txt')
  assert.is(who.heads.length, 2)
  const loser = who.winner.drive === keys.alice ? keys.bob : keys.alice
  const text = (key: string) => (key === keys.alice ? 'alice wrote this version' : 'bob wrote this version')
  assert.is(await panel.locator('.winner-line .badge').getAttribute('data-drive'), who.winner.drive)
  // Alice wrote first, bob a moment later: concurrent heads, the newer stamp wins.
  assert.match((await panel.locator('.reason').textContent()) ?? '', /^Time: 2 drives wrote here concurrently/)
  assert.is(await panel.locator('tbody tr').count(), 2)
  assert.is(await panel.locator(`tbody tr[data-drive="${who.winner.drive}"] .tag.winner`).count(), 1)
  assert.match(
    (await panel.locator(`tbody tr[data-drive="${loser}"]`).textContent()) ?? '',
    'lost on time (older stamp)'
  )
  assert.is(await panel.locator('.preview-text pre').first().textContent(), text(who.winner.drive))
  // The losing version, side by side with the winner (each read from its own drive's record).
  await panel.locator(`tbody tr[data-drive="${loser}"] button.compare`).click()
  const theirs = panel.locator(`.compare-side[data-drive="${loser}"] pre`)
  await theirs.waitFor()
  assert.is(await theirs.textContent(), text(loser))
  assert.is(
    await panel.locator(`.compare-side[data-drive="${who.winner.drive}"] pre`).textContent(),
    text(who.winner.drive)
  )
  await screenshot(browser, page, 'conflict-panel')
  await page.close()
})

test('the conflicts view, on a change elsewhere, fetches no path it already shows again', async () => {
  const page = await open(alice, '/?view=conflicts')
  const candidates = page.locator('li[data-path="/same.txt"] .conflict-candidates > li')
  await candidates.first().waitFor()
  const whos: string[] = []
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/who/')) whos.push(req.url())
  })
  const updates = Number(await page.evaluate('document.documentElement.dataset.updates ?? 0'))
  await put(alice, tokens.alice, '/a.txt', 'from alice')
  await page.locator(`html[data-updates="${updates + 1}"]`).waitFor({ state: 'attached' })
  assert.equal(whos, [])
  assert.is(await candidates.count(), 2)
  await page.close()
})

test('an overwrite by a peer that had seen the file: causal, the older version superseded by it', async () => {
  await put(alice, tokens.alice, '/plan.md', 'plan v1 by alice')
  await poll(async () => {
    const res = await fetch(`${bob.url}/files/plan.md`)
    return res.ok ? true : undefined
  }, 'alice’s plan on bob')
  await put(bob, tokens.bob, '/plan.md', 'plan v2 by bob')
  const page = await open(alice, '/?file=/plan.md')
  const panel = page.locator('.panel')
  await panel.locator('.preview-text pre', { hasText: 'plan v2 by bob' }).waitFor()
  assert.match((await panel.locator('.reason').textContent()) ?? '', /^Causal: its writer had seen every other version/)
  const older = panel.locator(`tbody tr[data-drive="${keys.alice}"]`)
  assert.is(await older.locator('td[data-label="Head"]').textContent(), 'no')
  assert.match((await older.locator('.tag.superseded').textContent()) ?? '', 'seen by')
  assert.is(await older.locator('.tag.superseded .badge').getAttribute('data-drive'), keys.bob)
  // Bob's record names the version of alice's it replaced, in its clock.
  const who = await alice.json<{ candidates: { drive: string; seq: number }[] }>('/who/plan.md')
  const aliceSeq = who.candidates.find((c) => c.drive === keys.alice)?.seq
  const clock = panel.locator(`tbody tr[data-drive="${keys.bob}"] .clock-entry`)
  assert.is(await clock.locator('.badge').getAttribute('data-drive'), keys.alice)
  assert.is(await clock.locator('.badge + span').textContent(), `seq ${aliceSeq}`)
  assert.is(await panel.locator('button.compare').count(), 0)
  await page.close()
})

test('a deep link opens the folder and the selected file, and a reload restores them', async () => {
  const page = await open(alice, `/?dir=/docs&file=${encodeURIComponent('/docs/bob.md')}`)
  const check = async () => {
    await page.locator('.panel h2.path', { hasText: 'bob.md' }).waitFor()
    assert.is(await row(page, '/docs').getAttribute('aria-expanded'), 'true')
    assert.is(await row(page, '/docs/bob.md').getAttribute('aria-selected'), 'true')
    assert.is(await page.locator('.panel .preview-text pre').textContent(), '# Bob\n\nNotes from bob.\n')
  }
  await check()
  await page.reload()
  await page.waitForSelector('html[data-ready="true"]')
  await check()
  // Back and forward walk the views the page showed.
  await row(page, '/a.txt').click()
  await page.locator('.panel h2.path', { hasText: 'a.txt' }).waitFor()
  await page.goBack()
  await page.locator('.panel h2.path', { hasText: 'bob.md' }).waitFor()
  await page.close()
})

test('the tree works from the keyboard: arrows move, Right expands, Enter opens', async () => {
  const page = await open(alice)
  await page.locator('[role="treeitem"][tabindex="0"]').focus()
  await page.keyboard.press('Home')
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown') // a.txt, b.txt, docs
  assert.is(await page.evaluate('document.activeElement.dataset.path'), '/docs')
  await page.keyboard.press('ArrowRight')
  await row(page, '/docs/alice.md').waitFor()
  await page.keyboard.press('ArrowRight') // into the folder
  assert.is(await page.evaluate('document.activeElement.dataset.path'), '/docs/alice.md')
  await page.keyboard.press('Enter')
  await page.locator('.panel h2.path', { hasText: 'alice.md' }).waitFor()
  await page.keyboard.press('ArrowLeft') // to the parent
  await page.keyboard.press('ArrowLeft') // collapse it
  assert.is(await row(page, '/docs').getAttribute('aria-expanded'), 'false')
  assert.is(await page.locator('[role="treeitem"][tabindex="0"]').count(), 1)
  await page.close()
})

test('live: a write on the other peer appears without a reload, highlighted; a delete removes the row', async () => {
  const page = await open(alice, '/?dir=/docs')
  await row(page, '/docs/alice.md').waitFor()
  await page.evaluate('window.sameDocument = true')
  await put(bob, tokens.bob, '/docs/live.md', 'written by bob just now')
  await page.locator('[data-path="/docs/live.md"] > .row.flash').waitFor()
  assert.is(await row(page, '/docs/live.md').locator('.badge').getAttribute('data-drive'), keys.bob)
  // A new top-level folder appears with its first file.
  await put(bob, tokens.bob, '/fresh/new.txt', 'new folder')
  await row(page, '/fresh').waitFor()
  await del(bob, tokens.bob, '/b.txt')
  await row(page, '/b.txt').waitFor({ state: 'detached' })
  // The panel follows the path it shows: a rewrite of the open file refreshes its preview.
  await row(page, '/docs/live.md').click()
  await page.locator('.panel .preview-text pre', { hasText: 'written by bob just now' }).waitFor()
  await put(bob, tokens.bob, '/docs/live.md', 'rewritten by bob')
  await page.locator('.panel .preview-text pre', { hasText: 'rewritten by bob' }).waitFor()
  assert.is(await page.evaluate('window.sameDocument'), true)
  await page.close()
})

test('the drives view: each drive with its state, indexing progress and peers; the writer marked', async () => {
  const page = await open(alice, '/?view=drives')
  const writerRow = page.locator(`table.drives tr[data-drive="${keys.alice}"]`)
  const bobRow = page.locator(`table.drives tr[data-drive="${keys.bob}"]`)
  await bobRow.locator('.state-live').waitFor()
  assert.is(await page.locator('table.drives tbody tr').count(), 2)
  assert.is(await page.locator('table.drives tbody tr').first().getAttribute('data-drive'), keys.alice)
  assert.match((await writerRow.locator('.tag.writer').textContent()) ?? '', 'writer')
  assert.is(await bobRow.locator('.tag.writer').count(), 0)
  const drives = await alice.json<{ key: string; indexed: number; length: number }[]>('/drives')
  const bobDrive = drives.find((d) => d.key === keys.bob)
  assert.ok(bobDrive)
  assert.is(Number(await bobRow.locator('progress').getAttribute('max')), bobDrive.length)
  // Bob's drive comes from bob's serve: one peer, polled until the page shows it.
  await bobRow.locator('td[data-label="Peers"]', { hasText: /^[1-9]/ }).waitFor()
  await screenshot(browser, page, 'drives')
  await page.close()
})

test('without the token no write control is offered, and a forged write is refused (401)', async () => {
  const page = await open(alice, '/?dir=/docs')
  await page.locator('#unlock').waitFor()
  assert.is(await page.locator('[data-write]').count(), 0)
  await row(page, '/docs/alice.md').click()
  await page.locator('.panel h2.path', { hasText: 'alice.md' }).waitFor()
  assert.is(await page.locator('[data-write]').count(), 0)
  const forged = await page.evaluate(`Promise.all([
    fetch('/files/forged.txt', { method: 'PUT', body: 'forged' }).then((r) => r.status),
    fetch('/files/forged.txt', { method: 'PUT', body: 'forged', headers: { authorization: 'Bearer ${'0'.repeat(64)}' } }).then((r) => r.status),
    fetch('/files/a.txt', { method: 'DELETE' }).then((r) => r.status),
    fetch('/auth').then((r) => r.status)
  ])`)
  assert.equal(forged, [401, 401, 401, 401])
  assert.is((await fetch(`${alice.url}/files/forged.txt`)).status, 404)
  // A wrong token pasted into the page is refused too, and unlocks nothing.
  await page.locator('#unlock').click()
  await page.locator('#token').fill('f'.repeat(64))
  await page.locator('.token-form button[type="submit"]').click()
  await page.locator('#notice.error', { hasText: 'EUNAUTHORIZED' }).waitFor()
  assert.is(await page.locator('[data-write]').count(), 0)
  await page.close()
})

test('a read-only serve (no --writable) offers no write control at all, and refuses writes (405)', async () => {
  const page = await open(carol)
  await page.locator('#access', { hasText: 'read-only' }).waitFor()
  assert.is(await page.locator('#unlock').count(), 0)
  assert.is(await page.locator('[data-write]').count(), 0)
  assert.is(await row(page, '/notes.txt').locator('.badge').getAttribute('data-drive'), keys.carol)
  const status = await page.evaluate(`fetch('/files/x.txt', { method: 'PUT', body: 'x' }).then((r) => r.status)`)
  assert.is(status, 405)
  await page.close()
})

test('with --writable and the token: an upload from the page lands in the writer and reaches the other peer; mkdir; delete', async () => {
  const page = await open(alice, '/?dir=/docs')
  await page.locator('#unlock').click()
  await page.locator('#token').fill(tokens.alice)
  await page.locator('.token-form button[type="submit"]').click()
  await page.locator('.writes-on').waitFor()
  assert.is(await page.evaluate(`sessionStorage.getItem('multidrive.token')`), tokens.alice)
  await page.locator('#upload-input').setInputFiles({
    name: 'upload.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('uploaded from the page')
  })
  await row(page, '/docs/upload.txt').waitFor()
  assert.is(await row(page, '/docs/upload.txt').locator('.badge').getAttribute('data-drive'), keys.alice)
  assert.is((await alice.json<{ drive: string }>('/stat/docs/upload.txt')).drive, keys.alice)
  await poll(async () => {
    const res = await fetch(`${bob.url}/files/docs/upload.txt`)
    return res.ok && (await res.text()) === 'uploaded from the page' ? true : undefined
  }, 'the upload on bob')

  await page.locator('#mkdir-name').fill('made here')
  await page.locator('button[data-write="mkdir"]').click()
  await row(page, '/docs/made here').waitFor()
  await page.waitForURL(/dir=%2Fdocs%2Fmade\+here/)
  assert.is((await alice.json<{ type: string }>('/stat/docs/made%20here')).type, 'directory')

  // The token is kept for this tab: a reload keeps writes on.
  await page.goto(`${alice.url}/?dir=/docs&file=/docs/upload.txt`)
  await page.waitForSelector('html[data-ready="true"]')
  await page.locator('.writes-on').waitFor()
  await page.locator('button[data-write="delete"]').click()
  await page.locator('button[data-write="confirm-delete"]').click()
  await row(page, '/docs/upload.txt').waitFor({ state: 'detached' })
  await poll(
    async () => ((await fetch(`${bob.url}/files/docs/upload.txt`)).status === 404 ? true : undefined),
    'the delete on bob'
  )
  await screenshot(browser, page, 'writes')
  // Lock forgets the token: the controls go.
  await page.locator('#lock').click()
  await page.locator('#unlock').waitFor()
  await page.locator('[data-write]').first().waitFor({ state: 'detached' })
  assert.is(await page.evaluate(`sessionStorage.getItem('multidrive.token')`), null)
  await page.close()
})

test('readable at 360 px: one column, nothing wider than the screen', async () => {
  const page = await browser.context.newPage()
  await page.setViewportSize({ width: 360, height: 740 })
  await page.goto(`${alice.url}/?dir=/docs&file=/docs/alice.md`)
  await page.waitForSelector('html[data-ready="true"]')
  await page.locator('.panel h2.path', { hasText: 'alice.md' }).waitFor()
  assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360)
  await screenshot(browser, page, 'narrow')
  await page.goto(`${alice.url}/?view=drives`)
  await page.locator('table.drives tbody tr').first().waitFor()
  assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360)
  await page.close()
})

test('a reconnect sends Last-Event-ID; a restarted server answers relist and the page re-reads', async () => {
  const page = await open(carol)
  await row(page, '/notes.txt').waitFor()
  const { port } = new URL(carol.url)
  const resumed = page.waitForRequest(
    async (req) => req.url().endsWith('/changes') && !!(await req.headerValue('last-event-id'))
  )
  await carol.stop()
  await page.waitForSelector('html[data-live="reconnecting"]')
  // Written while the server is down: no change event will ever say so, only a relist shows it.
  await ok(['--data', carol.data, 'put', '/while-down.txt'], { input: 'written while the server was down' })
  carol = await Serve.start(carol.data, ['--no-swarm', '--port', port])
  const request = await resumed
  assert.match((await request.headerValue('last-event-id')) ?? '', /^[0-9a-f]+-\d+$/)
  await page.waitForSelector('html[data-relists="1"]')
  await row(page, '/while-down.txt').waitFor()
  await page.waitForSelector('html[data-live="live"]')
  await page.close()
})

test('no page error and no Content-Security-Policy violation on any page; no dialog ever', () => {
  assert.equal(problems, [])
  assert.equal(dialogs, [])
})

explorer.run()
