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
 * weather, shaped by latitude, region and season so it looks plausible (see forecastFor). Tests
 * use it behind the same `WeatherProvider` interface as the server's; the reference server's
 * embedded provider answers with the same model.
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

/**
 * Deterministic weather for `city` as seen at instant `at`: the same city and instant always
 * give the same answer. Exported for tests and for the server's embedded provider.
 *
 * How it is made, so that it looks right to the people who live there:
 * - temperature: a latitude model, corrected per climate region (CLIMATES);
 * - each day's chance of precipitation: drawn around the region's normal for the month
 *   (dry northern winters, wet monsoon summers, damp tropics), and the sky follows from it
 *   (skyFor): a clear day never carries 90%;
 * - rain at or near freezing falls as snow (precipitationAt);
 * - humidity: the region's normal for the month, higher at dawn and on wet days;
 * - feels like: heat index in humid heat, wind chill in cold wind (feelsLikeC).
 */
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
  // Day-to-day swings are small in the tropics, larger in the mid-latitudes.
  const swingC = Math.abs(city.lat) < 20 ? 2 : 6
  const mean = seasonalMeanC(city, dayOfYear(localDay)) + (random() - 0.5) * swingC
  const spread = 5 + random() * 5
  const highC = wholeDegrees(mean + spread / 2)
  const lowC = wholeDegrees(mean - spread / 2)
  const climate = climateFor(city, localDay.getUTCMonth() + 1)
  const precipitationPct = dailyChancePct(climate.precipitationPct, random())
  const roll = random()
  // What falls, if anything does: judged by the day's mean; thunder needs a warm day.
  const falling = precipitationAt((highC + lowC) / 2, highC >= 24 && roll > 0.6)
  return {
    date,
    condition: skyFor(precipitationPct, falling, climate.humidityPct, roll),
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
  const temperatureC = wholeDegrees(today.lowC + (today.highC - today.lowC) * warmth)
  const windKph = Math.round(3 + random() * 25)
  // Rain or a storm today falls as snow while the air is at or near freezing.
  const condition = WET.includes(today.condition)
    ? precipitationAt(temperatureC, today.condition === 'thunderstorm')
    : today.condition
  const climate = climateFor(city, local.getUTCMonth() + 1)
  // The month's humidity: higher on a wetter day than usual and at dawn, lower in the afternoon.
  let humidityPct =
    climate.humidityPct +
    (today.precipitationPct - climate.precipitationPct) * 0.3 +
    (0.5 - warmth) * 24 +
    (random() - 0.5) * 10
  // Rain, snow or fog: the air is close to saturated.
  if (WET.includes(condition) || condition === 'fog') humidityPct = Math.max(humidityPct, 85)
  humidityPct = Math.min(humidityPct, 98, humidityCeilingPct(temperatureC))
  humidityPct = Math.round(Math.max(10, humidityPct))
  return {
    temperatureC,
    feelsLikeC: wholeDegrees(feelsLikeC(temperatureC, humidityPct, windKph)),
    condition,
    humidityPct,
    windKph,
    windDirection: WIND_DIRECTIONS[Math.floor(random() * WIND_DIRECTIONS.length)],
  }
}

const WIND_DIRECTIONS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const
const WET: readonly Condition[] = ['rain', 'thunderstorm', 'snow']

/**
 * The sky for a day's chance of precipitation (%), so the two always agree: 60% or more,
 * `falling` (rain, a thunderstorm or snow); 40-59% cloudy; 20-39% partly cloudy (now and then
 * fog instead, where the month's humidity is 70% or more); below 20% clear.
 */
function skyFor(
  precipitationPct: number,
  falling: Condition,
  humidityPct: number,
  roll: number,
): Condition {
  if (precipitationPct >= 60) return falling
  if (precipitationPct >= 40) return 'cloudy'
  if (precipitationPct >= 20) return humidityPct >= 70 && roll > 0.85 ? 'fog' : 'partly-cloudy'
  return 'clear'
}

/**
 * What falls at `temperatureC`: snow at or below 1 °C, rain (or a thunderstorm) above. Snow
 * often reaches the ground a degree above freezing before it melts; the contract has no sleet.
 */
function precipitationAt(temperatureC: number, stormy: boolean): Condition {
  if (temperatureC <= 1) return 'snow'
  return stormy ? 'thunderstorm' : 'rain'
}

/**
 * One day's chance of precipitation (%) in a month whose average chance is `monthPct`: a uniform
 * `roll` (0-1) raised to the power k = 100 / monthPct - 1 averages exactly monthPct / 100, and
 * keeps most days of a dry month near 0% and most days of a wet month high.
 */
function dailyChancePct(monthPct: number, roll: number): number {
  return Math.round(100 * roll ** (100 / monthPct - 1))
}

/**
 * The relative humidity (%) of air at `temperatureC` with a dew point of 26 °C, about the most
 * humid air an ordinary summer day brings to South China and South-East Asia: a ceiling, so
 * hot afternoons are not also saturated. Magnus formula with Alduchov and Eskridge's constants
 * (J. Appl. Meteor. 35, 1996).
 */
