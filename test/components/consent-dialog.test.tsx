import HomePage from '../../src/pages/home'
import { consent } from '../../src/services/app-consent'
import { createLocalWeatherProvider } from '../../src/services/local-weather-provider'
import { click, mountPage, pageText, waitFor } from './render'

// CONSENT on the web build (Taro's H5 runtime): the dialog over home on a first launch, the
// no-personal-data mode after 不同意, reconsidering, and agreeing. On H5 WeChat's privacy APIs are
// stubs: the app's own sealed record is the only truth, so these tests read it back.
// The steps run in order and share the app's one consent record, as a user's launches do.
const local = createLocalWeatherProvider({ now: () => new Date('2026-12-01T06:05:00Z') })
const $ = (selector: string) => document.querySelector(selector)
const dialogShown = () => $('#consent-dialog') !== null

beforeAll(() => {
  localStorage.clear()
})

test('a first launch shows the dialog over home, with weather already there and nothing allowed', async () => {
  await mountPage(HomePage, local)
  await waitFor(dialogShown, 'the consent dialog')
  expect(pageText()).toContain('欢迎使用安心天气')
  expect(pageText()).toContain('《隐私政策》')
  expect(pageText()).not.toContain('隐私政策已更新')
  // Weather for the default city needs no personal data: it is on screen behind the dialog.
  await waitFor(() => pageText().includes('未来 5 天'), 'the weather')
  expect(consent.allows('account')).toBe(false)
  expect(consent.allows('location')).toBe(false)
  // The separate analytics choice starts off.
  expect($('#consent-analytics .consent__box--on')).toBeNull()
})

test('不同意 closes the dialog and leaves a working no-personal-data mode with a way back', async () => {
  await mountPage(HomePage, local)
  await waitFor(dialogShown, 'the consent dialog')
  await click($('#consent-decline'))
  await waitFor(() => !dialogShown(), 'the dialog to close')
  expect($('#home-no-personal-data')?.textContent).toContain('不使用你的个人信息')
  expect(pageText()).toContain('未来 5 天')
  expect(consent.state()?.status).toBe('declined')
  expect(
    ['account', 'location', 'errorReports', 'analytics'].some((p) => consent.allows(p as never)),
  ).toBe(false)
})

test('a decline is not asked again at the next launch', async () => {
  await mountPage(HomePage, local)
  await waitFor(() => $('#home-no-personal-data') !== null, 'the decline banner')
  expect(dialogShown()).toBe(false)
})

test('重新选择 opens the dialog again; agreeing with analytics on records both choices', async () => {
  await mountPage(HomePage, local)
  await waitFor(() => $('#home-reconsider') !== null, 'the reconsider link')
  await click($('#home-reconsider'))
  await waitFor(dialogShown, 'the consent dialog')
  await click($('#consent-analytics'))
  expect($('#consent-analytics .consent__box--on')).not.toBeNull()
  await click($('#consent-agree'))
  await waitFor(() => !dialogShown(), 'the dialog to close')
  expect($('#home-no-personal-data')).toBeNull()
  expect(consent.state()).toMatchObject({ status: 'agreed', choices: { analytics: true } })
  expect(consent.allows('location')).toBe(true)
  // Sealed: the browser's storage shows no readable decision.
  expect(JSON.stringify({ ...localStorage })).not.toMatch(/agreed|analytics/)
})
