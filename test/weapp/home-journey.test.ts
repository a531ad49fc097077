import { startTestServer, type TestServer } from '../../server/test/test-server'
import { createFakeWx, sameDevice, type FakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { connectToServer } from './connect-to-server'
import { expectStorageDeclared } from './storage-declared'

// These run the real production build in dist/ (npm run test:weapp builds it first); the weather
// comes from the real reference server over HTTPS, through WeChat's wx.request as the fake sends it.

const SELECTED_CITY_KEY = 'weather.selectedCity'
/** What the app stores for a chosen city: its id and names, as JSON text. */
const chosen = (id: string, name: string, province: string) =>
  JSON.stringify({ id, name, province })
let server: TestServer
let app: MiniProgram | undefined
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.close()
})
afterEach(() => app?.close())

async function launch(fake: FakeWx = createFakeWx()) {
  connectToServer(fake, server)
  app = await launchMiniProgram({ fakeWx: fake })
  return app
}

/** A page that threw, logged an error or rendered nothing fails the journey. */
function expectHealthy(program: MiniProgram) {
  expect(program.errors).toEqual([])
  expect(program.consoleErrors).toEqual([])
  expect(program.currentPage.text().length).toBeGreaterThan(0)
}

test('app.json: home (with the consent dialog) and maintenance in the main package; the rest in a preloaded subpackage', async () => {
  const program = await launch()
  // What a first launch and an incident need is downloaded before the first page shows.
  expect(program.appJson.pages).toEqual(['pages/home/index', 'pages/maintenance/index'])
  expect(program.appJson.subPackages).toEqual([
    {
      root: 'more',
      pages: [
        'pages/city-picker/index',
        'pages/privacy-policy/index',
        'pages/privacy-center/index',
        'pages/collected-list/index',
        'pages/sharing-list/index',
      ],
    },
  ])
  expect(program.appJson.preloadRule).toEqual({
    'pages/home/index': { network: 'all', packages: ['more'] },
  })
  // The launch ran without a single subpackage file.
  expect(program.loadedSubpackages).toEqual([])
  // PERMISSION: the fuzzy location and nothing else, with the prompt's text (at most 30 characters).
  expect(program.appJson.requiredPrivateInfos).toEqual(['getFuzzyLocation'])
  const permission = program.appJson.permission as Record<string, { desc: string }>
  expect(Object.keys(permission)).toEqual(['scope.userFuzzyLocation'])
  expect([...permission['scope.userFuzzyLocation'].desc].length).toBeLessThanOrEqual(30)
  expect(program.appJson.window?.navigationBarTitleText).toBe('安心天气')
  expectStorageDeclared(program)
})

