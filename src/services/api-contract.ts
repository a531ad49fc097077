/**
 * The API contract shared by the pages, the local provider and (later) the reference server.
 * One definition: if the server and the app disagree, TypeScript says so at build time.
 */
// The error report's shape and limits are the app's monitor's (a practice folder never imports
// services).
import {
  BATCH_LIMIT,
  COUNT_LIMIT,
  TEXT_LIMITS,
  type MonitorReport,
  type ReportKind,
} from '../security/monitor/report'

/** Routes of the reference API (server/ implements them; the app's client calls them). */
export const API_ROUTES = {
  weather: '/v1/weather',
  cities: '/v1/cities',
  status: '/v1/status',
  session: '/v1/session',
  monitorErrors: '/v1/monitor/errors',
  consent: '/v1/me/consent',
  myData: '/v1/me/data',
  me: '/v1/me',
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
  /** Credit the data's licence requires (e.g. Open-Meteo's CC BY 4.0), when there is one. */
  attribution?: string
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
  /** ISO 8601 time the operator expects the incident to end; only when they gave one. */
  expectedEndAt?: string
}

/** `POST /v1/session`: exchange a `wx.login` code for a session. */
export interface SessionRequest {
  code: string
}

export interface SessionResponse {
  /** Opaque; sent as `authorization: Bearer <token>`. Keep it in secure storage only. */
  token: string
  /** Hex HMAC-SHA256 key for request signing (docs/request-signing.md). Secure storage only. */
  signingKey: string
  /** ISO 8601; sign in again before this. */
  expiresAt: string
  /** The server's clock, so the app can correct its timestamps for signing. */
  serverTime: string
}

export type ErrorReportKind = ReportKind

/**
 * One report in `POST /v1/monitor/errors`: what the app's monitor builds (MonitorReport in
 * src/security/monitor/report.ts, whose fields say what each holds), with `count` optional
 * (absent: 1). The app scrubs it, and the server scrubs again.
 */
export interface ErrorReport extends Omit<MonitorReport, 'count'> {
  /**
   * How many times it happened on the device before it was sent (the app groups repeats of one
   * problem by fingerprint and sends one report with the count), 1 to MAX_REPORT_COUNT; absent: 1.
   */
  count?: number
}

/** At most MAX_REPORTS_PER_BATCH reports per request. */
export interface ErrorReportBatch {
  reports: ErrorReport[]
  /**
   * Reports the device captured but could not keep since its last accepted batch (its queue was
   * full, or they came faster than its rate limit), 0 to MAX_REPORT_COUNT; absent: 0. They are
   * counted so that a flood is visible even though its reports are not.
   */
  droppedOnDevice?: number
}

export const MAX_REPORTS_PER_BATCH = BATCH_LIMIT

/** Largest `count` of a report and largest `droppedOnDevice` of a batch. */
export const MAX_REPORT_COUNT = COUNT_LIMIT

/**
 * Longest text kept per report field, in characters (Unicode code points, as JSON Schema's
 * maxLength counts them). The app cuts its reports to these before sending; the server cuts what
 * still arrives longer and marks the field truncated, so one long field never costs a batch.
 */
export const REPORT_TEXT_LIMITS: Record<ErrorReportTextField, number> = TEXT_LIMITS

export interface ErrorReportReceipt {
  /** How many reports of the batch were stored. */
  accepted: number
  /** The group each stored report was filed under, in the order they were sent. */
  fingerprints: string[]
  /**
   * Reports not stored, by position in the batch, with the reason (a report that is invalid,
   * e.g. a missing `occurredAt`, is dropped alone; the rest of the batch is kept). Sending them
   * again will not help. The reference server always sends this list, empty or not.
   */
  dropped?: ErrorReportDrop[]
  /**
   * Stored reports whose text fields were longer than the server keeps: those fields were cut
   * to their limit (REPORT_TEXT_LIMITS). The reference server always sends this list, empty or not.
   */
  truncated?: Array<{ index: number; fields: ErrorReportTextField[] }>
}

export interface ErrorReportDrop {
  /** Position of the report in the batch, from 0. */
  index: number
  /** Which field was wrong and what is allowed, for a person to read. */
  reason: string
}

/** The text fields of a report that are cut, not refused, when they are too long. */
export type ErrorReportTextField =
  'message' | 'stack' | 'page' | 'appVersion' | 'baseLibrary' | 'platform'

/** `POST /v1/me/consent`: record a decision about a privacy-policy version. */
export interface ConsentRequest {
  policyVersion: string
  decision: 'agreed' | 'withdrawn'
  /**
   * ISO 8601: when the user decided, by the device's clock (the time the privacy center shows).
   * A decision is often made before the user signs in, and sent then. Without it, or later than
   * the server's clock, the server takes its own time.
   */
  decidedAt?: string
}

export interface ConsentRecord extends ConsentRequest {
  /** When the user decided: the device's time as sent, never later than `recordedAt`. */
  decidedAt: string
  /** Server time the decision reached the server. */
  recordedAt: string
}

/** `GET /v1/me/data`: everything the server holds about the signed-in user. */
export interface MyDataExport {
  exportedAt: string
  user: { id: string; createdAt: string; openidHmac: string }
  consents: ConsentRecord[]
  sessions: Array<{ createdAt: string; expiresAt: string }>
  errorReports: Array<
    Omit<ErrorReport, 'stack'> & {
      stack: string
      receivedAt: string
      /** Fields the server cut to their limit on arrival (the reference server always sends it). */
      truncatedFields?: ErrorReportTextField[]
    }
  >
}

