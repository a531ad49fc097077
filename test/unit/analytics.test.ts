import { isAppError } from '../../src/security/app-error'
import type { LogRecord } from '../../src/security/sensitive/logger'
import { createLogger } from '../../src/security/sensitive/logger'
import {
  ANALYTICS_EVENTS,
  ANALYTICS_SDK_IDS,
  createAnalytics,
  type AnalyticsSdk,
  type EventRules,
} from '../../src/services/analytics'
import { ConsentService } from '../../src/services/consent'
import { DATA_INVENTORY } from '../../src/services/data-inventory'
import { createMemoryStorage } from './security/memory-storage'
import { SecureStore } from '../../src/security/secure-storage/secure-store'
import { randomBytes } from 'node:crypto'

// SDK: the analytics facade is the only way an SDK receives data. Each event and each field is on
// an allow-list; anything else is dropped (and logged without its values); nothing is sent before
// the separate analytics consent or after it is withdrawn, and nothing waits to be sent later.

/** A small allow-list of the kinds the facade knows, besides the app's own (ANALYTICS_EVENTS). */
const RULES = {
  city_selected: { source: { type: 'enum', values: ['search', 'list', 'current', 'location'] } },
  forecast_scrolled: { days: { type: 'integer', min: 1, max: 7 } },
} as const satisfies EventRules

function setUp(options: { allowed?: () => boolean } = {}) {
  const sent: Array<{ sdk: string; eventId: string; data: unknown }> = []
  const logs: LogRecord[] = []
  const sdk: AnalyticsSdk = {
    id: 'wechat-analytics',
    send: (eventId, data) => sent.push({ sdk: 'wechat-analytics', eventId, data }),
  }
  const analytics = createAnalytics({
    events: RULES,
    sdks: [sdk],
    allowed: options.allowed ?? (() => true),
    log: createLogger({ sink: (record) => logs.push(record), level: 'debug' }),
  })
  return { analytics, sent, logs }
}

/** `track` with any arguments, as untyped JavaScript (or a cast) could call it. */
type Untyped = { track(event: unknown, fields?: unknown): string }

