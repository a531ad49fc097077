import Taro from '@tarojs/taro'
import HomePage from '../../src/pages/home'
import { AppError } from '../../src/security/app-error'
import { SELECTED_CITY_KEY } from '../../src/services/city-preference'
import { createLocalWeatherProvider } from '../../src/services/local-weather-provider'
import type { WeatherProvider } from '../../src/services/weather-provider'
import { click, mountPage, pageText, waitFor } from './render'

const NOW = new Date('2026-11-25T06:05:00Z')
const local = createLocalWeatherProvider({ now: () => NOW })

/** A provider whose getWeather fails `failures` times, then answers like the local one. */
function flakyProvider(failures: number, error: unknown): WeatherProvider & { calls: number } {
  const provider = {
    calls: 0,
    async getWeather(request: { cityId: string }) {
      provider.calls++
      if (provider.calls <= failures) throw error
      return local.getWeather(request)
    },
  }
  return provider
}

beforeEach(() => {
  localStorage.clear()
})
afterEach(() => {
  jest.restoreAllMocks()
})

test('an answer the provider already holds shows in the first render, with no loading state', async () => {
  const held = await local.getWeather({ cityId: 'beijing' })
  let asked = 0
  const prefetched: WeatherProvider = {
    getWeather: async () => {
      asked++
      return held
    },
    peek: ({ cityId }) => (cityId === 'beijing' ? held : undefined),
  }
  await mountPage(HomePage, prefetched)
  expect(pageText()).toContain('未来 5 天')
  expect(pageText()).not.toContain('正在获取天气…')
  expect(asked).toBe(0)
})

test('shows a loading state, then the weather with today, the days ahead and the update time', async () => {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  const slow: WeatherProvider = {
    getWeather: async (request) => {
      await gate
      return local.getWeather(request)
    },
  }
  const testUtils = await mountPage(HomePage, slow)
  await testUtils.queries.waitForQueryByText('正在获取天气…')
  expect(pageText()).not.toContain('未来 5 天')

  release()
  await waitFor(() => pageText().includes('未来 5 天'), 'the forecast')
  const weather = await local.getWeather({ cityId: 'beijing' })
  const text = pageText()
  expect(text).toContain('北京')
  expect(text).toContain(`${weather.current.temperatureC}°`)
  expect(text).toContain(`最高 ${weather.daily[0].highC}° · 最低 ${weather.daily[0].lowC}°`)
  expect(text).toContain('今天')
  expect(text).toContain('明天')
  expect(text).toContain('更新于 14:05')
  expect(text).not.toContain('正在获取天气')
  // The page's look follows the weather.
  expect(document.querySelector(`.home--${weather.current.condition}`)).not.toBeNull()
})

test('shows the remembered city', async () => {
  Taro.setStorageSync(
    SELECTED_CITY_KEY,
    JSON.stringify({ id: 'xiamen', name: '厦门', province: '福建' }),
  )
  await mountPage(HomePage, local)
  await waitFor(() => pageText().includes('未来 5 天'), 'the forecast')
  expect(pageText()).toContain('厦门')
  expect(pageText()).toContain('福建')
})

test('a remembered city the weather source no longer knows is forgotten: back to the default', async () => {
  Taro.setStorageSync(
    SELECTED_CITY_KEY,
    JSON.stringify({ id: 'atlantis', name: '亚特兰蒂斯', province: '海底' }),
  )
  await mountPage(HomePage, local)
  await waitFor(() => pageText().includes('未来 5 天'), 'the default city forecast')
  expect(pageText()).toContain('北京')
  expect(pageText()).not.toContain('亚特兰蒂斯')
  expect(Taro.getStorageSync(SELECTED_CITY_KEY)).toBe('')
})

test.each([
  ['a typed error', new AppError('ERR_WEATHER_UNAVAILABLE', 'down')],
  ['an unexpected error', new TypeError('network is down')],
])('on %s: an error state with retry, and retry recovers', async (_name, error) => {
  const provider = flakyProvider(1, error)
  await mountPage(HomePage, provider)
  await waitFor(() => pageText().includes('天气数据暂时无法获取'), 'the error state')
  expect(pageText()).toContain('你的城市选择已保存')

  const retry = document.getElementById('home-retry')
  expect(retry).not.toBeNull()
  await click(retry)
  await waitFor(() => pageText().includes('未来 5 天'), 'the forecast after retry')
  expect(provider.calls).toBe(2)
  expect(pageText()).not.toContain('天气数据暂时无法获取')
})

test('the city name opens the picker; the footer opens the privacy pages', async () => {
  const navigateTo = jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
  await mountPage(HomePage, local)
  await waitFor(() => pageText().includes('未来 5 天'), 'the forecast')

  for (const id of ['home-city', 'home-privacy-policy', 'home-privacy-center']) {
    await click(document.getElementById(id))
  }
  expect(navigateTo.mock.calls.map(([options]) => options.url)).toEqual([
    '/more/pages/city-picker/index',
    '/more/pages/privacy-policy/index',
    '/more/pages/privacy-center/index',
  ])
})

// Home says which side failed, as the privacy center does (components/request-failure-text.ts).
test.each<[string, AppError, string]>([
  [
    'a refusal',
    new AppError('ERR_REQUEST_REJECTED', 'x', { details: { status: 403, serverCode: 'ERR_X' } }),
    '服务器拒绝了请求（ERR_X）',
  ],
  ['a busy server', new AppError('ERR_SERVER', 'x', { details: { status: 503 } }), '服务暂时繁忙'],
  ['no answer', new AppError('ERR_TIMEOUT', 'x'), '服务器没有及时响应'],
])('on %s the error says which side failed', async (_name, error, expected) => {
  await mountPage(HomePage, flakyProvider(1, error))
  await waitFor(() => pageText().includes('天气数据暂时无法获取'), 'the error state')
  expect(document.getElementById('home-error-text')?.textContent).toContain(expected)
})