/** `DELETE /v1/me`: what was erased. */
export interface ErasureReceipt {
  erased: { users: number; sessions: number; consents: number; errorReports: number }
}

/** What each field of a weather answer must be; `parseWeatherResponse` checks and copies these. */
type FieldKind = 'text' | 'number' | 'condition' | 'date'
const CITY_FIELDS: Record<keyof City, FieldKind> = {
  id: 'text',
  name: 'text',
  pinyin: 'text',
  province: 'text',
  country: 'text',
  lat: 'number',
  lon: 'number',
}
const CURRENT_FIELDS: Record<keyof CurrentConditions, FieldKind> = {
  temperatureC: 'number',
  feelsLikeC: 'number',
  condition: 'condition',
  humidityPct: 'number',
  windKph: 'number',
  windDirection: 'text',
}
const DAY_FIELDS: Record<keyof DailyForecast, FieldKind> = {
  date: 'date',
  condition: 'condition',
  highC: 'number',
  lowC: 'number',
  precipitationPct: 'number',
}
const CONDITIONS = ['clear', 'partly-cloudy', 'cloudy', 'rain', 'thunderstorm', 'snow', 'fog']

/**
 * Checks a `GET /v1/weather` answer before a page shows it, and copies only the contract's
 * fields (an unexpected field from a server or a proxy never reaches the page). Throws on any
 * mismatch: a missing or mistyped field, an unknown condition, an empty forecast.
 */
export function parseWeatherResponse(body: unknown): WeatherResponse {
  const value = objectAt(body, 'the answer')
  const { daily, source, attribution } = value
  if (!Array.isArray(daily) || daily.length === 0 || daily.length > 16) {
    throw new Error('daily must hold 1 to 16 days')
  }
  if (source !== 'server' && source !== 'local') throw new Error('unknown source')
  if (attribution !== undefined && typeof attribution !== 'string') {
    throw new Error('attribution must be text')
  }
  return {
    city: copyFields(value.city, CITY_FIELDS, 'city'),
    current: copyFields(value.current, CURRENT_FIELDS, 'current'),
    daily: daily.map((day, index) => copyFields(day, DAY_FIELDS, `daily[${index}]`)),
    updatedAt: fieldOf(value.updatedAt, 'text', 'updatedAt') as string,
    source,
    ...(attribution === undefined ? {} : { attribution }),
  }
}

/**
 * Checks a `GET /v1/status` answer and copies what the kill switch shows: `maintenance`, and while
 * it is on the `message` (text) and `since` (a time, optional). Throws on anything else; the kill
 * switch then keeps its last known state (src/security/kill-switch/kill-switch.ts).
 */
export function parseStatusResponse(body: unknown): StatusResponse {
  const { maintenance, message, since, expectedEndAt } = objectAt(body, 'the answer')
  if (typeof maintenance !== 'boolean') throw new Error('bad maintenance')
  if (!maintenance) return { maintenance }
  fieldOf(message, 'text', 'message')
  for (const time of [since, expectedEndAt]) {
    if (time !== undefined && !(typeof time === 'string' && Date.parse(time) > 0)) {
      throw new Error('bad time')
    }
  }
  return {
    maintenance,
    message: message as string,
    since: since as string | undefined,
    expectedEndAt: expectedEndAt as string | undefined,
  }
}

/**
 * Checks a `POST /v1/monitor/errors` answer and copies what the app's monitor reads: how many
 * reports were stored and which were refused as invalid (not to be sent again). Throws on
 * anything else; the monitor then keeps the batch and tries again later.
 */
export function parseErrorReportReceipt(body: unknown): ErrorReportReceipt {
  const { accepted, fingerprints, dropped } = objectAt(body, 'the answer')
  if (!Number.isInteger(accepted) || !Array.isArray(fingerprints)) throw new Error('bad receipt')
  if (dropped !== undefined && !Array.isArray(dropped)) throw new Error('bad dropped')
  const refused = ((dropped ?? []) as unknown[]).map((item) => {
    const { index, reason } = objectAt(item, 'dropped')
    if (!Number.isInteger(index)) throw new Error('bad dropped index')
    return { index: index as number, reason: String(reason) }
  })
  return { accepted: accepted as number, fingerprints: fingerprints.map(String), dropped: refused }
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} must be an object`)
  }
  return value as Record<string, unknown>
}

/** A new object with exactly `fields`, each checked; nothing else is copied. */
function copyFields<T>(value: unknown, fields: Record<keyof T, FieldKind>, where: string): T {
  const source = objectAt(value, where)
  const copy: Record<string, unknown> = {}
  for (const [key, kind] of Object.entries<FieldKind>(fields)) {
    copy[key] = fieldOf(source[key], kind, `${where}.${key}`)
  }
  return copy as T
}

function fieldOf(value: unknown, kind: FieldKind, where: string): unknown {
  const ok =
    kind === 'number'
      ? typeof value === 'number' && Number.isFinite(value)
      : kind === 'condition'
        ? CONDITIONS.includes(value as string)
        : typeof value === 'string' && (kind === 'text' || /^\d{4}-\d{2}-\d{2}$/.test(value))
  if (!ok) throw new Error(`${where} is not a valid ${kind}`)
  return value
}