test("home shows the default city's weather from the server, asked for anonymously by city id", async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  const home = program.currentPage
  await home.waitForText('未来 5 天')
  const text = home.text()
  expect(home.route).toBe('pages/home/index')
  expect(text).toContain('北京')
  expect(text).toMatch(/-?\d+°/)
  expect(text).toMatch(/最高 -?\d+° · 最低 -?\d+°/)
  expect(text).toContain('今天')
  expect(text).toContain('明天')
  expect(text).toMatch(/更新于 \d{1,2}:\d{2}/)
  expect(text).toContain('数据来源：安心天气服务')
  // What went over the wire: the city id, nothing that identifies the user.
  const weatherRequests = fake.control.requests.filter((r) => r.url.includes('/v1/weather'))
  expect(weatherRequests.map((r) => r.url)).toEqual([
    'https://127.0.0.1:8443/v1/weather?cityId=beijing',
  ])
  expect(Object.keys(weatherRequests[0].header).sort()).toEqual([
    'accept',
    'content-type',
    'referer',
  ])
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('choosing a city in the picker shows its weather and is remembered', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await program.currentPage.waitForText('北京')

  await program.currentPage.tap({ id: 'home-city' })
  expect(program.routes).toEqual(['pages/home/index', 'more/pages/city-picker/index'])
  const picker = program.currentPage
  await picker.waitForText('上海')
  expect(picker.text()).toContain('当前')

  await picker.input('city-search', 'guang')
  expect(picker.text()).toContain('广州')
  expect(picker.text()).not.toContain('上海')

  await picker.tap({ id: 'city-guangzhou' })
  expect(program.routes).toEqual(['pages/home/index'])
  await program.currentPage.waitForText('广州')
  expect(program.currentPage.text()).toContain('广东')
  expect(fake.control.storage.get(SELECTED_CITY_KEY)?.data).toBe(
    chosen('guangzhou', '广州', '广东'),
  )
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('a search with no match says so', async () => {
  const program = await launch()
  await program.currentPage.tap({ id: 'home-city' })
  await program.currentPage.input('city-search', 'atlantis')
  expect(program.currentPage.text()).toContain('没有找到“atlantis”')
  expectHealthy(program)
  expectStorageDeclared(program)
})

test('the remembered city is shown on the next launch', async () => {
  const program = await launch(
    createFakeWx({ storage: { [SELECTED_CITY_KEY]: chosen('chengdu', '成都', '四川') } }),
  )
  await program.currentPage.waitForText('成都')
  expectHealthy(program)
  expectStorageDeclared(program)
})

test('a stored city the server no longer knows falls back to the default and is removed', async () => {
  const fake = createFakeWx({
    storage: { [SELECTED_CITY_KEY]: chosen('atlantis', '亚特兰蒂斯', '海底') },
  })
  const program = await launch(fake)
  await program.currentPage.waitForText('北京')
  await program.currentPage.waitForText('未来 5 天')
  expect(fake.control.storage.has(SELECTED_CITY_KEY)).toBe(false)
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('when storage refuses the choice, the user is told and stays on the picker with nothing lost', async () => {
  const fake = createFakeWx({
    storage: { [SELECTED_CITY_KEY]: chosen('shanghai', '上海', '上海') },
  })
  const program = await launch(fake)
  await program.currentPage.waitForText('上海')
  await program.currentPage.tap({ id: 'home-city' })
  fake.control.failNext('setStorageSync', 'exceed storage max size')
  await program.currentPage.tap({ id: 'city-shenzhen' })
  expect(program.routes).toEqual(['pages/home/index', 'more/pages/city-picker/index'])
  expect(fake.control.toasts).toContainEqual({ api: 'showToast', title: '保存失败，请重试' })
  expect(fake.control.storage.get(SELECTED_CITY_KEY)?.data).toBe(chosen('shanghai', '上海', '上海'))
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test.each([
  ['home-privacy-policy', 'more/pages/privacy-policy/index', '隐私政策'],
  ['home-privacy-center', 'more/pages/privacy-center/index', '账号与登录'],
])('the footer link %s opens %s', async (id, route, text) => {
  const program = await launch()
  await program.currentPage.waitForText('隐私政策')
  expect(program.loadedSubpackages).toEqual([])
  await program.currentPage.tap({ id })
  expect(program.currentPage.route).toBe(route)
  expect(program.loadedSubpackages).toEqual(['more'])
  expect(program.currentPage.text()).toContain(text)
  expectHealthy(program)
  expectStorageDeclared(program)
})

test.each(['pages/maintenance/index'])('%s is routed and renders', async (path) => {
  app = await launchMiniProgram({ path })
  expect(app.currentPage.route).toBe(path)
  // Opened without an incident (and no server here): the generic text, a retry, no crash.
  expect(app.currentPage.text()).toContain('服务暂时无法使用')
  expect(app.currentPage.text()).toContain('重试')
  // No incident is known (and none can be learnt: FAIL OPEN), so 重试 leads home.
  // (The status request fails after the HTTPS client's retries, which take a while: wait.)
  await app.currentPage.tap({ id: 'maintenance-retry' })
  await app.waitForRoute('pages/home/index', 15_000)
  expectHealthy(app)
  expectStorageDeclared(app)
})

test('the weapp runtime has no window, document or crypto, as on a device', async () => {
  const program = await launch()
  expect(program.evaluate('typeof window')).toBe('undefined')
  expect(program.evaluate('typeof document')).toBe('undefined')
  expect(program.evaluate('typeof crypto')).toBe('undefined')
  expectStorageDeclared(program)
})

test('server down at the next launch: the last weather kept for the city, with an offline notice', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await program.currentPage.waitForText('未来 5 天')
  const temperature = program.currentPage.text().match(/-?\d+°/)?.[0]
  program.close()
  app = undefined

  // Same device, no server: a fake wx with no network answers every request with a failure.
  const offline = sameDevice(fake)
  app = await launchMiniProgram({ fakeWx: offline })
  await app.currentPage.waitForText('暂时连不上服务器，显示的是上次获取的天气')
  expect(app.currentPage.text()).toContain('未来 5 天')
  expect(app.currentPage.text()).toContain(temperature)
  expect(app.currentPage.text()).toMatch(/更新于/)
  expect(offline.control.requests.length).toBeGreaterThan(0) // it did try the server first
  expect(app.errors).toEqual([])
  expectStorageDeclared(offline)
})

test('server down and nothing kept: the error with a retry, never an empty page', async () => {
  app = await launchMiniProgram({ fakeWx: createFakeWx() })
  await app.currentPage.waitForText('天气数据暂时无法获取')
  expect(app.currentPage.text()).toContain('重试')
  expect(app.errors).toEqual([])
  expectStorageDeclared(app)
})

test('a link to a page that does not exist opens home (onPageNotFound redirects in its call)', async () => {
  const fake = createFakeWx()
  connectToServer(fake, server)
  app = await launchMiniProgram({ fakeWx: fake, path: 'pages/old-forecast/index' })
  expect(app.currentPage.route).toBe('pages/home/index')
  await app.currentPage.waitForText('未来 5 天')
  expect(app.errors).toEqual([])
})
