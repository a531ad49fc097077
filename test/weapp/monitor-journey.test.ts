import { startTestServer, type TestServer } from '../../server/test/test-server'
import { createFakeWx, sameDevice, type FakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { connectToServer } from './connect-to-server'
import { agreeOnFirstLaunch } from './first-launch'
import { expectStorageDeclared } from './storage-declared'

// MONITOR on the real weapp build against the real server: errors are captured where WeChat
// delivers them (wx.onError, wx.onUnhandledRejection, onPageNotFound) and where Taro would leave
// a blank page (a render error: the page's error boundary), scrubbed before they are kept, kept
// on the device until the user agrees, and stored by the server once. The app's clock runs 100x
// faster, so the monitor's 5 s batching delay takes 50 ms.

const HOME = 'pages/home/index'
const PHONE = '13812345678'
let server: TestServer
let app: MiniProgram | undefined

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => server?.close())
afterEach(() => {
  app?.close()
  app = undefined
})

interface StoredReport {
  kind: string
  message: string
  stack: string
  page: string
  count: number
  platform: string
  base_library: string
  app_version: string
}

/** Every report the server stored, oldest first. */
function storedReports(): StoredReport[] {
  return server.db
    .prepare(
      `SELECT kind, message, stack, page, count, platform, base_library, app_version
         FROM error_reports ORDER BY id`,
    )
    .all() as StoredReport[]
}

let codes = 0
function connectedWx(): FakeWx {
  const { fake } = connectToServer(createFakeWx(), server)
  fake.control.loginCodes.push(`monitor-journey-${++codes}`)
  return fake
}

async function launch(fake: FakeWx, path?: string, query?: Record<string, string>) {
  app = await launchMiniProgram({ fakeWx: fake, timeSpeedup: 100, path, query })
  return app
}

/**
 * Waits until the server holds `count` more reports than `before`; returns those. At 100x the
 * app's 10 s request timeout is 100 ms of real time, which a loaded machine can miss: the wait
 * covers the monitor's first six retries (0.3 s doubling), not only the first send.
 */
async function waitForReports(before: number, count: number) {
  await (app as MiniProgram).waitUntil(
    () => storedReports().length >= before + count,
    () => `the server has ${storedReports().length - before} new reports, not ${count},`,
    20_000,
  )
  return storedReports().slice(before)
}

const monitorPosts = (fake: FakeWx) =>
  fake.control.requests.filter((r) => r.url.endsWith('/v1/monitor/errors'))

/** Nothing personal in anything that left the device or reached the realtime log. */
function expectScrubbed(fake: FakeWx, reports: StoredReport[]) {
  const sent = [
    ...monitorPosts(fake).map((r) => JSON.stringify(r.body)),
    ...fake.control.realtimeLog.map((entry) => JSON.stringify(entry.args)),
    ...reports.map((report) => JSON.stringify(report)),
  ].join('\n')
  expect(sent).not.toContain(PHONE)
  expect(sent).not.toContain('zhang.san@example.com')
  expect(sent).not.toContain('secret-token-value')
}

test('a render error: the page shows a way out, the server stores exactly one scrubbed report, retry renders the page again', async () => {
  const fake = connectedWx()
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.waitForText('未来 5 天')
  const before = storedReports().length

  // A bug in rendering: the forecast's weekday throws, with personal data in its message.
  program.evaluate(`
    globalThis.__realGetUTCDay = Date.prototype.getUTCDay
    Date.prototype.getUTCDay = function () {
      throw new TypeError('cannot render for ${PHONE} zhang.san@example.com')
    }`)
  await program.currentPage.tap({ id: 'home-city' })
  await program.currentPage.waitForText('广州')
  await program.currentPage.tap({ id: 'city-guangzhou' })
  await program.currentPage.waitForText('这个页面出了点问题')
  expect(program.routes).toEqual([HOME])

  const [report, ...more] = await waitForReports(before, 1)
  expect(more).toEqual([])
  expect(report).toMatchObject({
    kind: 'boundary',
    page: HOME,
    count: 1,
    platform: 'devtools',
    app_version: '0.1.0',
  })
  expect(report.message).toBe('TypeError: cannot render for [phone] [email]')
  expect(report.stack).toMatch(/getUTCDay|dayLabel|at /)
  expect(report.base_library).toMatch(/^\d+\.\d+\.\d+$/)
  // The realtime log got the same scrubbed line.
  expect(fake.control.realtimeLog).toEqual([
    {
      level: 'error',
      args: [
        expect.stringMatching(/^\[boundary\] TypeError: cannot render for \[phone\] \[email\]/),
      ],
    },
  ])
  expectScrubbed(fake, [report])

  // Fixed (here: the built-in restored): 重试 renders the page again, with Guangzhou's weather.
  program.evaluate('Date.prototype.getUTCDay = globalThis.__realGetUTCDay')
  await program.currentPage.tap({ id: 'page-error-retry' })
  await program.currentPage.waitForText('未来 5 天')
  expect(program.currentPage.text()).toContain('广州')
  // Reported once: not again through onError (Taro's page wrapper never saw it).
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect(storedReports()).toHaveLength(before + 1)
  expect(program.errors).toEqual([])
  expect(fake.control.violations).toEqual([])
  expectStorageDeclared(fake)
})

