import Taro from '@tarojs/taro'
import { findCity } from '../../src/services/city-list'
import {
  DEFAULT_CITY,
  loadSelectedCity,
  saveSelectedCity,
  SELECTED_CITY_KEY,
} from '../../src/services/city-preference'

// Runs on Taro's H5 runtime (jsdom localStorage), the same Taro API the weapp build calls.
beforeEach(() => localStorage.clear())
afterEach(() => jest.restoreAllMocks())

const HARBIN = { id: 'harbin', name: '哈尔滨', province: '黑龙江' }
const XIAN = { id: 'xian', name: '西安', province: '陕西' }

test('the default city is a city of the list, with the same names', () => {
  const listed = findCity(DEFAULT_CITY.id)
  expect(listed && { id: listed.id, name: listed.name, province: listed.province }).toEqual(
    DEFAULT_CITY,
  )
  expect(DEFAULT_CITY.name).toBe('北京')
})

test('defaults to Beijing, then remembers a saved city: its id and names, nothing else', () => {
  expect(loadSelectedCity()).toEqual(DEFAULT_CITY)
  expect(saveSelectedCity({ ...HARBIN, lat: 45.8, lon: 126.53 } as typeof HARBIN)).toEqual(HARBIN)
  expect(loadSelectedCity()).toEqual(HARBIN)
  expect(JSON.parse(Taro.getStorageSync(SELECTED_CITY_KEY))).toEqual(HARBIN)
})

test.each<[string, unknown]>([
  ['an old-style bare id', 'harbin'],
  ['a number', 42],
  ['an object (not JSON text)', { id: 'beijing' }],
  ['broken JSON', '{"id":'],
  ['JSON null', 'null'],
  ['a record without names', JSON.stringify({ id: 'harbin' })],
  ['an id with capitals', JSON.stringify({ ...HARBIN, id: 'Harbin' })],
  ['an id with a script', JSON.stringify({ ...HARBIN, id: '<script>' })],
  ['an empty name', JSON.stringify({ ...HARBIN, name: '' })],
  ['a name of 21 characters', JSON.stringify({ ...HARBIN, name: '很'.repeat(21) })],
  ['a province that is a number', JSON.stringify({ ...HARBIN, province: 1 })],
])('a stored %s falls back to the default and is removed', (_name, stored) => {
  Taro.setStorageSync(SELECTED_CITY_KEY, stored)
  expect(loadSelectedCity()).toEqual(DEFAULT_CITY)
  expect(Taro.getStorageSync(SELECTED_CITY_KEY)).toBe('')
})

test('unreadable storage does not block the weather', () => {
  jest.spyOn(Taro, 'getStorageSync').mockImplementation(() => {
    throw new Error('getStorageSync:fail')
  })
  expect(loadSelectedCity()).toEqual(DEFAULT_CITY)
})

test.each<[string, unknown]>([
  ['nothing', undefined],
  ['an empty id', { ...XIAN, id: '' }],
  ['a name too long', { ...XIAN, name: 'x'.repeat(21) }],
])('saving %s fails with ERR_INVALID_INPUT and keeps the old choice', (_name, city) => {
  saveSelectedCity(XIAN)
  expect(() => saveSelectedCity(city as typeof XIAN)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_INPUT' }),
  )
  expect(loadSelectedCity()).toEqual(XIAN)
})

test('a storage failure on save is ERR_STORAGE_FAILED', () => {
  jest.spyOn(Taro, 'setStorageSync').mockImplementation(() => {
    throw new Error('setStorageSync:fail exceed storage max size')
  })
  expect(() => saveSelectedCity(XIAN)).toThrow(
    expect.objectContaining({ code: 'ERR_STORAGE_FAILED' }),
  )
})