describe('the allow-list', () => {
  test.each([
    ['an allowed event', 'city_selected', { source: 'search' }],
    ['another enum value', 'city_selected', { source: 'location' }],
    ['an integer in range', 'forecast_scrolled', { days: 7 }],
  ])('sent: %s', (_name, event, fields) => {
    const { analytics, sent, logs } = setUp()
    expect((analytics as Untyped).track(event, fields)).toBe('sent')
    expect(sent).toEqual([{ sdk: 'wechat-analytics', eventId: event, data: fields }])
    expect(logs).toEqual([])
  })

  const CITY_TYPED = '我住在朝阳区建国路88号'
  test.each([
    ['an unknown event', 'page_viewed', { page: 'home' }, 'unknown-event', undefined],
    ['an event name from the prototype', 'constructor', {}, 'unknown-event', undefined],
    ['an event name that is not a string', 42, { source: 'search' }, 'unknown-event', undefined],
    [
      'an unknown field',
      'city_selected',
      { source: 'search', city: 'beijing' },
      'unknown-field',
      'city',
    ],
    ['a missing field', 'city_selected', {}, 'missing-field', 'source'],
    ['no fields at all', 'city_selected', undefined, 'bad-fields', undefined],
    ['fields as an array', 'city_selected', ['search'], 'bad-fields', undefined],
    ['a value outside the enum', 'city_selected', { source: 'share' }, 'bad-value', 'source'],
    ['the wrong type', 'city_selected', { source: 1 }, 'bad-value', 'source'],
    ['a boolean for an integer', 'forecast_scrolled', { days: true }, 'bad-value', 'days'],
    ['an integer out of range', 'forecast_scrolled', { days: 8 }, 'bad-value', 'days'],
    ['a numeric string', 'forecast_scrolled', { days: '3' }, 'bad-value', 'days'],
    ['free text the user typed', 'city_selected', { source: CITY_TYPED }, 'bad-value', 'source'],
    ['a coordinate-looking number', 'forecast_scrolled', { days: 39.9042 }, 'bad-value', 'days'],
    ['a longitude as an integer', 'forecast_scrolled', { days: 116 }, 'bad-value', 'days'],
    ['NaN', 'forecast_scrolled', { days: Number.NaN }, 'bad-value', 'days'],
    [
      'an identifier-looking string',
      'city_selected',
      { source: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      'bad-value',
      'source',
    ],
    [
      'location smuggled in a field',
      'city_selected',
      { source: 'location', latitude: 39.9042 },
      'unknown-field',
      'latitude',
    ],
    [
      'a phone number as a field name',
      'city_selected',
      { source: 'search', '13812345678': 1 },
      'unknown-field',
      '[not a name]',
    ],
  ])('dropped: %s', (_name, event, fields, reason, field) => {
    const { analytics, sent, logs } = setUp()
    expect((analytics as Untyped).track(event, fields)).toBe('dropped')
    expect(sent).toEqual([])
    // Reported through the logger: which rule, never a value.
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ level: 'warn', fields: { reason } })
    if (field !== undefined) expect(logs[0].fields?.field).toBe(field)
    const logged = JSON.stringify(logs)
    for (const value of [CITY_TYPED, 'oUpF8uMuAJO', '39.9042', '13812345678', 'beijing', 'share']) {
      expect(logged).not.toContain(value)
    }
  })

  test('an unknown event name is logged only when it looks like a name', () => {
    const { analytics, logs } = setUp()
    ;(analytics as Untyped).track('page_viewed', {})
    ;(analytics as Untyped).track('搜索 北京 13812345678', {})
    expect(logs.map((log) => log.fields?.event)).toEqual(['page_viewed', '[not a name]'])
  })

  test('the SDK gets a fresh object with the allowed fields only, read once', () => {
    const { analytics, sent } = setUp()
    let reads = 0
    const fields = {
      get source() {
        reads++
        return reads === 1 ? 'search' : 'user typed text'
      },
    }
    expect((analytics as Untyped).track('city_selected', fields)).toBe('sent')
    expect(reads).toBe(1)
    expect(sent[0].data).toEqual({ source: 'search' })
    expect(sent[0].data).not.toBe(fields)
  })

  test('an SDK that throws is logged and does not break the caller', () => {
    const logs: LogRecord[] = []
    const analytics = createAnalytics({
      events: RULES,
      sdks: [
        {
          id: 'wechat-analytics',
          send: () => {
            throw new Error('reportEvent:fail 13812345678')
          },
        },
      ],
      allowed: () => true,
      log: createLogger({ sink: (record) => logs.push(record) }),
    })
    expect(analytics.track('city_selected', { source: 'list' })).toBe('sent')
    expect(logs).toHaveLength(1)
    expect(JSON.stringify(logs)).not.toContain('13812345678')
  })
})

describe('the allow-list itself', () => {
  test('the app sends no location, contacts, identifiers or free text: enums and bounded integers only', () => {
    for (const [event, fields] of Object.entries(ANALYTICS_EVENTS as EventRules)) {
      expect(event).toMatch(/^[a-z][a-z0-9_]{0,31}$/)
      for (const [field, rule] of Object.entries(fields)) {
        expect(field).toMatch(/^[a-z][a-z0-9_]{0,31}$/)
        expect(field).not.toMatch(
          /lat|lng|lon|location|city|name|phone|contact|id$|openid|text|query/,
        )
        if (rule.type === 'enum') {
          for (const value of rule.values) expect(value).toMatch(/^[a-z][a-z0-9_]{0,31}$/)
        } else {
          expect(rule.type).toBe('integer')
          expect(Number.isInteger(rule.min) && Number.isInteger(rule.max)).toBe(true)
        }
      }
    }
  })

  test.each([
    ['an event name with spaces', { 'city selected': {} }],
    [
      'a field name in camelCase',
      { city_selected: { citySource: { type: 'enum', values: ['a'] } } },
    ],
    [
      'an enum value of free text',
      { city_selected: { source: { type: 'enum', values: ['北京'] } } },
    ],
    ['an empty enum', { city_selected: { source: { type: 'enum', values: [] } } }],
    ['an unbounded integer', { x: { n: { type: 'integer', min: 0, max: Infinity } } }],
    ['a string type', { x: { note: { type: 'string' } } }],
  ])('refused at start-up: %s', (_name, events) => {
    let error: unknown
    try {
      createAnalytics({
        events: events as unknown as EventRules,
        sdks: [],
        allowed: () => true,
        log: createLogger({ sink: () => undefined }),
      })
    } catch (caught) {
      error = caught
    }
    expect(isAppError(error, 'ERR_INVALID_INPUT')).toBe(true)
  })

  test('an SDK the facade does not declare is refused at start-up', () => {
    expect(() =>
      createAnalytics({
        events: RULES,
        sdks: [{ id: 'umeng' as 'wechat-analytics', send: () => undefined }],
        allowed: () => true,
        log: createLogger({ sink: () => undefined }),
      }),
    ).toThrow(/not a declared SDK/)
  })
})

