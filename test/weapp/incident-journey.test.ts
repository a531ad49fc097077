import { runIncidentCli } from '../../server/src/incident-cli'
import { startTestServer, type TestServer } from '../../server/test/test-server'
import { dateTimeLabel } from '../../src/components/weather-text'
import {
  createFakeWx,
  sameDevice,
  type FakeWx,
  type RequestHandler,
} from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { findById } from '../weapp-harness/render-tree'
import { connectToServer } from './connect-to-server'
import { agreeOnFirstLaunch } from './first-launch'

// INCIDENT on the real build against the real server: the operator flips the kill switch with
// `npm run incident` (its code, runIncidentCli) and the app follows. The app's clock runs 200x
// faster, so the 5 s first poll comes after 25 ms.

const MAINTENANCE = 'pages/maintenance/index'
const HOME = 'pages/home/index'
let server: TestServer
let app: MiniProgram | undefined
beforeAll(async () => {
  // Each journey signs the operator in once or twice: more than the login limit's 10 a minute.
  server = await startTestServer({ env: { ADMIN_LOGINS_PER_MINUTE: '1000' } })
})
afterAll(async () => server?.close())
afterEach(async () => {
  app?.close()
  app = undefined
  const status = (await server.request('/v1/status')).body as { maintenance: boolean }
  if (status.maintenance) await incident('end')
})

const incident = (...args: string[]) =>
  runIncidentCli(args, { DATA_DIR: server.settings.dataDir, PORT: String(server.port) }, () => {})

async function launch(fake: FakeWx, timeSpeedup = 200) {
  app = await launchMiniProgram({ fakeWx: fake, timeSpeedup })
  return app
}

/** What connectToServer answers requests with, to be wrapped. */
function serverHandler(): RequestHandler {
  let handler: RequestHandler | undefined
  connectToServer(
    { control: { onRequest: (h: RequestHandler) => (handler = h) } } as unknown as FakeWx,
    server,
  )
  return handler as RequestHandler
}

const paths = (fake: FakeWx) => fake.control.requests.map((r) => new URL(r.url).pathname)

function expectHealthy(program: MiniProgram) {
  expect(program.errors).toEqual([])
  expect(program.consoleErrors).toEqual([])
}

test('an incident open at launch: the maintenance page with its message and start time, only status polls while it lasts, then home by itself', async () => {
  await incident('start', '--message', '系统升级中，预计 30 分钟')
  const { since } = (await server.request('/v1/status')).body as { since: string }
  const fake = createFakeWx()
  const toServer = serverHandler()
  const wire: string[] = [] // what was sent, and when the first status answer came back
  fake.control.onRequest(async (request) => {
    const path = new URL(request.url).pathname
    wire.push(path)
    const response = await toServer(request)
    if (path === '/v1/status' && !wire.includes('answered')) wire.push('answered')
    return response
  })
  const program = await launch(fake)
  await program.waitForRoute(MAINTENANCE)
  const page = program.currentPage
  await page.waitForText('系统升级中，预计 30 分钟')
  expect(page.text()).toContain(`开始于 ${dateTimeLabel(Date.parse(since))}`)
  expect(page.text()).toContain('你的设置不会丢失')
  expect(fake.control.calls.filter((c) => c.api === 'reLaunch')).toHaveLength(1)
  // WeChat's home button on a reLaunched page would lead past the incident: hidden.
  expect(fake.control.calls.map((c) => c.api)).toContain('hideHomeButton')

  // Several backoff polls and a retry later: once the status answered, only status polls went
  // out. (The launch weather request is sent at once, not held back for the status: see
  // docs/incident-response.md.)
  await new Promise((resolve) => setTimeout(resolve, 400))
  const polls = wire.length
  await page.tap({ id: 'maintenance-retry' })
  expect(wire.length).toBe(polls + 1)
  const after = wire.slice(wire.indexOf('answered') + 1)
  expect(after.length).toBeGreaterThan(3)
  expect(after.every((path) => path === '/v1/status')).toBe(true)
  expect(fake.control.calls.filter((c) => c.api === 'reLaunch')).toHaveLength(1)

  await incident('end')
  await program.waitForRoute(HOME)
  await program.currentPage.waitForText('未来 5 天')
  expectHealthy(program)
})

test("the operator's --retry-after shows as the expected end; a message that is the page's title is not repeated as its heading", async () => {
  await incident('start', '--message', '系统维护中', '--retry-after', '1800')
  const { expectedEndAt } = (await server.request('/v1/status')).body as { expectedEndAt: string }
  const program = await launch(connectToServer(createFakeWx(), server).fake)
  await program.waitForRoute(MAINTENANCE)
  const page = program.currentPage
  await page.waitForText(`预计 ${dateTimeLabel(Date.parse(expectedEndAt))} 恢复`)
  // The navigation bar already says 系统维护中 (index.config.ts): the card does not say it again.
  expect(findById(page.render(), 'maintenance-message')).toBeUndefined()
  expect(page.text()).not.toContain('系统维护中')
  expect(page.text()).toContain('开始于')
  expectHealthy(program)
})

