import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Page } from 'playwright-core'
import { runIncidentCli } from '../server/src/incident-cli'
import {
  answerConsent,
  expectSaved,
  openPhonePage,
  screenshot,
  appServerAndBrowser,
} from './support/browser'
import { INCIDENT_TIMING_FILE } from './incident-timing'

// INCIDENT and MONITOR in the H5 build, in Chromium against the reference server:
// - an operator opens an incident with `npm run incident` (its code, runIncidentCli) while the
//   app sits on home sending nothing: the app's status watch (every 15-30 s in the foreground)
//   takes it to the maintenance page; the incident's end brings it home without a reload. The
//   time from `incident start` to the maintenance page is written for `npm run bench`.
// - a thrown error lands once in the server's database, with nothing personal in it.

// The reference server serving the H5 build, and Chromium: one of each for this file.
const app = appServerAndBrowser()

const incident = (...args: string[]) =>
  runIncidentCli(
    args,
    { DATA_DIR: app.server.settings.dataDir, PORT: String(app.server.port) },
    () => {},
  )

async function homeWithWeather(page: Page) {
  await page.goto(app.server.url)
  await answerConsent(page, 'agree')
  await page.getByText('未来 5 天').waitFor()
}

test('incident start while the app sits on home: the maintenance page within the status watch; end: home again without a reload', async () => {
  const { page, problems } = await openPhonePage(app.browser)
  await homeWithWeather(page)
  // A mark that a reload would erase.
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true))

  const started = Date.now()
  await incident('start', '--message', '系统升级中，预计 30 分钟')
  await page.locator('#maintenance-message:visible', { hasText: '系统升级中' }).waitFor({
    timeout: 40_000,
  })
  const toMaintenanceMs = Date.now() - started
  await expect(page.locator('#maintenance-since:visible').innerText()).resolves.toMatch(
    /^开始于 \d{1,2}月\d{1,2}日/,
  )
  expectSaved(await screenshot(page, 'incident-01-maintenance'))
  // The navigation bar's home button cannot be hidden on H5: home sends the user back.
  await page.locator('.taro-navigation-bar-home:visible').click()
  await page.locator('#maintenance-message:visible', { hasText: '系统升级中' }).waitFor()
  // Any page opened by its address during the incident gives way to the maintenance page: by a
  // new address in the same tab (no reload), and by a fresh load of that address.
  await page.evaluate(() => (window.location.hash = '#/more/pages/privacy-center/index'))
  await page.waitForURL(/#\/pages\/maintenance\/index$/)
  await page.locator('#maintenance-message:visible', { hasText: '系统升级中' }).waitFor()
  for (const hash of ['#/more/pages/privacy-center/index', '#/more/pages/city-picker/index']) {
    const other = await openPhonePage(app.browser)
    await other.page.goto(`${app.server.url}/${hash}`)
    await other.page.waitForURL(/#\/pages\/maintenance\/index$/)
    await other.page.locator('#maintenance-message:visible', { hasText: '系统升级中' }).waitFor()
    expect(await other.page.locator('body').innerText()).not.toContain('ERR_MAINTENANCE')
    // The launch's weather request is refused (503): what the server says during an incident.
    expect(other.problems.filter((problem) => !problem.startsWith('HTTP 503: '))).toEqual([])
    await other.page.close()
  }
  mkdirSync(dirname(INCIDENT_TIMING_FILE), { recursive: true })
  writeFileSync(INCIDENT_TIMING_FILE, JSON.stringify({ toMaintenanceMs, at: new Date() }))

  await incident('end')
  // The first poll during an incident comes 2.5-5 s after it began, then backs off.
  await page.getByText('未来 5 天').waitFor({ timeout: 20_000 })
  await expect(page.locator('#home-city:visible').innerText()).resolves.toContain('北京')
  await expect(
    page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce),
  ).resolves.toBe(true)
  expect(problems).toEqual([])
}, 90_000)

test('a thrown error: one report in the server database, nothing personal in it, nothing personal on the wire', async () => {
  const { page, problems } = await openPhonePage(app.browser)
  await homeWithWeather(page)
  const before = (
    app.server.db.prepare('SELECT COUNT(*) AS n FROM error_reports').get() as { n: number }
  ).n
  const sent: string[] = []
  page.on('request', (request) => {
    if (request.url().endsWith('/v1/monitor/errors')) sent.push(request.postData() ?? '')
  })

  // A bug in a timer callback, with personal data in its message.
  await page.evaluate(() => {
    setTimeout(() => {
      throw new TypeError('cannot show 13812345678 for zhang.san@example.com')
    })
  })
  const started = Date.now()
  let rows: Array<Record<string, string | number>> = []
  while (rows.length === 0) {
    if (Date.now() - started > 20_000) throw new Error('no report reached the server')
    await new Promise((resolve) => setTimeout(resolve, 100))
    rows = app.server.db
      .prepare('SELECT * FROM error_reports ORDER BY id')
      .all()
      .slice(Number(before)) as Array<Record<string, string | number>>
  }
  // Once, and only once, even after the next batching delay.
  await new Promise((resolve) => setTimeout(resolve, 6000))
  rows = app.server.db
    .prepare('SELECT * FROM error_reports ORDER BY id')
    .all()
    .slice(Number(before)) as Array<Record<string, string | number>>
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({
    kind: 'error',
    message: 'TypeError: cannot show [phone] for [email]',
    platform: 'h5',
    app_version: '0.1.0',
    page: expect.stringContaining('pages/home/index'),
    count: 1,
  })
  expect(String(rows[0].stack)).toMatch(/:\d+:\d+/)
  const everything = JSON.stringify(rows) + sent.join('\n')
  expect(everything).not.toContain('13812345678')
  expect(everything).not.toContain('zhang.san@example.com')
  expect(sent).toHaveLength(1)
  // The thrown error itself is the only problem the page had.
  expect(problems).toEqual(['pageerror: cannot show 13812345678 for zhang.san@example.com'])
}, 60_000)
