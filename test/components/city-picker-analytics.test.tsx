import Taro from '@tarojs/taro'
import { act } from 'react'
import CityPickerPage from '../../src/more/pages/city-picker'
import { analytics } from '../../src/services/app-analytics'
import { consent } from '../../src/services/app-consent'
import { SELECTED_CITY_KEY } from '../../src/services/city-preference'
import { createLocalWeatherProvider } from '../../src/services/local-weather-provider'
import { click, mountPage, pageText, typeInto, waitFor } from './render'

// SDK: the city picker tells the analytics facade HOW a city was chosen, never which; on H5 the
// facade sends nothing anywhere (Taro's H5 reportEvent is a stub and is never called).

const local = createLocalWeatherProvider()

function watch() {
  jest.spyOn(consent, 'allows').mockReturnValue(true) // as if analytics were switched on
  jest.spyOn(Taro, 'navigateBack').mockResolvedValue({ errMsg: 'navigateBack:ok' })
  const reportEvent = jest.spyOn(Taro, 'reportEvent')
  const track = jest.spyOn(analytics, 'track')
  return { reportEvent, track }
}

async function openPicker() {
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('成都'), 'the city list')
}

beforeEach(() => localStorage.clear())
afterEach(() => jest.restoreAllMocks())

test.each([
  ['a city of the full list', 'list', async () => click(document.getElementById('city-chengdu'))],
  [
    'the pinned current city',
    'current',
    async () => click(document.getElementById('city-current')),
  ],
  [
    'a search result',
    'search',
    async () => {
      await typeInto(document.getElementById('city-search'), 'hz')
      await waitFor(() => !document.getElementById('city-beijing'), 'the list to narrow')
      await click(document.getElementById('city-hangzhou'))
    },
  ],
  [
    'Enter on the first match',
    'search',
    async () => {
      const input = document.getElementById('city-search')
      await typeInto(input, 'hz')
      await waitFor(() => !document.getElementById('city-beijing'), 'the list to narrow')
      await act(async () => {
        input?.dispatchEvent(new CustomEvent('confirm', { detail: { value: 'hz' }, bubbles: true }))
      })
    },
  ],
])('%s: city_selected with source %s, and no SDK call on H5', async (_name, source, pick) => {
  const { reportEvent, track } = watch()
  await openPicker()
  await pick()
  expect(track.mock.calls).toEqual([['city_selected', { source }]])
  expect(track.mock.results[0].value).toBe('sent') // passed every rule: the H5 SDK is a no-op
  expect(reportEvent).not.toHaveBeenCalled()
})

test('a city that could not be saved was not chosen: no event', async () => {
  const { track } = watch()
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'setStorageSync').mockImplementation(() => {
    throw new Error('setStorageSync:fail exceed storage max size')
  })
  await openPicker()
  await click(document.getElementById('city-chengdu'))
  expect(track).not.toHaveBeenCalled()
})

test('the event never names the city', async () => {
  const { track } = watch()
  Taro.setStorageSync(
    SELECTED_CITY_KEY,
    JSON.stringify({ id: 'xian', name: '西安', province: '陕西' }),
  )
  await openPicker()
  await click(document.getElementById('city-current'))
  expect(JSON.stringify(track.mock.calls)).not.toMatch(/xian|西安|陕西/)
})