function humidityCeilingPct(temperatureC: number): number {
  const vapourPressure = (t: number) => Math.exp((17.625 * t) / (243.04 + t))
  return (100 * vapourPressure(26)) / vapourPressure(temperatureC)
}

/** Broad climates, enough for the listed cities to look right to the people who live there. */
export type ClimateRegion =
  | 'equatorial'
  | 'tropical-monsoon'
  | 'humid-monsoon'
  | 'dry-winter-monsoon'
  | 'highland'
  | 'arid-inland'
  | 'mediterranean'
  | 'oceanic'
  | 'temperate'

/** A city's climate in one month. */
export interface MonthlyClimate {
  region: ClimateRegion
  /** Average daily chance of precipitation, 0-100. */
  precipitationPct: number
  /** Average relative humidity, 0-100 (higher at dawn, lower in the afternoon). */
  humidityPct: number
}

type Normals = Omit<MonthlyClimate, 'region'>

interface RegionClimate {
  /** Normals of the coldest month (January in the north, July in the south). */
  winter: Normals
  /** Normals of the warmest month. */
  summer: Normals
  /** °C added to the latitude model's annual mean temperature: the sea warms, height cools. */
  warmerC: number
  /** Multiplies the latitude model's seasonal swing: the sea damps it, a continent widens it. */
  seasonScale: number
}

/**
 * What each region adds to latitude. Round numbers picked by hand so that the example cities
 * land near their long-term averages (server/test/embedded-weather.test.ts checks a few); not
 * fitted to data.
 */
const CLIMATES: Record<ClimateRegion, RegionClimate> = {
  // Singapore: rain and damp air all year.
  equatorial: {
    winter: { precipitationPct: 55, humidityPct: 82 },
    summer: { precipitationPct: 55, humidityPct: 82 },
    warmerC: 0,
    seasonScale: 1,
  },
  // Bangkok, Sanya: a warm dry season in winter, monsoon rain in summer, humid throughout.
  'tropical-monsoon': {
    winter: { precipitationPct: 15, humidityPct: 72 },
    summer: { precipitationPct: 60, humidityPct: 80 },
    warmerC: 1.5,
    seasonScale: 0.5,
  },
  // Shanghai, Guangzhou, Chengdu, Wuhan, Hong Kong, Taipei: damp winters, wet summers.
  'humid-monsoon': {
    winter: { precipitationPct: 30, humidityPct: 74 },
    summer: { precipitationPct: 60, humidityPct: 80 },
    warmerC: 0,
    seasonScale: 1,
  },
  // Beijing, Harbin, Hohhot, Xi'an, Seoul, Tokyo: dry sunny winters, wet summers (and north of
  // 38°, Siberian cold: see seasonalMeanC).
  'dry-winter-monsoon': {
    winter: { precipitationPct: 8, humidityPct: 45 },
    summer: { precipitationPct: 50, humidityPct: 72 },
    warmerC: 0,
    seasonScale: 1,
  },
  // Kunming, Lhasa, Xining: high up, so cooler all year; dry sunny winters, wet summers.
  highland: {
    winter: { precipitationPct: 10, humidityPct: 40 },
    summer: { precipitationPct: 55, humidityPct: 70 },
    warmerC: -8,
    seasonScale: 0.8,
  },
  // Urumqi, Lanzhou, Yinchuan: dry all year, cold winters, a little rain in summer.
  'arid-inland': {
    winter: { precipitationPct: 8, humidityPct: 50 },
    summer: { precipitationPct: 25, humidityPct: 45 },
    warmerC: -4,
    seasonScale: 1.1,
  },
  // San Francisco: mild wet winters, cool dry summers.
  mediterranean: {
    winter: { precipitationPct: 40, humidityPct: 78 },
    summer: { precipitationPct: 3, humidityPct: 72 },
    warmerC: 0,
    seasonScale: 0.3,
  },
  // London, Paris, Berlin, Sydney: the sea keeps winters mild and summers moderate; some rain
  // in any month.
  oceanic: {
    winter: { precipitationPct: 45, humidityPct: 80 },
    summer: { precipitationPct: 35, humidityPct: 68 },
    warmerC: 4,
    seasonScale: 0.4,
  },
  // New York and anywhere else: the latitude model as it is, rain or snow in any month.
  temperate: {
    winter: { precipitationPct: 35, humidityPct: 62 },
    summer: { precipitationPct: 35, humidityPct: 68 },
    warmerC: 0,
    seasonScale: 1,
  },
}

/**
 * The climate of `city` in `month` (1-12): its region from latitude and longitude, and the
 * region's normals moved smoothly from the winter to the summer values (seasons swap south of
 * the equator). Broad boxes drawn around the listed cities, not a climate atlas.
 */
