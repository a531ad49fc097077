import Taro from '@tarojs/taro'
import { AppError } from '../security/app-error'
import type { City } from './api-contract'
import { DEFAULT_CITY_ID, findCity } from './city-list'

/** Storage key of the chosen city. Only a city id from the public list is kept: no coordinates. */
export const SELECTED_CITY_KEY = 'weather.selectedCityId'

/**
 * The city the user chose last, or the default city when none was chosen or the stored id is no
 * longer in the list (a stale id is removed so it is not read again).
 */
export function loadSelectedCity(): City {
  let stored: unknown
  try {
    stored = Taro.getStorageSync(SELECTED_CITY_KEY)
  } catch {
    // Unreadable storage must not block the weather: fall back to the default city.
    stored = ''
  }
  if (typeof stored === 'string' && stored !== '') {
    const city = findCity(stored)
    if (city) return city
    try {
      Taro.removeStorageSync(SELECTED_CITY_KEY)
    } catch {
      // Removing a stale id is best effort; it is ignored on the next read anyway.
    }
  }
  return findCity(DEFAULT_CITY_ID) as City
}

/** Remember the chosen city. Throws ERR_CITY_NOT_FOUND or ERR_STORAGE_FAILED. */
export function saveSelectedCity(cityId: string): City {
  const city = findCity(cityId)
  if (!city) throw new AppError('ERR_CITY_NOT_FOUND', `no city with id "${cityId}"`)
  try {
    Taro.setStorageSync(SELECTED_CITY_KEY, city.id)
  } catch (cause) {
    throw new AppError('ERR_STORAGE_FAILED', 'could not save the chosen city', { cause })
  }
  return city
}
