import Taro from '@tarojs/taro'
import {
  loadSelectedCity,
  saveSelectedCity,
  SELECTED_CITY_KEY,
} from '../../src/services/city-preference'

// Runs on Taro's H5 runtime (jsdom localStorage), the same Taro API the weapp build calls.
beforeEach(() => localStorage.clear())
afterEach(() => jest.restoreAllMocks())

test('defaults to Beijing, then remembers a saved city', () => {
  expect(loadSelectedCity().id).toBe('beijing')
  expect(saveSelectedCity('harbin').name).toBe('哈尔滨')
  expect(loadSelectedCity().id).toBe('harbin')
})

test.each([
  ['an unknown id', 'atlantis'],
  ['a number', 42],
  ['an object', { id: 'beijing' }],
  ['a script string', '<script>alert(1)</script>'],
])('a stored %s falls back to the default', (_name, stored) => {
  Taro.setStorageSync(SELECTED_CITY_KEY, stored)
  expect(loadSelectedCity().id).toBe('beijing')
})

test('a stale id is removed so it is not read again', () => {
  Taro.setStorageSync(SELECTED_CITY_KEY, 'atlantis')
  loadSelectedCity()
  expect(Taro.getStorageSync(SELECTED_CITY_KEY)).toBe('')
})

test('unreadable storage does not block the weather', () => {
  jest.spyOn(Taro, 'getStorageSync').mockImplementation(() => {
    throw new Error('getStorageSync:fail')
  })
  expect(loadSelectedCity().id).toBe('beijing')
})

test.each([
  ['unknown city', 'atlantis', 'ERR_CITY_NOT_FOUND'],
  ['empty id', '', 'ERR_CITY_NOT_FOUND'],
])('saving an %s fails with %s and keeps the old choice', (_name, id, code) => {
  saveSelectedCity('xian')
  expect(() => saveSelectedCity(id)).toThrow(expect.objectContaining({ code }))
  expect(loadSelectedCity().id).toBe('xian')
})

test('a storage failure on save is ERR_STORAGE_FAILED', () => {
  jest.spyOn(Taro, 'setStorageSync').mockImplementation(() => {
    throw new Error('setStorageSync:fail exceed storage max size')
  })
  expect(() => saveSelectedCity('xian')).toThrow(
    expect.objectContaining({ code: 'ERR_STORAGE_FAILED' }),
  )
})
