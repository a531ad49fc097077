import { AppError } from '../security/app-error'
import type { Logger } from '../security/sensitive/logger'

/**
 * SDK: the analytics facade, the only way any third-party SDK receives data from this app
 * (ESLint refuses `Taro.reportEvent` / `wx.reportEvent` / `reportAnalytics` anywhere but
 * app-analytics.ts, which binds this facade to WeChat). Its rules:
 *
 * 1. An allow-list of events (ANALYTICS_EVENTS). Each field is an enum of fixed words or a
 *    bounded integer: there is no string type, so free text, names, city names, identifiers,
 *    coordinates and contacts cannot be expressed, let alone sent. An event not on the list, a
 *    field not on it or missing, or a value outside its rule drops the WHOLE event, and the drop
 *    is logged with the rule broken and the event and field names (when they look like names),
 *    never a value.
 * 2. Consent: an event is sent only while `allowed()` (the app's `consent.allows('analytics')`:
 *    agreed to the current policy AND the separate analytics choice on, PIPL Art. 23) says yes,
 *    asked at every event. Before a choice, after a decline, without the choice or after a
 *    withdrawal nothing is sent and nothing is kept to send later: there is no queue.
 * 3. The SDK gets a fresh object holding only the allowed fields, each read once.
 * 4. Every SDK the facade can use is in ANALYTICS_SDK_IDS, and a test checks each is in the data
 *    inventory's SDK list (data-inventory.ts, shown in the privacy policy). An SDK that is not
 *    declared is refused when the facade is made.
 *
 * Adding an event: add it to ANALYTICS_EVENTS (and to WeChat's We分析 event management, where
 * each event id and field must be created first), then to the data inventory if it collects a
 * new kind of data.
 */

/** What one field may hold: one of fixed words, or a whole number in a range. */
export type FieldRule =
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'integer'; readonly min: number; readonly max: number }

/** Event name -> field name -> rule. */
export type EventRules = Readonly<Record<string, Readonly<Record<string, FieldRule>>>>

/**
 * The app's events. `city_selected`: a city was chosen in the picker, and how (search = from
 * search results, list = from the full list, current = the pinned current city, location = the
 * nearest city to the device); never which city. `location_failed`: "use my location" gave no
 * city, and why; never where.
 */
export const ANALYTICS_EVENTS = {
  city_selected: {
    source: { type: 'enum', values: ['search', 'list', 'current', 'location'] },
  },
  location_failed: {
    reason: { type: 'enum', values: ['denied', 'timeout', 'unavailable', 'no_city_nearby'] },
  },
} as const satisfies EventRules

/** The fields of one of the app's events, e.g. `AppEventFields<'city_selected'>['source']`. */
export type AppEventFields<Event extends keyof typeof ANALYTICS_EVENTS> = FieldsOf<
  typeof ANALYTICS_EVENTS,
  Event
>

/** The SDKs the facade may hand events to; each must be in the data inventory's SDK list. */
export const ANALYTICS_SDK_IDS = ['wechat-analytics'] as const

export type AnalyticsSdkId = (typeof ANALYTICS_SDK_IDS)[number]

/** One SDK, as the facade sees it: an id and a way to send an event that passed every rule. */
export interface AnalyticsSdk {
  id: AnalyticsSdkId
  send(eventId: string, data: Record<string, string | number>): void
}

type ValueOf<Rule> = Rule extends { values: readonly (infer Word)[] } ? Word : number

/** The fields an event takes, typed from its rules. */
export type FieldsOf<Rules extends EventRules, Event extends keyof Rules> = {
  -readonly [Field in keyof Rules[Event]]: ValueOf<Rules[Event][Field]>
}

/** What became of an event: sent, not allowed (no consent: gone), or dropped (broke a rule). */
export type TrackOutcome = 'sent' | 'not-allowed' | 'dropped'

export interface Analytics<Rules extends EventRules> {
  track<Event extends keyof Rules & string>(
    event: Event,
    fields: FieldsOf<Rules, Event>,
  ): TrackOutcome
}

