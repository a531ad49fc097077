import Taro from '@tarojs/taro'
import { act } from 'react'
import CityPickerPage from '../../src/more/pages/city-picker'
import { SELECTED_CITY_KEY } from '../../src/services/city-preference'
import { createLocalWeatherProvider } from '../../src/services/local-weather-provider'
import { click, mountPage, pageText, typeInto, waitFor } from './render'

const local = createLocalWeatherProvider()
const SHANGHAI = JSON.stringify({ id: 'shanghai', name: '上海', province: '上海' })

/**
 * Press the keyboard's confirm key (完成/搜索 in WeChat, Enter on the web): Taro's H5 <Input>
 * reports a `confirm` CustomEvent with detail.value, as `typeInto` does for `input`.
 */
async function pressEnter(element: Element | null): Promise<void> {
  if (!element) throw new Error(`No input to confirm. Page: ${pageText()}`)
  const value = (element as HTMLInputElement).value ?? ''
  await act(async () => {
    element.dispatchEvent(new CustomEvent('confirm', { detail: { value }, bubbles: true }))
  })
}

/** The rows of the page in document order, by id: the pinned current city, then the list. */
function rowIds(): string[] {
  return Array.from(document.querySelectorAll('[id^="city-"]'))
    .map((element) => element.id)
    .filter((id) => id !== 'city-search' && id !== 'city-empty')
}

function stored(): unknown {
  const text = Taro.getStorageSync(SELECTED_CITY_KEY)
  return text === '' ? undefined : JSON.parse(text)
}

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

test('the current city is pinned at the top, marked 当前城市', async () => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  const pinned = document.getElementById('city-current')
  expect(pinned?.textContent).toContain('当前城市')
  expect(pinned?.textContent).toContain('上海')
  expect(rowIds()[0]).toBe('city-current')
  // It stays in its place in the list as well, marked there too.
  expect(rowIds()).toContain('city-shanghai')
})

test('with no city chosen, the pinned city is the default one', async () => {
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  expect(document.getElementById('city-current')?.textContent).toContain('北京')
})

test('tapping the pinned city keeps it and goes back', async () => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  const navigateBack = jest
    .spyOn(Taro, 'navigateBack')
    .mockResolvedValue({ errMsg: 'navigateBack:ok' })
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await click(document.getElementById('city-current'))
  expect(stored()).toEqual({ id: 'shanghai', name: '上海', province: '上海' })
  expect(navigateBack).toHaveBeenCalledTimes(1)
})

test('while searching, the pinned city gives way: the first row is the first match', async () => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await typeInto(document.getElementById('city-search'), 'hz')
  await waitFor(() => !document.getElementById('city-beijing'), 'the list to narrow')
  expect(document.getElementById('city-current')).toBeNull()
  expect(rowIds()[0]).toBe('city-hangzhou')
})

test.each([
  ['hz', 'city-hangzhou'],
  ['bj', 'city-beijing'],
  ['SH', 'city-shanghai'],
])('search by initials: %s lists %s first', async (query, first) => {
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await typeInto(document.getElementById('city-search'), query)
  await waitFor(() => rowIds()[0] === first, `${first} first`)
})

test.each([
  ['Enter', (_id: string) => pressEnter(document.getElementById('city-search'))],
  ['a tap', (id: string) => click(document.getElementById(id))],
])('%s on the first match saves it and goes back', async (_how, pick) => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  const navigateBack = jest
    .spyOn(Taro, 'navigateBack')
    .mockResolvedValue({ errMsg: 'navigateBack:ok' })
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await typeInto(document.getElementById('city-search'), 'hz')
  await waitFor(() => rowIds()[0] === 'city-hangzhou', 'hangzhou first')
  await pick('city-hangzhou')
  expect(stored()).toEqual({ id: 'hangzhou', name: '杭州', province: '浙江' })
  expect(navigateBack).toHaveBeenCalledTimes(1)
})

test.each([
  ['an empty search (the whole list is not a match)', ''],
  ['a search with only spaces', '   '],
  ['a search with no match', 'atlantis'],
  ['a search of symbols', '%%%'],
])('Enter on %s picks nothing', async (_name, query) => {
  Taro.setStorageSync(SELECTED_CITY_KEY, SHANGHAI)
  const navigateBack = jest
    .spyOn(Taro, 'navigateBack')
    .mockResolvedValue({ errMsg: 'navigateBack:ok' })
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  if (query) await typeInto(document.getElementById('city-search'), query)
  await pressEnter(document.getElementById('city-search'))
  expect(navigateBack).not.toHaveBeenCalled()
  expect(stored()).toEqual({ id: 'shanghai', name: '上海', province: '上海' })
})

test('Enter when storage fails: the same toast as a tap, no navigation', async () => {
  const navigateBack = jest
    .spyOn(Taro, 'navigateBack')
    .mockResolvedValue({ errMsg: 'navigateBack:ok' })
  const showToast = jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  await mountPage(CityPickerPage, local)
  await waitFor(() => pageText().includes('北京'), 'the city list')
  await typeInto(document.getElementById('city-search'), 'cd')
  await waitFor(() => rowIds()[0] === 'city-chengdu', 'chengdu first')
  jest.spyOn(Taro, 'setStorageSync').mockImplementation(() => {
    throw new Error('setStorageSync:fail exceed storage max size')
  })
  await pressEnter(document.getElementById('city-search'))
  expect(showToast).toHaveBeenCalledWith({ title: '保存失败，请重试', icon: 'none' })
  expect(navigateBack).not.toHaveBeenCalled()
})
