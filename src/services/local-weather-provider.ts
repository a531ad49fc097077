import { AppError } from '../security/app-error'
import type {
  City,
  Condition,
  CurrentConditions,
  DailyForecast,
  WeatherRequest,
  WeatherResponse,
} from './api-contract'
import { findCity } from './city-list'
import type { WeatherProvider } from './weather-provider'

/** Days in the forecast, today included. */
export const FORECAST_DAYS = 5

export interface LocalWeatherOptions {
  /** The clock; tests freeze it. */
  now?: () => Date
  /** Simulated network delay in milliseconds, so loading states can be seen. */
  latencyMs?: number
}

/**
 * A weather source that needs no network: the same city on the same day always gets the same
 * weather, shaped by latitude and season so it looks plausible. It stands in until the reference
 * server exists, behind the same `WeatherProvider` interface.
 *
 * The pseudo-random numbers here only vary fake weather. They are not a security random source
 * and must never be used as one.
 */
export function createLocalWeatherProvider(options: LocalWeatherOptions = {}): WeatherProvider {
  const now = options.now ?? (() => new Date())
  const latencyMs = options.latencyMs ?? 0

  return {
    async getWeather(request: WeatherRequest): Promise<WeatherResponse> {
      if (!request || typeof request.cityId !== 'string' || request.cityId.trim() === '') {
        throw new AppError('ERR_INVALID_INPUT', 'cityId must be a non-empty string')
      }
      const city = findCity(request.cityId)
      if (!city) {
        throw new AppError('ERR_CITY_NOT_FOUND', `no city with id "${request.cityId}"`)
      }
      await delay(latencyMs)
      return forecastFor(city, now())
    },
  }
}

/** Deterministic weather for `city` as seen at instant `at`. Exported for tests and the server. */
export function forecastFor(city: City, at: Date): WeatherResponse {
  const local = cityLocalTime(city, at)
  const daily: DailyForecast[] = []
  for (let offset = 0; offset < FORECAST_DAYS; offset++) {
    daily.push(dayFor(city, addDays(local, offset)))
  }
  return {
    city,
    current: currentFor(city, local, daily[0]),
    daily,
    updatedAt: at.toISOString(),
    source: 'local',
  }
}

function dayFor(city: City, localDay: Date): DailyForecast {
  const date = isoDate(localDay)
  const random = seededRandom(`${city.id}|${date}`)
  const mean = seasonalMeanC(city.lat, dayOfYear(localDay)) + (random() - 0.5) * 6
  const spread = 5 + random() * 5
  const highC = Math.round(mean + spread / 2)
  const lowC = Math.round(mean - spread / 2)
  const precipitationPct = Math.round(random() * 100)
  return {
    date,
    condition: conditionFor(precipitationPct, highC, random()),
    highC,
    lowC,
    precipitationPct,
  }
}

function currentFor(city: City, local: Date, today: DailyForecast): CurrentConditions {
  const random = seededRandom(`${city.id}|${isoDate(local)}|${local.getUTCHours()}`)
  // Coldest at 05:00, warmest at 15:00: rise over 10 hours, fall over the other 14.
  const hour = local.getUTCHours() + local.getUTCMinutes() / 60
  const sinceDawn = (hour - 5 + 24) % 24
  const warmth = sinceDawn <= 10 ? sinceDawn / 10 : 1 - (sinceDawn - 10) / 14
  const temperatureC = Math.round(today.lowC + (today.highC - today.lowC) * warmth)
  const windKph = Math.round(3 + random() * 25)
  const humidityPct = Math.round(Math.min(98, 30 + today.precipitationPct * 0.6 + random() * 10))
  return {
    temperatureC,
    feelsLikeC: Math.round(
      temperatureC - windKph / 15 + (humidityPct > 70 && temperatureC > 25 ? 2 : 0),
    ),
    condition: today.condition,
    humidityPct,
    windKph,
    windDirection: WIND_DIRECTIONS[Math.floor(random() * WIND_DIRECTIONS.length)],
  }
}

const WIND_DIRECTIONS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const

function conditionFor(precipitationPct: number, highC: number, roll: number): Condition {
  if (precipitationPct >= 70) {
    if (highC <= 1) return 'snow'
    return roll > 0.75 && highC >= 20 ? 'thunderstorm' : 'rain'
  }
  if (precipitationPct >= 45) return 'cloudy'
  if (precipitationPct >= 25) return roll > 0.8 ? 'fog' : 'partly-cloudy'
  return 'clear'
}

/** Mean daily temperature: warmer near the equator, seasons stronger towards the poles. */
function seasonalMeanC(lat: number, doy: number): number {
  const annual = 28 - 0.55 * Math.max(0, Math.abs(lat) - 12)
  const amplitude = 0.35 * Math.abs(lat)
  // Peak near 20 July in the north, near 20 January in the south.
  const phase = Math.cos((2 * Math.PI * (doy - 201)) / 365)
  return annual + amplitude * (lat >= 0 ? phase : -phase)
}

/** The city's wall-clock time, approximated from its longitude (China uses UTC+8 throughout). */
function cityLocalTime(city: City, at: Date): Date {
  const offsetHours = city.country === 'CN' ? 8 : Math.round(city.lon / 15)
  return new Date(at.getTime() + offsetHours * 3600_000)
}

function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * 86_400_000)
}

function isoDate(day: Date): string {
  return day.toISOString().slice(0, 10)
}

function dayOfYear(day: Date): number {
  const start = Date.UTC(day.getUTCFullYear(), 0, 1)
  return Math.floor((day.getTime() - start) / 86_400_000) + 1
}

/** mulberry32 seeded from an FNV-1a hash of `seed`: small, fast, reproducible. Not for security. */
function seededRandom(seed: string): () => number {
  let hash = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  let state = hash >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()
}