export interface AnalyticsOptions<Rules extends EventRules> {
  events: Rules
  sdks: readonly AnalyticsSdk[]
  /** Asked at every event: may usage statistics be sent now? */
  allowed: () => boolean
  log: Logger
}

/** Why an event was dropped. */
type DropReason = 'unknown-event' | 'bad-fields' | 'unknown-field' | 'missing-field' | 'bad-value'

const NAME = /^[a-z][a-z0-9_]{0,31}$/

/**
 * The facade over `sdks`. Throws ERR_INVALID_INPUT when a rule could carry free text (a name or
 * an enum word that is not a lower-case word, an empty enum, an unbounded integer, an unknown
 * type) or an SDK is not declared.
 */
export function createAnalytics<Rules extends EventRules>(
  options: AnalyticsOptions<Rules>,
): Analytics<Rules> {
  const { events, sdks, allowed, log } = options
  checkRules(events)
  for (const sdk of sdks) {
    if (!(ANALYTICS_SDK_IDS as readonly string[]).includes(sdk.id)) {
      throw new AppError('ERR_INVALID_INPUT', `${String(sdk.id)} is not a declared SDK.`)
    }
  }

  const drop = (reason: DropReason, event: unknown, field?: string): TrackOutcome => {
    log.warn('analytics: event dropped', {
      reason,
      event: nameOrMark(event),
      ...(field === undefined ? {} : { field: nameOrMark(field) }),
    })
    return 'dropped'
  }

  return {
    track(event, fields) {
      const rules = typeof event === 'string' && hasOwn(events, event) ? events[event] : undefined
      if (!rules) return drop('unknown-event', event)
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
        return drop('bad-fields', event)
      }
      const given = fields as Record<string, unknown>
      for (const field of Object.keys(given)) {
        if (!hasOwn(rules, field)) return drop('unknown-field', event, field)
      }
      const data: Record<string, string | number> = {}
      for (const [field, rule] of Object.entries(rules)) {
        if (!hasOwn(given, field)) return drop('missing-field', event, field)
        const value = given[field] // read once: what is checked is what is sent
        if (!fits(rule, value)) return drop('bad-value', event, field)
        data[field] = value as string | number
      }
      // No consent: the event is gone. Nothing is queued for a later "yes".
      if (!allowed()) return 'not-allowed'
      for (const sdk of sdks) {
        try {
          sdk.send(event, { ...data })
        } catch (error) {
          log.warn('analytics: SDK failed', { sdk: sdk.id, error })
        }
      }
      return 'sent'
    },
  }
}

function fits(rule: FieldRule, value: unknown): boolean {
  if (rule.type === 'enum') return typeof value === 'string' && rule.values.includes(value)
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max
  )
}

function checkRules(events: EventRules): void {
  const refuse = (what: string) => {
    throw new AppError('ERR_INVALID_INPUT', `Analytics allow-list: ${what}.`)
  }
  for (const [event, fields] of Object.entries(events)) {
    if (!NAME.test(event)) refuse(`event name ${JSON.stringify(event)} is not a lower-case word`)
    for (const [field, rule] of Object.entries(fields)) {
      if (!NAME.test(field)) refuse(`field ${event}.${field} is not a lower-case word`)
      if (rule.type === 'enum') {
        if (rule.values.length === 0) refuse(`field ${event}.${field} has no values`)
        for (const word of rule.values) {
          if (!NAME.test(word)) refuse(`a value of ${event}.${field} is not a lower-case word`)
        }
      } else if (rule.type === 'integer') {
        const bounded = Number.isInteger(rule.min) && Number.isInteger(rule.max)
        if (!bounded || rule.min > rule.max) refuse(`field ${event}.${field} is not bounded`)
      } else {
        refuse(`field ${event}.${field} has a type the facade does not know`)
      }
    }
  }
}

function nameOrMark(name: unknown): string {
  return typeof name === 'string' && NAME.test(name) ? name : '[not a name]'
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key)
}