export function climateFor(city: City, month: number): MonthlyClimate {
  const region = climateRegionOf(city)
  const { winter, summer } = CLIMATES[region]
  // 0 in January, 1 in July; the other way round in the south.
  const northSummer = (1 - Math.cos((2 * Math.PI * (month - 1)) / 12)) / 2
  const summerness = city.lat >= 0 ? northSummer : 1 - northSummer
  const between = (a: number, b: number) => Math.round(a + (b - a) * summerness)
  return {
    region,
    precipitationPct: between(winter.precipitationPct, summer.precipitationPct),
    humidityPct: between(winter.humidityPct, summer.humidityPct),
  }
}

function climateRegionOf({ lat, lon }: City): ClimateRegion {
  if (Math.abs(lat) < 10) return 'equatorial'
  if (Math.abs(lat) < 20) return 'tropical-monsoon'
  if (lat > 0 && lon > 70 && lon < 150) {
    // East Asia: the Tibetan and Yunnan plateaus, the arid north-west, the dry-winter north,
    // then the humid south and east.
    if (lon < 103 && lat < 38) return 'highland'
    if (lon < 107 && lat >= 35) return 'arid-inland'
    if (lat >= 33) return 'dry-winter-monsoon'
    return 'humid-monsoon'
  }
  if (lon < -115 && lat >= 30 && lat <= 45) return 'mediterranean' // California's coast
  if (lat < 0 || (lon > -10 && lon < 25 && lat > 40)) return 'oceanic' // Europe, the south
  return 'temperate'
}

/**
 * Mean daily temperature (°C) of `city` on day `doy` of the year: warmer near the equator,
 * seasons stronger towards the poles, then corrected for the city's region.
 */
function seasonalMeanC(city: City, doy: number): number {
  const region = climateRegionOf(city)
  const { warmerC, seasonScale } = CLIMATES[region]
  const lat = Math.abs(city.lat)
  const annual = 28 - 0.55 * Math.max(0, lat - 12) + warmerC
  const amplitude = 0.35 * lat * seasonScale
  // 1 near 20 July and -1 near 20 January in the north; the other way round in the south.
  const season = Math.cos((2 * Math.PI * (doy - 201)) / 365) * (city.lat >= 0 ? 1 : -1)
  // North-east Asia's winters are about 1.5 °C colder per degree of latitude north of 38° than
  // latitude alone gives (Harbin averages -17 °C in January, Beijing -3 °C).
  const siberianC =
    region === 'dry-winter-monsoon' ? (1.5 * Math.max(0, lat - 38) * (1 - season)) / 2 : 0
  return annual + amplitude * season - siberianC
}

/**
 * How warm the air feels, in °C, for the air temperature (°C), relative humidity (%) and wind
 * at 10 m (km/h): the heat index from 27 °C (80 °F, below which the NWS regression is not
 * meant to be used), the wind chill up to 10 °C in a wind above 4.8 km/h (where Environment Canada's
 * applies), and the air temperature itself in between.
 */
export function feelsLikeC(temperatureC: number, humidityPct: number, windKph: number): number {
  if (temperatureC >= 27) return heatIndexC(temperatureC, humidityPct)
  if (temperatureC <= 10 && windKph > 4.8) return windChillC(temperatureC, windKph)
  return temperatureC
}

/**
 * The heat index in °C for air at `temperatureC` and `humidityPct` relative humidity: the US
 * National Weather Service's procedure (Steadman's simple formula, then the Rothfusz
 * regression with its two adjustments), worked in °F as published at
 * https://www.wpc.ncep.noaa.gov/html/heatindex_equation.shtml
 */
export function heatIndexC(temperatureC: number, humidityPct: number): number {
  const t = (temperatureC * 9) / 5 + 32
  const rh = humidityPct
  const simple = 0.5 * (t + 61 + (t - 68) * 1.2 + rh * 0.094)
  let index = simple
  if ((simple + t) / 2 >= 80) {
    index =
      -42.379 +
      2.04901523 * t +
      10.14333127 * rh -
      0.22475541 * t * rh -
      0.00683783 * t * t -
      0.05481717 * rh * rh +
      0.00122874 * t * t * rh +
      0.00085282 * t * rh * rh -
      0.00000199 * t * t * rh * rh
    if (rh < 13 && t >= 80 && t <= 112) {
      index -= ((13 - rh) / 4) * Math.sqrt((17 - Math.abs(t - 95)) / 17)
    }
    if (rh > 85 && t >= 80 && t <= 87) index += ((rh - 85) / 10) * ((87 - t) / 5)
  }
  return ((index - 32) * 5) / 9
}

/**
 * The wind chill in °C for air at `temperatureC` and a wind at 10 m of `windKph` km/h: the
 * formula Environment Canada and the US NWS have shared since 2001, meant for up to 10 °C and
 * winds above 4.8 km/h:
 * https://www.canada.ca/en/environment-climate-change/services/weather-health/wind-chill-cold-weather/wind-chill-index.html
 */
export function windChillC(temperatureC: number, windKph: number): number {
  const v = windKph ** 0.16
  return 13.12 + 0.6215 * temperatureC - 11.37 * v + 0.3965 * temperatureC * v
}

/** Rounded to a whole degree, never -0 (JSON would turn it into 0 on the way to the app). */
function wholeDegrees(celsius: number): number {
  return Math.round(celsius) || 0
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
