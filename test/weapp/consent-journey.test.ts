import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startTestServer, type TestServer } from '../../server/test/test-server'
import { createFakeWx, sameDevice, type FakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { connectToServer } from './connect-to-server'
import { expectStorageDeclared } from './storage-declared'
import { agreeOnFirstLaunch } from './first-launch'
import { POLICY } from '../../src/services/policy-version'

// CONSENT + PERMISSION in the real weapp build (dist/), with a fake wx as strict as WeChat about
// privacy authorization (agree only after a real tap on the agree button), scopes and the fuzzy
// location, and the real reference server behind wx.request.

const root = resolve(__dirname, '../..')
const LOCATION_SCOPE = 'scope.userFuzzyLocation'
/** West Lake, Hangzhou: a position a fuzzed location could give. */
const HANGZHOU = { latitude: 30.2468, longitude: 120.1435 }
/** Location APIs: none may run before the user chose, and none at all after a decline. */
const LOCATION_APIS = ['getFuzzyLocation', 'authorize', 'requirePrivacyAuthorize', 'openSetting']

let server: TestServer
let app: MiniProgram | undefined
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.close()
})
afterEach(() => app?.close())

async function launch(fake: FakeWx, distDir?: string) {
  connectToServer(fake, server)
  app = await launchMiniProgram({ fakeWx: fake, distDir })
  return app
}

/** The next launch of the same install (storage kept), with WeChat as `next` describes it. */
function relaunch(previous: FakeWx, program: MiniProgram, next = createFakeWx()): FakeWx {
  program.close()
  app = undefined
  return sameDevice(previous, next)
}

function expectHealthy(program: MiniProgram, fake: FakeWx) {
  expect(program.errors).toEqual([])
  expect(program.consoleErrors).toEqual([])
  expect(fake.control.violations).toEqual([])
  expect(fake.control.listenerErrors).toEqual([])
  // The app registers its listener: WeChat's own popup never shows.
  expect(fake.control.privacy.ownPopups).toEqual([])
}

/** The coordinates (to 2 decimals) appear in no request and nothing stored. */
function expectCoordinatesNeverLeft(fake: FakeWx) {
  const digits = [HANGZHOU.latitude, HANGZHOU.longitude].map((n) => n.toFixed(2))
  const sent = JSON.stringify(fake.control.requests)
  const stored = JSON.stringify([...fake.control.storage])
  for (const value of digits) {
    expect(sent).not.toContain(value)
    expect(stored).not.toContain(value)
  }
}

const apisCalled = (fake: FakeWx) =>
  fake.control.privacyLog.flatMap((entry) => (entry.kind === 'call' ? [entry.api] : []))

