import { View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { withErrorBoundary } from '../../src/components/page-error-boundary'
import { reportError } from '../../src/services/app-monitor'
import type { WeatherProvider } from '../../src/services/weather-provider'
import { click, mountPage, pageText } from './render'

// MONITOR: a page that throws while rendering shows a way out (重试, 回到首页) instead of Taro 4's
// blank page, and the error is reported once, as kind `boundary`. The monitor itself is replaced:
// what it does with a report is tested in test/unit/security/monitor.
jest.mock('../../src/services/app-monitor', () => ({ reportError: jest.fn() }))
const reported = jest.mocked(reportError)

// The pages here never ask for the weather.
const noWeather: WeatherProvider = {
  getWeather: () => Promise.reject(new Error('not used')),
}

const failure = new Error('page render failed on purpose')
let failing = false
let renders = 0

function FlakyPage() {
  renders++
  if (failing) throw failure
  return <View id='flaky-page'>页面内容</View>
}
const GuardedPage = withErrorBoundary(FlakyPage)

beforeEach(() => {
  reported.mockClear()
  failing = false
  renders = 0
  // setup.ts fails a test that logs an error. React's development build logs the error a
  // boundary caught (jsdom's "Uncaught [...]" and "The above error occurred in the <FlakyPage>
  // component"): those two, about this test's own error, are expected; anything else still fails.
  const setupError = jest.mocked(console.error).getMockImplementation()
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    const message = args.map(String).join(' ')
    const expected =
      message.includes(`Uncaught [Error: ${failure.message}]`) ||
      message.includes('The above error occurred in the <FlakyPage> component')
    if (!expected) setupError?.(...args)
  })
})
afterEach(() => {
  jest.restoreAllMocks()
})

test('a page that renders shows as is, and nothing is reported', async () => {
  await mountPage(GuardedPage, noWeather)
  expect(document.getElementById('flaky-page')).not.toBeNull()
  expect(pageText()).toContain('页面内容')
  expect(document.getElementById('page-error')).toBeNull()
  expect(pageText()).not.toContain('这个页面出了点问题')
  expect(reported).not.toHaveBeenCalled()
})

test('a render error shows the fallback and is reported once, as boundary', async () => {
  failing = true
  await mountPage(GuardedPage, noWeather)
  const text = pageText()
  expect(text).toContain('这个页面出了点问题')
  expect(text).toContain('重试')
  expect(text).toContain('回到首页')
  expect(text).not.toContain('页面内容')
  expect(reported).toHaveBeenCalledTimes(1)
  expect(reported).toHaveBeenCalledWith('boundary', failure)
})

test('重试 renders the page again once it no longer throws', async () => {
  failing = true
  await mountPage(GuardedPage, noWeather)
  expect(pageText()).toContain('这个页面出了点问题')

  failing = false
  const before = renders
  await click(document.getElementById('page-error-retry'))
  expect(renders).toBeGreaterThan(before)
  expect(pageText()).toContain('页面内容')
  expect(pageText()).not.toContain('这个页面出了点问题')
  expect(reported).toHaveBeenCalledTimes(1)
})

test('回到首页 relaunches the app on the home page', async () => {
  const reLaunch = jest.spyOn(Taro, 'reLaunch').mockResolvedValue({ errMsg: 'reLaunch:ok' })
  failing = true
  await mountPage(GuardedPage, noWeather)
  await click(document.getElementById('page-error-home'))
  expect(reLaunch).toHaveBeenCalledTimes(1)
  expect(reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' })
})
