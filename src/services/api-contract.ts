/**
 * The API contract shared by the pages, the local provider and (later) the reference server.
 * One definition: if the server and the app disagree, TypeScript says so at build time.
 */

/** Routes of the reference API (server/ implements them; the app's client calls them). */
export const API_ROUTES = {
  weather: '/v1/weather',
  cities: '/v1/cities',
  status: '/v1/status',
} as const

/** Header on every API response while an incident is open (the kill switch). */
export const MAINTENANCE_HEADER = 'x-maintenance'

export interface City {
  /** Stable id, e.g. `cn-101010100`-style codes are avoided; a readable slug is enough here. */
  id: string
  /** Display name in Simplified Chinese (or the usual Chinese name of a world city). */
  name: string
  /** Pinyin without tones, lowercase, for search ("beijing"). */
  pinyin: string
  /** Province or region; for world cities, the country name in Chinese. */
  province: string
  /** ISO 3166-1 alpha-2 country code. */
  country: string
  /** City-centre coordinates, two decimals: a public landmark, not a person's position. */
  lat: number
  lon: number
}

export type Condition =
  'clear' | 'partly-cloudy' | 'cloudy' | 'rain' | 'thunderstorm' | 'snow' | 'fog'

/** Ask for weather by city id. (Coarse coordinates arrive with the PERMISSION practice.) */
export interface WeatherRequest {
  cityId: string
}

/**
 * The server also answers for coarse coordinates (at most two decimals, about 1 km): it picks
 * the nearest listed city. More precision is refused with ERR_COORDINATES_TOO_PRECISE.
 */
export interface CoarseWeatherRequest {
  lat: number
  lon: number
}

export interface CurrentConditions {
  temperatureC: number
  feelsLikeC: number
  condition: Condition
  humidityPct: number
  windKph: number
  /** Compass point the wind comes from, e.g. 'NE'. */
  windDirection: string
}

export interface DailyForecast {
  /** Local calendar date, `YYYY-MM-DD`. */
  date: string
  condition: Condition
  highC: number
  lowC: number
  /** Chance of precipitation, 0–100. */
  precipitationPct: number
}

export interface WeatherResponse {
  city: City
  current: CurrentConditions
  /** Today first, then the days ahead. */
  daily: DailyForecast[]
  /** ISO 8601 time the data was produced. */
  updatedAt: string
  /** Where the data came from, shown to the user. */
  source: 'local' | 'server'
}

export interface CitySearchRequest {
  /** Chinese name, pinyin or province; empty returns the default list. */
  q: string
  limit?: number
}

export interface CitySearchResponse {
  cities: City[]
}

/** `GET /v1/status`: public, unauthenticated, cheap. What the kill switch polls. */
export interface StatusResponse {
  maintenance: boolean
  /** Shown to users on the maintenance screen (present while maintenance is on). */
  message?: string
  incidentId?: string
  /** ISO 8601 time the incident was opened. */
  since?: string
  /** Suggested seconds before checking again. */
  retryAfterSeconds?: number
}
