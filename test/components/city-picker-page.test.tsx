import Taro from '@tarojs/taro'
import CityPickerPage from '../../src/more/pages/city-picker'
import { SELECTED_CITY_KEY } from '../../src/services/city-preference'
import { createLocalWeatherProvider } from '../../src/services/local-weather-provider'
import { click, mountPage, pageText, typeInto, waitFor } from './render'

const local = createLocalWeatherProvider()
const SHANGHAI = JSON.stringify({ id: 'shanghai', name: '上海', province: '上海' })

beforeEach(() => localStorage.clear())
afterEach(() => {
  jest.restoreAllMocks()
})

test('lists cities with the current one marked', async () => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  const current = document.getElementById('city-shanghai')
  expect(current?.className).toContain('picker__item--current')
  expect(current?.textContent).toContain('当前')
  expect(document.getElementById('city-beijing')?.className).not.toContain('picker__item--current')
})

test.each([
  ['pinyin', 'hang', ['city-hangzhou'], ['city-beijing']],
  ['Chinese', '西', ['city-xian', 'city-xining'], ['city-beijing']],
])('search by %s narrows the list', async (_name, query, shown, hidden) => {
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await typeInto(document.getElementById('city-search'), query)
  await waitFor(() => !document.getElementById('city-beijing'), 'the list to narrow')
  for (const id of shown) expect(document.getElementById(id)).not.toBeNull()
  for (const id of hidden) expect(document.getElementById(id)).toBeNull()
})

test('no match says so', async () => {
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await typeInto(document.getElementById('city-search'), 'atlantis')
  await waitFor(() => pageText().includes('没有找到“atlantis”'), 'the empty state')
})

test('choosing a city stores its id and names (no coordinates) and goes back', async () => {
  const navigateBack = jest
    .spyOn(Taro, 'navigateBack')
    .mockResolvedValue({ errMsg: 'navigateBack:ok' })
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('成都'), 'the city list')
  await click(document.getElementById('city-chengdu'))
  expect(JSON.parse(Taro.getStorageSync(SELECTED_CITY_KEY))).toEqual({
    id: 'chengdu',
    name: '成都',
    province: '四川',
  })
  expect(navigateBack).toHaveBeenCalledTimes(1)
})

test('when storage fails: a toast, no navigation, the old choice kept', async () => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  const navigateBack = jest
    .spyOn(Taro, 'navigateBack')
    .mockResolvedValue({ errMsg: 'navigateBack:ok' })
  const showToast = jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'setStorageSync').mockImplementation(() => {
    throw new Error('setStorageSync:fail exceed storage max size')
  })
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('成都'), 'the city list')
  await click(document.getElementById('city-chengdu'))
  expect(showToast).toHaveBeenCalledWith({ title: '保存失败，请重试', icon: 'none' })
  expect(navigateBack).not.toHaveBeenCalled()
  expect(localStorage.getItem(SELECTED_CITY_KEY)).toContain('shanghai')
})

test('with no search the whole list is shown, world cities included', async () => {
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  expect(document.getElementById('city-san-francisco')).not.toBeNull()
})
