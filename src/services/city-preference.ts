import Taro from '@tarojs/taro'
import { AppError } from '../security/app-error'
import type { City } from './api-contract'

/**
 * What the app remembers of the chosen city: its public id and the names home shows before the
 * weather arrives (or when it cannot). Never coordinates. Kept apart from the city list, which
 * only the city picker needs, so the list stays out of the main package.
 */
export type ChosenCity = Pick<City, 'id' | 'name' | 'province'>

/**
 * Storage key of the chosen city: JSON `{ id, name, province }` in clear (it is public), plus
 * `source: 'location'` when the city was found from the user's location: that makes it personal
 * information (where the user is), removed when consent is withdrawn (`forgetLocationCity`).
 */
export const SELECTED_CITY_KEY = 'weather.selectedCity'

/** The city shown until the user chooses one. */
export const DEFAULT_CITY: ChosenCity = { id: 'beijing', name: '北京', province: '北京' }

const ID_PATTERN = /^[a-z0-9-]{1,40}$/

/**
 * The city the user chose last, or the default city when none was chosen or what is stored is
 * not a chosen city (then it is removed, so it is not read again). Never throws: unreadable
 * storage must not block the weather.
 */
export function loadSelectedCity(): ChosenCity {
  let stored: unknown
  try {
    stored = Taro.getStorageSync(SELECTED_CITY_KEY)
  } catch {
    return DEFAULT_CITY
  }
  if (stored === '') return DEFAULT_CITY
  const city = parseChosenCity(stored)
  if (city) return city
  forgetSelectedCity()
  return DEFAULT_CITY
}

/**
 * Remember the chosen city; `source` 'location' when it was found from the user's location.
 * Throws ERR_INVALID_INPUT (not a city) or ERR_STORAGE_FAILED.
 */
export function saveSelectedCity(city: ChosenCity, source?: 'location'): ChosenCity {
  const chosen = parseChosenCity(JSON.stringify(city ?? null))
  if (!chosen) throw new AppError('ERR_INVALID_INPUT', 'not a city from the city list')
  try {
    Taro.setStorageSync(SELECTED_CITY_KEY, JSON.stringify(source ? { ...chosen, source } : chosen))
  } catch (cause) {
    throw new AppError('ERR_STORAGE_FAILED', 'could not save the chosen city', { cause })
  }
  return chosen
}

/** Forget the choice (for example when the server no longer knows the city). Best effort. */
export function forgetSelectedCity(): void {
  try {
    Taro.removeStorageSync(SELECTED_CITY_KEY)
  } catch {
    // Nothing to protect: a stale choice is replaced or removed on the next read anyway.
  }
}

/** Forgets the chosen city if it was found from the location (consent withdrawn). Best effort. */
export function forgetLocationCity(): void {
  try {
    const stored: unknown = Taro.getStorageSync(SELECTED_CITY_KEY)
    if (typeof stored === 'string' && JSON.parse(stored)?.source === 'location')
      forgetSelectedCity()
  } catch {
    forgetSelectedCity() // unreadable: nothing worth keeping
  }
}

function parseChosenCity(stored: unknown): ChosenCity | undefined {
  if (typeof stored !== 'string') return undefined
  let value: unknown
  try {
    value = JSON.parse(stored)
  } catch {
    return undefined
  }
  const { id, name, province } = (value ?? {}) as Record<string, unknown>
  const isName = (text: unknown): text is string =>
    typeof text === 'string' && text.length > 0 && text.length <= 20
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || !isName(name) || !isName(province)) {
    return undefined
  }
  return { id, name, province }
}
