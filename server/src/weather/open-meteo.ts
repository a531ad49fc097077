import type {
  City,
  Condition,
  DailyForecast,
  WeatherResponse,
} from '../../../src/services/api-contract'
import { FORECAST_DAYS } from '../../../src/services/local-weather-provider'
import { ApiError } from '../api-error'
import { UpstreamError, type HttpClient } from '../http-client'
import type { ServerWeatherProvider } from './providers'

/**
 * Open-Meteo (https://open-meteo.com): real forecasts with no API key, free for
 * non-commercial use under CC BY 4.0 (attribution travels in the response). The server sends
 * only the listed city's public centre coordinates, never a user's position. Answers are
 * cached per city for ten minutes to be kind to the free service.
 */
export const OPEN_METEO_URL = 'https://api.open-meteo.com/v1/forecast'
export const OPEN_METEO_ATTRIBUTION = '天气数据：Open-Meteo.com（CC BY 4.0）'
const CACHE_MS = 10 * 60 * 1000

export function openMeteoProvider(http: HttpClient): ServerWeatherProvider {
  const cache = new Map<string, { at: number; response: WeatherResponse }>()
  return {
    async forecast(city, now) {
      const hit = cache.get(city.id)
      if (hit && now.getTime() - hit.at < CACHE_MS) return hit.response
      let answer: { status: number; body: unknown }
      try {
        answer = await http.getJson(openMeteoUrl(city), { timeoutMs: 5000 })
      } catch (error) {
        if (error instanceof UpstreamError) throw upstream(error.message)
        throw error
      }
      if (answer.status !== 200) {
        const reason = (answer.body as { reason?: unknown } | null)?.reason
        throw upstream(`status ${answer.status}${typeof reason === 'string' ? `: ${reason}` : ''}`)
      }
      const response = fromOpenMeteo(city, answer.body)
      cache.set(city.id, { at: now.getTime(), response })
      return response
    },
  }
}

export function openMeteoUrl(city: City): string {
  const query = new URLSearchParams({
    latitude: city.lat.toFixed(2),
    longitude: city.lon.toFixed(2),
    current:
      'temperature_2m,relative_humidity_2m,apparent_temperature,weather_code,wind_speed_10m,wind_direction_10m',
    daily: 'weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max',
    timezone: 'auto',
    forecast_days: String(FORECAST_DAYS),
    wind_speed_unit: 'kmh',
  })
  return `${OPEN_METEO_URL}?${query.toString()}`
}

/** Map Open-Meteo's JSON to the API contract; anything missing or mistyped is ERR_WEATHER_UPSTREAM. */
export function fromOpenMeteo(city: City, body: unknown): WeatherResponse {
  const root = object(body, 'body')
  const offsetSeconds = number(root.utc_offset_seconds, 'utc_offset_seconds')
  const current = object(root.current, 'current')
  const daily = object(root.daily, 'daily')
  const dates = array(daily.time, 'daily.time')
  const codes = array(daily.weather_code, 'daily.weather_code')
  const highs = array(daily.temperature_2m_max, 'daily.temperature_2m_max')
  const lows = array(daily.temperature_2m_min, 'daily.temperature_2m_min')
  const rain = array(daily.precipitation_probability_max, 'daily.precipitation_probability_max')
  if (dates.length === 0) throw upstream('daily forecast is empty')

  const days: DailyForecast[] = dates.slice(0, FORECAST_DAYS).map((date, i) => ({
    date: text(date, 'daily.time', /^\d{4}-\d{2}-\d{2}$/),
    condition: conditionFor(number(codes[i], 'daily.weather_code')),
    highC: Math.round(number(highs[i], 'daily.temperature_2m_max')),
    lowC: Math.round(number(lows[i], 'daily.temperature_2m_min')),
    // Open-Meteo has no probability for some places and days (null): shown as 0.
    precipitationPct: rain[i] === null ? 0 : Math.round(number(rain[i], 'precipitation')),
  }))

  const localTime = text(current.time, 'current.time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)
  const observedAt = Date.parse(`${localTime}:00Z`) - offsetSeconds * 1000

  return {
    city,
    current: {
      temperatureC: Math.round(number(current.temperature_2m, 'current.temperature_2m')),
      feelsLikeC: Math.round(number(current.apparent_temperature, 'current.apparent_temperature')),
      condition: conditionFor(number(current.weather_code, 'current.weather_code')),
      humidityPct: Math.round(number(current.relative_humidity_2m, 'current.relative_humidity_2m')),
      windKph: Math.round(number(current.wind_speed_10m, 'current.wind_speed_10m')),
      windDirection: compassPoint(number(current.wind_direction_10m, 'current.wind_direction_10m')),
    },
    daily: days,
    updatedAt: new Date(observedAt).toISOString(),
    source: 'server',
    attribution: OPEN_METEO_ATTRIBUTION,
  }
}

/** WMO weather interpretation codes (as Open-Meteo documents them) to the app's conditions. */
export function conditionFor(code: number): Condition {
  if (code === 0) return 'clear'
  if (code === 1 || code === 2) return 'partly-cloudy'
  if (code === 3) return 'cloudy'
  if (code === 45 || code === 48) return 'fog'
  if ((code >= 71 && code <= 77) || code === 85 || code === 86) return 'snow'
  if (code >= 95 && code <= 99) return 'thunderstorm'
  if ((code >= 51 && code <= 67) || (code >= 80 && code <= 82)) return 'rain'
  throw upstream(`unknown weather code ${code}`)
}

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW']

/** Where the wind comes from, in degrees, to one of eight compass points. */
export function compassPoint(degrees: number): string {
  return COMPASS[Math.round((((degrees % 360) + 360) % 360) / 45) % 8]
}

function upstream(detail: string): ApiError {
  return new ApiError(502, 'ERR_WEATHER_UPSTREAM', `The weather service failed (${detail}).`)
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw upstream(`${name} is missing`)
  }
  return value as Record<string, unknown>
}

function array(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw upstream(`${name} is missing`)
  return value
}

function number(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw upstream(`${name} is not a number`)
  return value
}

function text(value: unknown, name: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw upstream(`${name} is malformed`)
  return value
}
