import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'
import { startTestServer, type TestServer } from '../../server/test/test-server'

/** Where journeys save their screenshots (git-ignored). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-results', 'screenshots')

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Debian's Chromium, headless. The networking flags stop Chromium's own background traffic
 * (updates, sync, safe browsing), which this machine's closed network would refuse anyway.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A phone-sized page that records what goes wrong in it: uncaught errors and console errors.
 * `options` override the phone's context (a narrower viewport, a granted permission...).
 */
export async function openPhonePage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    // The reference server's development certificate is self-signed (a person accepts it once).
    ignoreHTTPSErrors: true,
    ...options,
  })
  const page = await context.newPage()
  const problems: string[] = []
  // A Content-Security-Policy violation is a problem too (Chromium also logs it as an error).
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
    )
  })
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    // Failed loads are reported below with their URL, which says more than Chromium's line.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console.error: ${message.text()}`)
    }
  })
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`)
  })
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`))
  return { page, problems }
}

/**
 * Save a screenshot as test-results/screenshots/<name>.png and return its path: the full page,
 * or with `{ fullPage: false }` what the phone's screen shows now.
 */
export async function screenshot(
  page: Page,
  name: string,
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  // Taro's H5 router slides pages in from the right. Wait until the page fits the phone's width
  // and nothing animates; a page that never fits has a horizontal overflow bug and fails here.
  await page.waitForFunction(
    () =>
      document.documentElement.scrollWidth <= window.innerWidth &&
      document.getAnimations().every((animation) => animation.playState !== 'running'),
    undefined,
    { timeout: 5_000 },
  )
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage })
  return path
}

/**
 * Answers the consent dialog a first launch shows over home (CONSENT): waits for it, taps
 * 同意 or 不同意, and waits until the dialog is gone and the decision is sealed in storage
 * (`consent.item.record` changed), so that a reload that follows keeps it.
 */
export async function answerConsent(page: Page, answer: 'agree' | 'decline'): Promise<void> {
  // Earlier pages stay in the DOM (hidden) in Taro's H5 router: the dialog on screen is visible.
  await page.locator('#consent-dialog:visible').waitFor()
  const before = await page.evaluate(() => localStorage.getItem('consent.item.record'))
  await page
    .locator(answer === 'agree' ? '#consent-agree:visible' : '#consent-decline:visible')
    .click()
  await page.waitForFunction(
    (previous) => {
      const record = localStorage.getItem('consent.item.record')
      return !document.querySelector('#consent-dialog') && record !== null && record !== previous
    },
    before,
    { timeout: 5_000 },
  )
}

/**
 * For a test file: the reference server serving the H5 build and a browser, started before its
 * tests and closed after them. `const app = appServerAndBrowser()`, then `app.server` and
 * `app.browser` inside tests (they exist once `beforeAll` ran).
 */
export function appServerAndBrowser(): { server: TestServer; browser: Browser } {
  const app = {} as { server: TestServer; browser: Browser }
  beforeAll(async () => {
    app.server = await startAppServer()
    app.browser = await launchBrowser()
  })
  afterAll(async () => {
    await app.browser?.close()
    await app.server?.close()
  })
  return app
}

/** The reference server serving the H5 build (dist-h5/) on its own https origin, as users get it. */
export function startAppServer(): Promise<TestServer> {
  return startTestServer({
    env: {
      WEB_ROOT: join(__dirname, '..', '..', 'dist-h5'),
      // Every request counts towards its address's limit, the web build's files too, and one
      // test file's browser loads the app many times a minute from 127.0.0.1: past 300 a chunk
      // answered 429 left a page half shown. The limit itself is tested in server/test/.
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  })
}

/** A screenshot was written and holds a picture (not an empty page). */
export function expectSaved(path: string): void {
  expect(existsSync(path)).toBe(true)
  expect(statSync(path).size).toBeGreaterThan(10_000)
}
