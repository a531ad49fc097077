import type { City, WeatherResponse } from '../../../src/services/api-contract'
import { forecastFor } from '../../../src/services/local-weather-provider'
import type { HttpClient } from '../http-client'
import { openMeteoProvider } from './open-meteo'

/** Where the server gets weather for a city. */
export interface ServerWeatherProvider {
  forecast(city: City, now: Date): Promise<WeatherResponse>
}

/**
 * The default: the same deterministic model the app's offline test double uses (`forecastFor`:
 * climate by region and month, snow at or below freezing, heat index and wind chill), no
 * network needed. server/test/embedded-weather.test.ts judges it city by city.
 */
export const embeddedProvider: ServerWeatherProvider = {
  async forecast(city, now) {
    return { ...forecastFor(city, now), source: 'server' }
  },
}

export function weatherProviderFor(
  name: 'embedded' | 'open-meteo',
  http: HttpClient,
): ServerWeatherProvider {
  return name === 'open-meteo' ? openMeteoProvider(http) : embeddedProvider
}