test('an error in a tap handler and an unhandled rejection: one report each, of their kind, scrubbed', async () => {
  const fake = connectedWx()
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.waitForText('未来 5 天')
  const before = storedReports().length

  // What WeChat does when a script throws: App.onError and wx.onError get one string.
  program.scriptError(program.evaluate(`new Error('tap failed for ${PHONE}')`))
  program.unhandledRejection(
    program.evaluate(`new Error('lost promise authorization=Bearer secret-token-value')`),
    program.evaluate('Promise.resolve()'),
  )
  const reports = await waitForReports(before, 2)
  expect(reports.map((r) => [r.kind, r.message])).toEqual([
    ['error', 'Error: tap failed for [phone]'],
    ['unhandledrejection', 'lost promise authorization=[redacted] [token]'],
  ])
  expectScrubbed(fake, reports)
})

test('an unknown page opens home and is reported, without its query', async () => {
  const fake = connectedWx()
  // First launch agrees, so the report may leave the device.
  const first = await launch(fake)
  await agreeOnFirstLaunch(first)
  await first.currentPage.waitForText('未来 5 天')
  first.close()
  const next = connectToServer(sameDevice(fake), server).fake
  next.control.loginCodes.push(`monitor-journey-${++codes}`)
  const before = storedReports().length

  const program = await launch(next, 'pages/old-page/index', { phone: PHONE })
  expect(program.routes).toEqual([HOME])
  const [report] = await waitForReports(before, 1)
  expect(report.kind).toBe('pagenotfound')
  expect(report.message).toBe('page not found: pages/old-page/index')
  expect(report.page).toBe('pages/old-page/index')
  expect(JSON.stringify(next.control.requests.map((r) => r.body))).not.toContain(PHONE)
})

test('before a choice reports stay on the device; 同意 sends them, 不同意 drops them', async () => {
  for (const answer of ['agree', 'decline'] as const) {
    const fake = connectedWx()
    const program = await launch(fake)
    await program.currentPage.waitForText('欢迎使用安心天气')
    const before = storedReports().length
    program.scriptError(program.evaluate(`new Error('before consent ${answer}')`))
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Kept, scrubbed, on the device; nothing sent, nothing in the realtime log.
    const queued = fake.control.storage.get('monitor.queue')?.data as {
      reports: Array<{ message: string }>
    }
    expect(queued.reports.map((r) => r.message)).toEqual([`Error: before consent ${answer}`])
    expect(monitorPosts(fake)).toEqual([])
    expect(fake.control.realtimeLog).toEqual([])

    await program.currentPage.tap({ id: answer === 'agree' ? 'consent-agree' : 'consent-decline' })
    if (answer === 'agree') {
      const [report] = await waitForReports(before, 1)
      expect(report.message).toBe('Error: before consent agree')
    } else {
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(monitorPosts(fake)).toEqual([])
      expect(storedReports()).toHaveLength(before)
      expect(fake.control.storage.has('monitor.queue')).toBe(false)
      // After a decline nothing is captured at all.
      program.scriptError(program.evaluate(`new Error('after decline')`))
      expect(fake.control.storage.has('monitor.queue')).toBe(false)
    }
    expect(program.errors).toEqual([])
    expectStorageDeclared(fake)
    program.close()
    app = undefined
  }
})

test("after the user's own 退出登录 nothing signs in on its own: reports wait until the user signs in again", async () => {
  const fake = connectedWx()
  fake.control.loginCodes.push(`monitor-journey-${++codes}`)
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.waitForText('未来 5 天')
  await program.currentPage.tap({ id: 'home-privacy-center' })
  await program.currentPage.waitForText('未登录')
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.currentPage.tap({ id: 'privacy-sign-out' })
  await program.currentPage.waitForText('已退出登录')
  const before = storedReports().length
  const logins = () => fake.control.calls.filter((call) => call.api === 'login').length
  const loginsBefore = logins()

  program.scriptError(program.evaluate("new Error('after sign-out')"))
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(logins()).toBe(loginsBefore)
  expect(monitorPosts(fake)).toEqual([])
  expect(JSON.stringify(fake.control.storage.get('monitor.queue')?.data)).toContain(
    'after sign-out',
  )

  // The user signs in again: the waiting report goes.
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  const [report] = await waitForReports(before, 1)
  expect(report.message).toBe('Error: after sign-out')
  expect(fake.control.storage.has('session.signedOut')).toBe(false)
  expect(program.errors).toEqual([])
  expectStorageDeclared(fake)
})