test('first launch: the dialog over home; no location API and no personal data sent before a choice', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  const home = program.currentPage
  await home.waitForText('欢迎使用安心天气')
  await home.waitForText('未来 5 天') // weather needs nothing personal: it is there behind the dialog
  expect(home.text()).toContain('不同意')
  expect(apisCalled(fake).filter((api) => LOCATION_APIS.includes(api))).toEqual([])
  // Only the anonymous weather request and the kill switch's status check (INCIDENT: no query, no
  // body) went out: no login, no consent, no report.
  const paths = fake.control.requests.map((request) => new URL(request.url).pathname)
  expect(new Set(paths)).toEqual(new Set(['/v1/weather', '/v1/status']))
  expect(fake.control.calls.some((call) => call.api === 'login')).toBe(false)
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('agree -> use my location -> the weather of the nearest city; the coordinates never leave', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  fake.control.promptAnswers[LOCATION_SCOPE] = 'accept'
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  // One tap on WeChat's agree button: WeChat recorded the agreement too.
  expect(fake.control.privacy.agreed).toBe(true)
  await program.currentPage.tap({ id: 'home-locate' })
  const picker = program.currentPage
  expect(picker.route).toBe('more/pages/city-picker/index')
  // Explained before anything is asked.
  await picker.waitForText('定位只用于找出离你最近的城市')
  expect(apisCalled(fake)).not.toContain('getFuzzyLocation')
  await picker.tap({ id: 'locate-button' })
  await program.settle()
  expect(program.currentPage.route).toBe('pages/home/index')
  await program.currentPage.waitForText('杭州')
  await program.currentPage.waitForText('未来 5 天')
  expect(fake.control.scopePrompts.map((prompt) => prompt.answer)).toEqual(['accept'])
  expect(fake.control.privacy.requests).toEqual([]) // already agreed: WeChat asked nothing more
  expectCoordinatesNeverLeft(fake)
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('decline -> manual city works, no location API ever, nothing personal stored, no sign-in', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  const program = await launch(fake)
  await program.currentPage.waitForText('欢迎使用安心天气')
  await program.currentPage.tap({ id: 'consent-decline' })
  await program.currentPage.waitForText('不使用你的个人信息')
  expect(program.currentPage.text()).not.toContain('欢迎使用安心天气')
  // WeChat's record stays "not agreed".
  expect(fake.control.privacy.agreed).toBe(false)

  await program.currentPage.tap({ id: 'home-city' })
  const picker = program.currentPage
  await picker.waitForText('同意隐私政策后才能使用定位')
  expect(picker.text()).not.toContain('使用我的位置')
  await picker.input('city-search', 'hz')
  await picker.tap({ id: 'city-hangzhou' })
  await program.settle()
  await program.currentPage.waitForText('杭州')
  await program.currentPage.waitForText('未来 5 天')

  await program.currentPage.tap({ id: 'home-privacy-center' })
  await program.currentPage.waitForText('登录需要你先同意隐私政策')
  expect(program.currentPage.text()).not.toContain('重试登录')

  expect(apisCalled(fake).filter((api) => LOCATION_APIS.includes(api))).toEqual([])
  expect(fake.control.calls.some((call) => call.api === 'login')).toBe(false)
  // Stored: the decision (sealed), the chosen city and cached public weather. No session.
  const keys = [...fake.control.storage.keys()].sort()
  expect(keys.filter((key) => !/^consent\.|^weather\./.test(key))).toEqual([])
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('WeChat forgot the agreement: two privacy requests from two pages, one dialog, each resolved once', async () => {
  // First launch: agree (the app's record and WeChat's).
  const first = createFakeWx()
  const program = await launch(first)
  await agreeOnFirstLaunch(program)
  await program.settle()

  // The user removed the mini program from "recently used": WeChat asks again; the app's own
  // record still says agreed, so no dialog shows at launch.
  const fake = relaunch(first, program, createFakeWx({ location: HANGZHOU }))
  fake.control.promptAnswers[LOCATION_SCOPE] = 'accept'
  const again = await launch(fake)
  await again.currentPage.waitForText('未来 5 天')
  expect(again.currentPage.text()).not.toContain('欢迎使用安心天气')

  // Picker 1 asks for the location: WeChat holds it and calls the app's listener.
  await again.currentPage.tap({ id: 'home-locate' })
  await again.currentPage.tap({ id: 'locate-button' })
  await again.currentPage.waitForText('欢迎使用安心天气')
  expect(fake.control.privacy.requests.map((r) => r.referrer)).toEqual(['getFuzzyLocation'])
  // The user goes back: home shows the same dialog, since the request is still pending.
  again.evaluate('wx.navigateBack({})')
  await again.settle()
  expect(again.currentPage.route).toBe('pages/home/index')
  await again.currentPage.waitForText('欢迎使用安心天气')
  // ...opens the picker again and asks again: a second pending request.
  await again.currentPage.tap({ id: 'home-locate' })
  await again.currentPage.tap({ id: 'locate-button' })
  await again.settle()
  expect(fake.control.privacy.requests).toHaveLength(2)

  // One tap on the agree button answers both, once each, after WeChat saw the tap.
  await again.currentPage.tap({ id: 'consent-agree' })
  await again.settle()
  expect(fake.control.privacy.requests.map((r) => r.state)).toEqual(['agreed', 'agreed'])
  expect(fake.control.privacy.requests.every((r) => r.exposed)).toBe(true)
  await again.currentPage.waitForText('杭州')
  expect(again.currentPage.route).toBe('pages/home/index')
  expect(again.routes).toEqual(['pages/home/index']) // the left page did not navigate twice
  expectCoordinatesNeverLeft(fake)
  expectHealthy(again, fake)
  expectStorageDeclared(fake)
})

test('the 3.4.2 path: WeChat puts its privacy checkbox in the location prompt; the app gets the city', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  fake.control.privacy.agreed = false // as if WeChat forgot, with the 3.4.2 behaviour on
  fake.control.privacy.checkboxInScopePrompt = true
  fake.control.promptAnswers[LOCATION_SCOPE] = 'accept'
  await program.currentPage.tap({ id: 'home-locate' })
  await program.currentPage.tap({ id: 'locate-button' })
  await program.settle()
  await program.currentPage.waitForText('杭州')
  expect(fake.control.scopePrompts.map((p) => p.privacyCheckbox)).toEqual([true])
  expect(fake.control.privacy.requests).toEqual([])
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('location denied -> explained, openSetting from a tap turns it on -> the city', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  fake.control.promptAnswers[LOCATION_SCOPE] = 'deny'
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.tap({ id: 'home-locate' })
  const picker = program.currentPage
  await picker.tap({ id: 'locate-button' })
  await picker.waitForText('位置权限已关闭')
  // The list is still there: no dead end.
  expect(picker.text()).toContain('上海')
  // A second try does not prompt again (WeChat never does after a denial): openSetting instead.
  fake.control.settingsPageChoices[LOCATION_SCOPE] = true
  await picker.tap({ id: 'locate-open-setting' })
  await program.settle()
  expect(fake.control.settingsOpens).toBe(1)
  await program.currentPage.waitForText('杭州')
  expect(program.currentPage.route).toBe('pages/home/index')
  expect(fake.control.scopePrompts).toHaveLength(1)
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('location denied and left off -> the city picker still works', async () => {
  const fake = createFakeWx({ authSetting: { [LOCATION_SCOPE]: false } })
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.tap({ id: 'home-locate' })
  const picker = program.currentPage
  await picker.tap({ id: 'locate-button' })
  await picker.waitForText('位置权限已关闭')
  expect(apisCalled(fake)).not.toContain('getFuzzyLocation') // denied: not even asked
  await picker.tap({ id: 'city-shanghai' })
  await program.settle()
  await program.currentPage.waitForText('上海')
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('a location prompt left unanswered times out into the picker, and a late answer is ignored', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  fake.control.promptAnswers[LOCATION_SCOPE] = 'wait'
  connectToServer(fake, server)
  // The app's clock runs 100 times faster: its 20 s location timeout passes in 0.2 s.
  const program = await launchMiniProgram({ fakeWx: fake, timeSpeedup: 100 })
  app = program
  await agreeOnFirstLaunch(program)
  await program.currentPage.tap({ id: 'home-locate' })
  const picker = program.currentPage
  await picker.tap({ id: 'locate-button' })
  await picker.waitForText('定位超时')
  expect(picker.text()).toContain('上海') // the list is there
  fake.control.answerPrompt('accept', LOCATION_SCOPE)
  await program.settle()
  expect(program.currentPage.route).toBe('more/pages/city-picker/index')
  expect(program.currentPage.text()).toContain('定位超时')
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('a new policy version asks again and shows what changed', async () => {
  // The same build with a newer policy version: what the next release of the app would carry.
  const NEXT = join(root, 'dist-test/weapp-next-policy')
  rmSync(NEXT, { recursive: true, force: true })
  cpSync(join(root, 'dist'), NEXT, { recursive: true })
  const current = readFileSync(join(root, 'src/services/policy-version.ts'), 'utf8').match(
    /version: '([^']+)'/,
  )?.[1] as string
  let replaced = 0
  for (const file of readdirSync(NEXT, { recursive: true }) as string[]) {
    if (!file.endsWith('.js')) continue
    const text = readFileSync(join(NEXT, file), 'utf8')
    if (!text.includes(`"${current}"`)) continue
    writeFileSync(join(NEXT, file), text.split(`"${current}"`).join('"2099.1.1"'))
    replaced++
  }
  expect(replaced).toBe(1)

  try {
    const first = createFakeWx()
    const program = await launch(first)
    await agreeOnFirstLaunch(program)
    await program.settle()

    const fake = relaunch(first, program, createFakeWx({ privacy: { agreed: true } }))
    const updated = await launch(fake, NEXT)
    await updated.currentPage.waitForText('隐私政策已更新')
    expect(updated.currentPage.text()).toContain(POLICY.changes[0])
    await updated.currentPage.tap({ id: 'consent-agree' })
    await updated.settle()
    expect(updated.currentPage.text()).not.toContain('隐私政策已更新')
    expectHealthy(updated, fake)
    expectStorageDeclared(fake)
  } finally {
    rmSync(NEXT, { recursive: true, force: true })
  }
})

test('withdrawing consent forgets a city found from the location; a city chosen by hand stays', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  fake.control.promptAnswers[LOCATION_SCOPE] = 'accept'
  fake.control.modalAnswer = 'accept'
  const program = await launch(fake)
  await agreeOnFirstLaunch(program)
  await program.currentPage.tap({ id: 'home-locate' })
  await program.currentPage.tap({ id: 'locate-button' })
  await program.settle()
  await program.currentPage.waitForText('杭州')
  expect(fake.control.storage.get('weather.selectedCity')?.data).toContain('"source":"location"')

  await program.currentPage.tap({ id: 'home-privacy-center' })
  await program.currentPage.waitForText('同意了隐私政策')
  await program.currentPage.tap({ id: 'privacy-withdraw' })
  await program.currentPage.waitForText('已撤回同意')
  expect(fake.control.storage.has('weather.selectedCity')).toBe(false)
  expectStorageDeclared(fake)

  // A city chosen by hand is not personal: a later withdrawal keeps it.
  program.evaluate('wx.navigateBack({})')
  await program.settle()
  await program.currentPage.tap({ id: 'home-reconsider' })
  await program.currentPage.tap({ id: 'consent-agree' })
  await program.currentPage.tap({ id: 'home-city' })
  await program.currentPage.tap({ id: 'city-shanghai' })
  await program.settle()
  await program.currentPage.tap({ id: 'home-privacy-center' })
  await program.currentPage.tap({ id: 'privacy-withdraw' })
  await program.currentPage.waitForText('已撤回同意')
  expect(fake.control.storage.get('weather.selectedCity')?.data).toContain('shanghai')
  expectHealthy(program, fake)
})
