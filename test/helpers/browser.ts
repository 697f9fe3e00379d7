/**
 * A real browser for the explorer suites: Debian's Chromium (`apt-get install -y chromium`; `.ci/run`
 * installs it) driven by playwright-core, headless, with a fresh profile in a temp dir. One browser
 * for a whole suite; each test opens the pages it needs. Screenshots go to `$EXPLORER_SCREENSHOTS`
 * (`npm run screenshots` sets docs/screenshots) or, by default, a temp dir.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface Browser {
  context: BrowserContext
  /** Where screenshots are written. */
  screenshots: string
  close(): Promise<void>
}

export async function launch(): Promise<Browser> {
  await access(CHROMIUM).catch((err) => {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does)`, { cause: err })
  })
  const profile = await mkdtemp(join(tmpdir(), 'multidrive-chromium-'))
  const screenshots = resolve(process.env.EXPLORER_SCREENSHOTS ?? join(profile, 'screenshots'))
  await mkdir(screenshots, { recursive: true })
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ],
    viewport: { width: 1280, height: 800 },
    // Times on the page are shown in local time: one zone, whatever the machine's.
    timezoneId: 'UTC',
    locale: 'en-US'
  })
  context.setDefaultTimeout(20_000)
  return {
    context,
    screenshots,
    async close() {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/**
 * Runs a test body; if it fails, every page still open (a failing test does not get to close its
 * pages) is saved as a screenshot under the OS temp dir, and the error says where, and on what URL.
 */
export async function withFailureShots(browser: Browser, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    const dir = join(tmpdir(), 'multidrive-explorer-failures')
    await mkdir(dir, { recursive: true })
    const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
    const notes: string[] = []
    for (const [i, page] of browser.context.pages().entries()) {
      const path = join(dir, `${slug}-${i}.png`)
      const saved = await page.screenshot({ path, fullPage: true }).then(
        () => path,
        () => 'no screenshot'
      )
      notes.push(`${page.url()} -> ${saved}`)
      await page.close().catch(() => {})
    }
    if (err instanceof Error) err.message += `\n    open pages: ${notes.join('; ') || 'none'}`
    throw err
  }
}

/** Saves a screenshot of the page as NAME.png in the screenshot folder. */
export async function screenshot(browser: Browser, page: Page, name: string): Promise<string> {
  const path = join(browser.screenshots, `${name}.png`)
  await page.screenshot({ path, fullPage: true, animations: 'disabled' })
  return path
}
