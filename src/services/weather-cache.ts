import Taro from '@tarojs/taro'
import type { WeatherCache } from './server-weather-provider'

/** Device storage key of the last good weather per city: JSON, in clear (public data). */
export const WEATHER_CACHE_KEY = 'weather.lastGood'

/**
 * The kept weather (server-weather-provider.ts `WeatherCache`) on the device's storage. Never
 * throws: a cache that cannot be read or written only means no offline answer.
 */
export const deviceWeatherCache: WeatherCache = {
  read: () => {
    try {
      return JSON.parse(Taro.getStorageSync(WEATHER_CACHE_KEY) || '{}')
    } catch {
      return undefined
    }
  },
  write: (value) => {
    Taro.setStorage({ key: WEATHER_CACHE_KEY, data: JSON.stringify(value) }).catch(() => undefined)
  },
}

/** Removes the kept weather (with the user's other data). Best effort. */
export function forgetKeptWeather(): void {
  try {
    Taro.removeStorageSync(WEATHER_CACHE_KEY)
  } catch {
    // It holds public weather only.
  }
}
