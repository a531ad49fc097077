import { AppError, isAppError } from '../security/app-error'
import type { HttpsClient } from '../security/transport/https-client'
import { API_ROUTES, parseWeatherResponse, type WeatherResponse } from './api-contract'
import { searchCitiesOnDevice } from './city-list'
import type { WeatherProvider } from './weather-provider'

export interface ServerWeatherOptions {
  /** The app's one HTTPS client (api-client.ts). */
  client: HttpsClient
  /** The API's origin, e.g. `https://api.example.com` (settings.ts). */
  apiOrigin: string
}

/**
 * Weather from the reference server (`GET /v1/weather?cityId=…`), through the app's one HTTPS
 * client: https to the allow-listed origin only, a timeout, retries for this GET, and the answer
 * checked against the API contract before a page sees it.
 *
 * Privacy: the request carries the city's id and nothing else. It is not signed and needs no
 * sign-in, so weather works for someone who declined every optional use of their data. City
 * search stays on the device: what the user types never leaves it.
 *
 * Errors (AppError codes): ERR_INVALID_INPUT (empty id, before anything is sent),
 * ERR_CITY_NOT_FOUND (the server does not know the id), else the client's code (ERR_NETWORK,
 * ERR_TIMEOUT, ERR_SERVER, ERR_RATE_LIMITED, ERR_REQUEST_REJECTED, ERR_BAD_RESPONSE...).
 */
export function createServerWeatherProvider(options: ServerWeatherOptions): WeatherProvider {
  return {
    async getWeather(request): Promise<WeatherResponse> {
      const cityId = request?.cityId
      if (typeof cityId !== 'string' || cityId.trim() === '') {
        throw new AppError('ERR_INVALID_INPUT', 'cityId must be a non-empty string')
      }
      try {
        return await options.client.call({
          method: 'GET',
          url: options.apiOrigin + API_ROUTES.weather,
          query: { cityId },
          parse: parseWeatherResponse,
        })
      } catch (error) {
        if (isAppError(error) && error.details.serverCode === 'ERR_CITY_NOT_FOUND') {
          throw new AppError('ERR_CITY_NOT_FOUND', `no city with id "${cityId}"`, {
            cause: error,
          })
        }
        throw error
      }
    },
    async searchCities(request) {
      return searchCitiesOnDevice(request)
    },
  }
}
