import { startTestServer, type TestServer } from '../../server/test/test-server'
import { ANALYTICS_EVENTS, type EventRules } from '../../src/services/analytics'
import { createFakeWx, type FakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { connectToServer } from './connect-to-server'

// SDK in the real weapp build (dist/): usage events reach wx.reportEvent only after the separate
// analytics consent (the consent dialog's box, or the privacy center's switch), with allow-listed
// fields only, and never after a decline, with the box left empty, after the switch is turned off
// or after consent is withdrawn.

const LOCATION_SCOPE = 'scope.userFuzzyLocation'
/** West Lake, Hangzhou: a position a fuzzed location could give. */
const HANGZHOU = { latitude: 30.2468, longitude: 120.1435 }

let server: TestServer
let app: MiniProgram | undefined
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.close()
})
afterEach(() => app?.close())

async function launch(fake: FakeWx) {
  connectToServer(fake, server)
  app = await launchMiniProgram({ fakeWx: fake })
  await app.currentPage.waitForText('欢迎使用安心天气')
  return app
}

/** The consent dialog: agree, with or without the separate analytics box ticked. */
async function agree(program: MiniProgram, { analytics }: { analytics: boolean }) {
  if (analytics) await program.currentPage.tap({ id: 'consent-analytics' })
  await program.currentPage.tap({ id: 'consent-agree' })
  await program.settle()
}

/** Home -> the picker -> a city from the full list (or a search) -> home again. */
async function chooseCity(program: MiniProgram, id: string, search?: string) {
  await program.currentPage.tap({ id: 'home-city' })
  const picker = program.currentPage
  expect(picker.route).toBe('more/pages/city-picker/index')
  if (search) await picker.input('city-search', search)
  await picker.tap({ id })
  await program.settle()
  expect(program.currentPage.route).toBe('pages/home/index')
}

/** Home -> the privacy center -> tap `id` -> home again. */
async function inPrivacyCenter(program: MiniProgram, id: string, waitFor: string) {
  await program.currentPage.tap({ id: 'home-privacy-center' })
  expect(program.currentPage.route).toBe('more/pages/privacy-center/index')
  await program.currentPage.tap({ id })
  await program.currentPage.waitForText(waitFor)
  program.evaluate('wx.navigateBack({})')
  await program.settle()
  expect(program.currentPage.route).toBe('pages/home/index')
}

/** Every reported event is on the allow-list, with exactly its fields and allowed values. */
function expectAllowListed(fake: FakeWx) {
  const rules = ANALYTICS_EVENTS as EventRules
  for (const { eventId, data } of fake.control.reportedEvents) {
    expect(Object.keys(rules)).toContain(eventId)
    const fields = rules[eventId]
    expect(Object.keys(data as object).sort()).toEqual(Object.keys(fields).sort())
    for (const [field, value] of Object.entries(data as Record<string, unknown>)) {
      const rule = fields[field]
      if (rule.type === 'enum') expect(rule.values).toContain(value)
      else expect(Number.isInteger(value)).toBe(true)
    }
  }
  // Never a city, a place or a coordinate.
  const sent = JSON.stringify(fake.control.reportedEvents)
  for (const word of ['hangzhou', '杭州', 'chengdu', '成都', 'beijing', '北京', '30.2', '120.1']) {
    expect(sent).not.toContain(word)
  }
}

function expectHealthy(program: MiniProgram, fake: FakeWx) {
  expect(program.errors).toEqual([])
  expect(program.consoleErrors).toEqual([]) // a dropped event would be logged as a warning
  expect(fake.control.violations).toEqual([])
}

const reported = (fake: FakeWx) =>
  fake.control.reportedEvents.map(({ eventId, data }) => [eventId, data])

test('with the analytics box ticked: each way of choosing a city is reported, and nothing else', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  fake.control.promptAnswers[LOCATION_SCOPE] = 'accept'
  const program = await launch(fake)
  expect(fake.control.reportedEvents).toEqual([]) // nothing before a choice
  await agree(program, { analytics: true })
  expect(fake.control.reportedEvents).toEqual([]) // agreeing is not itself an event

  await chooseCity(program, 'city-chengdu')
  await chooseCity(program, 'city-hangzhou', 'hz')
  await chooseCity(program, 'city-current')
  await program.currentPage.tap({ id: 'home-locate' })
  await program.currentPage.tap({ id: 'locate-button' })
  await program.settle()
  await program.currentPage.waitForText('杭州')

  expect(reported(fake)).toEqual([
    ['city_selected', { source: 'list' }],
    ['city_selected', { source: 'search' }],
    ['city_selected', { source: 'current' }],
    ['city_selected', { source: 'location' }],
  ])
  expectAllowListed(fake)
  expectHealthy(program, fake)
})

test('location denied: the reason is reported, never a place', async () => {
  const fake = createFakeWx({ location: HANGZHOU })
  fake.control.promptAnswers[LOCATION_SCOPE] = 'deny'
  const program = await launch(fake)
  await agree(program, { analytics: true })
  await program.currentPage.tap({ id: 'home-locate' })
  await program.currentPage.tap({ id: 'locate-button' })
  await program.currentPage.waitForText('位置权限已关闭')
  expect(reported(fake)).toEqual([['location_failed', { reason: 'denied' }]])
  expectAllowListed(fake)
  expectHealthy(program, fake)
})

test('agreed with the analytics box left empty: nothing is reported', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await agree(program, { analytics: false })
  await chooseCity(program, 'city-chengdu')
  await chooseCity(program, 'city-hangzhou', 'hz')
  expect(fake.control.calls.filter((call) => call.api === 'reportEvent')).toEqual([])
  expectHealthy(program, fake)
})

test('declined: nothing is reported', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await program.currentPage.tap({ id: 'consent-decline' })
  await program.currentPage.waitForText('不使用你的个人信息')
  await chooseCity(program, 'city-chengdu')
  await chooseCity(program, 'city-hangzhou', 'hz')
  expect(fake.control.calls.filter((call) => call.api === 'reportEvent')).toEqual([])
  expectHealthy(program, fake)
})

test('the privacy center switch: off stops the events at once, on starts them again', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await agree(program, { analytics: true })
  await chooseCity(program, 'city-chengdu')
  expect(fake.control.reportedEvents).toHaveLength(1)

  await inPrivacyCenter(program, 'privacy-analytics', '开启使用统计') // now off
  await chooseCity(program, 'city-hangzhou', 'hz')
  await chooseCity(program, 'city-current')
  expect(fake.control.reportedEvents).toHaveLength(1)

  await inPrivacyCenter(program, 'privacy-analytics', '关闭使用统计') // on again
  await chooseCity(program, 'city-chengdu')
  expect(reported(fake)).toEqual([
    ['city_selected', { source: 'list' }],
    ['city_selected', { source: 'list' }],
  ])
  expectHealthy(program, fake)
})

test('after consent is withdrawn: nothing is reported', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await agree(program, { analytics: true })
  await chooseCity(program, 'city-chengdu')
  expect(fake.control.reportedEvents).toHaveLength(1)

  await inPrivacyCenter(program, 'privacy-withdraw', '已撤回同意')
  await chooseCity(program, 'city-hangzhou', 'hz')
  await chooseCity(program, 'city-current')
  expect(fake.control.reportedEvents).toHaveLength(1)
  expectHealthy(program, fake)
})
