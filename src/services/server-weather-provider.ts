import { AppError, isAppError } from '../security/app-error'
import type { HttpsClient } from '../security/transport/https-client'
import { API_ROUTES, parseWeatherResponse, type WeatherResponse } from './api-contract'
import type { WeatherAnswer, WeatherProvider } from './weather-provider'

/**
 * Where the last good answer per city is kept (plain device storage in the app: weather for a
 * city is public). `read` returns what `write` stored, or undefined; both never throw.
 */
export interface WeatherCache {
  read(): unknown
  write(value: unknown): void
}

/** How many cities' last answers are kept, and for how long (older ones are not shown), ms. */
export const CACHE_CITIES = 5
export const CACHE_MAX_AGE_MS = 3 * 24 * 60 * 60 * 1000

export interface ServerWeatherOptions {
  /** The app's one HTTPS client (api-client.ts). */
  client: HttpsClient
  /** The API's origin, e.g. `https://api.example.com` (settings.ts). */
  apiOrigin: string
  /** ms since the epoch; tests pass a fake clock. */
  now?: () => number
  /** Keeps the last good answer per city for when the server cannot be reached. */
  cache?: WeatherCache
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
 * Offline: with a `cache`, each good answer is kept (per city, the last CACHE_CITIES cities, up
 * to CACHE_MAX_AGE_MS old). When the server cannot answer (any failure but an unknown city), that
 * last answer comes back marked `offline: true`, so the page shows it with a notice.
 *
 * Errors (AppError codes): ERR_INVALID_INPUT (empty id, before anything is sent),
 * ERR_CITY_NOT_FOUND (the server does not know the id), else, with nothing kept, the client's code
 * (ERR_NETWORK, ERR_TIMEOUT, ERR_SERVER, ERR_RATE_LIMITED, ERR_REQUEST_REJECTED, ERR_BAD_RESPONSE...).
 */
export function createServerWeatherProvider(options: ServerWeatherOptions): WeatherProvider {
  const now = options.now ?? Date.now
  // One answer per city is shared for a short while: the app asks for the remembered city's
  // weather at launch, while the home page is still loading, and the page's own request then
  // gets that same answer instead of starting a second one. A failure is never kept: retrying
  // asks the server again.
  const shared = new Map<
    string,
    { answer: Promise<WeatherAnswer>; askedAt: number; value?: WeatherAnswer }
  >()
  const fresh = (cityId: string) => {
    const entry = shared.get(cityId)
    return entry && now() - entry.askedAt < SHARE_ANSWER_MS ? entry : undefined
  }
  const fetchWeather = async (cityId: string): Promise<WeatherAnswer> => {
    try {
      const weather = await options.client.call({
        method: 'GET',
        url: options.apiOrigin + API_ROUTES.weather,
        query: { cityId },
        parse: parseWeatherResponse,
      })
      keep(cityId, weather)
      return weather
    } catch (error) {
      shared.delete(cityId)
      if (isAppError(error) && error.details.serverCode === 'ERR_CITY_NOT_FOUND') {
        throw new AppError('ERR_CITY_NOT_FOUND', `no city with id "${cityId}"`, { cause: error })
      }
      const kept = lastGood(cityId)
      if (kept) return { ...kept, offline: true }
      throw error
    }
  }

  // The cache: `{ [cityId]: { savedAt, weather } }`, checked again on every read (it is storage).
  const entries = (): Record<string, { savedAt: number; weather: unknown }> => {
    const value = options.cache?.read()
    return value && typeof value === 'object' ? (value as ReturnType<typeof entries>) : {}
  }
  const keep = (cityId: string, weather: WeatherResponse) => {
    if (!options.cache) return
    const all = { ...entries(), [cityId]: { savedAt: now(), weather } }
    const newest = Object.keys(all)
      .sort((a, b) => Number(all[b]?.savedAt) - Number(all[a]?.savedAt))
      .slice(0, CACHE_CITIES)
    options.cache.write(Object.fromEntries(newest.map((id) => [id, all[id]])))
  }
  const lastGood = (cityId: string): WeatherResponse | undefined => {
    const entry = entries()[cityId]
    const age = now() - Number(entry?.savedAt)
    if (!entry || !(age >= 0 && age <= CACHE_MAX_AGE_MS)) return undefined
    try {
      return parseWeatherResponse(entry.weather)
    } catch {
      return undefined
    }
  }

  return {
    getWeather(request): Promise<WeatherAnswer> {
      const cityId = request?.cityId
      if (typeof cityId !== 'string' || cityId.trim() === '') {
        return Promise.reject(
          new AppError('ERR_INVALID_INPUT', 'cityId must be a non-empty string'),
        )
      }
      const recent = fresh(cityId)
      if (recent) return recent.answer
      const entry: { answer: Promise<WeatherAnswer>; askedAt: number; value?: WeatherAnswer } = {
        answer: fetchWeather(cityId),
        askedAt: now(),
      }
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