describe('consent gating (the separate analytics choice, PIPL Art. 23)', () => {
  const POLICY_VERSION = '2026.11.25'
  const NOW = Date.parse('2026-11-25T06:30:00Z')

  async function withConsent() {
    const consent = new ConsentService({
      store: new SecureStore({
        storage: createMemoryStorage().port,
        randomBytes: async (length) => new Uint8Array(randomBytes(length)),
        now: () => NOW,
      }),
      policyVersion: POLICY_VERSION,
      wipePersonalData: async () => undefined,
      now: () => NOW,
    })
    await consent.load()
    const { analytics, sent, logs } = setUp({ allowed: () => consent.allows('analytics') })
    const track = () => analytics.track('city_selected', { source: 'search' })
    return { consent, track, sent, logs }
  }

  test('before any choice: nothing sent, and nothing kept to send later', async () => {
    const { consent, track, sent, logs } = await withConsent()
    expect(track()).toBe('not-allowed')
    await consent.agree({ analytics: true })
    expect(sent).toEqual([]) // the event made before consent is gone, not queued
    expect(track()).toBe('sent')
    expect(sent).toHaveLength(1)
    expect(logs).toEqual([])
  })

  test('declined: nothing sent', async () => {
    const { consent, track, sent } = await withConsent()
    await consent.decline()
    expect(track()).toBe('not-allowed')
    expect(sent).toEqual([])
  })

  test('agreed to the policy without the analytics choice: nothing sent', async () => {
    const { consent, track, sent } = await withConsent()
    await consent.agree({ analytics: false })
    expect(track()).toBe('not-allowed')
    expect(sent).toEqual([])
  })

  test('agreed with analytics: sent; turned off later: nothing more', async () => {
    const { consent, track, sent } = await withConsent()
    await consent.agree({ analytics: true })
    expect(track()).toBe('sent')
    await consent.setChoices({ analytics: false })
    expect(track()).toBe('not-allowed')
    expect(sent).toHaveLength(1)
  })

  test('withdrawn: nothing from the moment of withdrawal, even before the wipe finished', async () => {
    const { consent, track, sent } = await withConsent()
    await consent.agree({ analytics: true })
    const withdrawing = consent.withdraw()
    expect(track()).toBe('not-allowed')
    await withdrawing
    expect(track()).toBe('not-allowed')
    expect(sent).toEqual([])
  })

  test('an invalid event is reported even without consent (developers see it), and sends nothing', () => {
    const { analytics, sent, logs } = setUp({ allowed: () => false })
    expect((analytics as Untyped).track('page_viewed', {})).toBe('dropped')
    expect(sent).toEqual([])
    expect(logs).toHaveLength(1)
  })
})

describe('the data inventory declares every SDK the facade can use', () => {
  test.each(ANALYTICS_SDK_IDS.map((id) => [id]))(
    '%s is in the inventory SDK list, gated by the analytics choice the facade asks',
    (id) => {
      const declared = DATA_INVENTORY.sdks.find((sdk) => sdk.id === id)
      expect(declared).toBeDefined()
      expect(declared?.gatedBy).toBe('analytics')
    },
  )
})