test('the maintenance header on a weather answer mid-session takes the app to maintenance', async () => {
  const { fake } = connectToServer(createFakeWx(), server)
  // The app's clock at its real speed: the 15-30 s status watch does not come first.
  const program = await launch(fake, 1)
  await program.currentPage.waitForText('未来 5 天')
  expect(program.routes).toEqual([HOME])

  await incident('start', '--message', '紧急维护')
  // A new city's weather: its answer carries x-maintenance.
  await program.currentPage.tap({ id: 'home-city' })
  await program.currentPage.waitForText('广州')
  await program.currentPage.tap({ id: 'city-guangzhou' })
  await program.waitForRoute(MAINTENANCE)
  await program.currentPage.waitForText('紧急维护')
  expect(paths(fake)).toContain('/v1/weather')
  expectHealthy(program)
})

test('an incident started while the app is in the background: the maintenance page on the next foreground; its end brings home back without a restart', async () => {
  const { fake } = connectToServer(createFakeWx(), server)
  const program = await launch(fake)
  await program.currentPage.waitForText('未来 5 天')
  program.toBackground()
  await incident('start', '--message', '后台期间开始的维护')
  const before = paths(fake).length
  program.toForeground()
  await program.waitForRoute(MAINTENANCE)
  await program.currentPage.waitForText('后台期间开始的维护')
  // The foreground check was one status request, and nothing else went out.
  expect(paths(fake).slice(before)[0]).toBe('/v1/status')
  await incident('end')
  await program.waitForRoute(HOME)
  await program.currentPage.waitForText('未来 5 天')
  expectHealthy(program)
})

test('status unreachable: FAIL OPEN, the app works as usual and the header still catches an incident', async () => {
  await incident('start', '--message', '紧急维护')
  const fake = createFakeWx()
  const toServer = serverHandler()
  // Status requests fail as on a network that drops them; the rest reach the real server.
  fake.control.onRequest((request) =>
    request.url.includes('/v1/status') ? { fail: 'timeout' } : toServer(request),
  )
  const program = await launch(fake)
  // The weather answer carries x-maintenance: the header alone is enough.
  await program.waitForRoute(MAINTENANCE)
  expect(program.currentPage.text()).toContain('服务暂时无法使用')
  await incident('end')
  // Only the status could end it, and it cannot be had: the app stays (last known state).
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(program.routes).toEqual([MAINTENANCE])
  expectHealthy(program)
})

test('offline at launch: no maintenance page, home shows its usual offline error', async () => {
  const fake = createFakeWx()
  fake.control.onRequest(() => ({ fail: 'net::ERR_INTERNET_DISCONNECTED' }))
  const program = await launch(fake)
  await program.currentPage.waitForText('重试')
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect(program.routes).toEqual([HOME])
  expect(paths(fake)).toContain('/v1/status')
  expectHealthy(program)
})

test('the exit button closes the mini program from the tap', async () => {
  await incident('start', '--message', '紧急维护')
  const { fake } = connectToServer(createFakeWx(), server)
  const program = await launch(fake)
  await program.waitForRoute(MAINTENANCE)
  await program.currentPage.tap({ id: 'maintenance-exit' })
  expect(fake.control.exits).toBe(1)
  expect(fake.control.toasts).toEqual([])
  expectHealthy(program)
})

test('LOCAL LOCK: three tampered sealed items in one run lock the app, wipe the sealed store and report it; the report goes at the next launch', async () => {
  // A signed-in install: an error report after 同意 signs in, which seals a session.
  const { fake } = connectToServer(createFakeWx(), server)
  fake.control.loginCodes.push('incident-lock-1')
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.waitForText('未来 5 天')
  program.scriptError(program.evaluate("new Error('sign me in')"))
  await program.waitUntil(
    () => fake.control.storage.has('secure.item.session'),
    () => 'the monitor never signed in',
  )
  await program.settle()
  program.close()
  app = undefined

  // Someone changes sealed data on the device: three items fail their integrity check.
  const next = connectToServer(sameDevice(fake), server).fake
  next.control.loginCodes.push('incident-lock-2')
  const sealed = String(fake.control.storage.get('secure.item.session')?.data)
  const tampered = sealed.slice(0, -1) + (sealed.endsWith('0') ? '1' : '0')
  for (const name of ['session', 'copy-a', 'copy-b']) {
    next.control.storage.set(`secure.item.${name}`, { data: tampered, encrypt: true })
  }
  const locked = await launch(next)
  await locked.waitForRoute(MAINTENANCE)
  await locked.currentPage.waitForText('检测到本机数据被改动')
  // The page shows while the wipe's storage calls are still out (a loaded machine showed it).
  await locked.settle()
  expect([...next.control.storage.keys()].filter((key) => key.startsWith('secure.'))).toEqual([])
  // Reported, but nothing leaves a locked app: the report waits on the device.
  const queued = JSON.stringify(next.control.storage.get('monitor.queue')?.data)
  expect(queued).toContain('security event incident.lock ERR_TAMPERED')
  const sentWhileLocked = next.control.requests.length
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(next.control.requests.length).toBe(sentWhileLocked)
  locked.close()
  app = undefined

  // The next start is a new run: no lock, and the queued report reaches the server.
  const after = connectToServer(sameDevice(next), server).fake
  after.control.loginCodes.push('incident-lock-3')
  const program3 = await launch(after)
  await program3.currentPage.waitForText('未来 5 天')
  const lockReports = () =>
    server.db
      .prepare("SELECT COUNT(*) AS n FROM error_reports WHERE message LIKE '%incident.lock%'")
      .get() as { n: number }
  await program3.waitUntil(
    () => Number(lockReports().n) > 0,
    () => 'the lock was never reported',
  )
  expectHealthy(program3)
})
