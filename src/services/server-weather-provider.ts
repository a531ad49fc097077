import { AppError, isAppError } from '../security/app-error'
import type { HttpsClient } from '../security/transport/https-client'
import { API_ROUTES, parseWeatherResponse, type WeatherResponse } from './api-contract'
import type { WeatherProvider } from './weather-provider'

export interface ServerWeatherOptions {
  /** The app's one HTTPS client (api-client.ts). */
  client: HttpsClient
  /** The API's origin, e.g. `https://api.example.com` (settings.ts). */
  apiOrigin: string
  /** ms since the epoch; tests pass a fake clock. */
  now?: () => number
}

/** How long one answer for a city is shared between callers: long enough to cover a launch. */
export const SHARE_ANSWER_MS = 10_000

/**
 * Weather from the reference server (`GET /v1/weather?cityId=…`), through the app's one HTTPS
 * client: https to the allow-listed origin only, a timeout, retries for this GET, and the answer
 * checked against the API contract before a page sees it.
 *
 * Privacy: the request carries the city's id and nothing else. It is not signed and needs no
 * sign-in, so weather works for someone who declined every optional use of their data.
 *
 * Errors (AppError codes): ERR_INVALID_INPUT (empty id, before anything is sent),
 * ERR_CITY_NOT_FOUND (the server does not know the id), else the client's code (ERR_NETWORK,
 * ERR_TIMEOUT, ERR_SERVER, ERR_RATE_LIMITED, ERR_REQUEST_REJECTED, ERR_BAD_RESPONSE...).
 */
export function createServerWeatherProvider(options: ServerWeatherOptions): WeatherProvider {
  const now = options.now ?? Date.now
  // One answer per city is shared for a short while: the app asks for the remembered city's
  // weather at launch, while the home page is still loading, and the page's own request then
  // gets that same answer instead of starting a second one. A failure is never kept: retrying
  // asks the server again.
  const shared = new Map<
    string,
    { answer: Promise<WeatherResponse>; askedAt: number; value?: WeatherResponse }
  >()
  const fresh = (cityId: string) => {
    const entry = shared.get(cityId)
    return entry && now() - entry.askedAt < SHARE_ANSWER_MS ? entry : undefined
  }

  const fetchWeather = async (cityId: string): Promise<WeatherResponse> => {
    try {
      return await options.client.call({
        method: 'GET',
        url: options.apiOrigin + API_ROUTES.weather,
        query: { cityId },
        parse: parseWeatherResponse,
      })
    } catch (error) {
      shared.delete(cityId)
      if (isAppError(error) && error.details.serverCode === 'ERR_CITY_NOT_FOUND') {
        throw new AppError('ERR_CITY_NOT_FOUND', `no city with id "${cityId}"`, { cause: error })
      }
      throw error
    }
  }

  return {
    getWeather(request): Promise<WeatherResponse> {
      const cityId = request?.cityId
      if (typeof cityId !== 'string' || cityId.trim() === '') {
        return Promise.reject(
          new AppError('ERR_INVALID_INPUT', 'cityId must be a non-empty string'),
        )
      }
      const recent = fresh(cityId)
      if (recent) return recent.answer
      const entry: { answer: Promise<WeatherResponse>; askedAt: number; value?: WeatherResponse } =
        { answer: fetchWeather(cityId), askedAt: now() }
      entry.answer.then(
        (value) => (entry.value = value),
        () => undefined, // the caller of getWeather handles the failure
      )
      shared.set(cityId, entry)
      return entry.answer
    },
    peek(request) {
      return typeof request?.cityId === 'string' ? fresh(request.cityId)?.value : undefined
    },
  }
}
