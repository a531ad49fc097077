import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { MAX_CLOCK_SKEW_MS } from '../../src/security/transport/request-signing'
import { CONSENT_ITEM, CONSENT_TTL_MS } from '../../src/services/consent'
import {
  CONSENT_PURPOSE_LABELS,
  checkInventory,
  DATA_INVENTORY,
  formatDuration,
  isPersonal,
  matchDeviceKey,
  type DataInventory,
  type Datum,
  type InventoryProblem,
} from '../../src/services/data-inventory'
import { POLICY } from '../../src/services/policy-version'
import { CACHE_MAX_AGE_MS } from '../../src/services/server-weather-provider'
import { SESSION_ITEM } from '../../src/services/session'
import { SELECTED_CITY_KEY } from '../../src/services/city-preference'
import { WEATHER_CACHE_KEY } from '../../src/services/weather-cache'

// POLICY: the one data inventory. These rules hold for every datum and SDK it lists, so adding
// one that breaks them fails here before it reaches the policy page or WeChat's privacy guide.

// The city and weather keys live in Taro-bound modules (the main package keeps its own small
// constants); with Taro stubbed out (jest hoists this above the imports), they load under Node.
jest.mock('@tarojs/taro', () => ({}))

const byId = (id: string): Datum => {
  const datum = DATA_INVENTORY.data.find((d) => d.id === id)
  if (!datum) throw new Error(`no datum ${id}`)
  return datum
}

test('the inventory passes its own checks', () => {
  expect(checkInventory(DATA_INVENTORY)).toEqual([])
})

test('the handler is named, has a contact, and the policy version comes from policy-version.ts', () => {
  expect(DATA_INVENTORY.handler.name).toBeTruthy()
  expect(DATA_INVENTORY.handler.email).toMatch(/^[^@\s]+@[^@\s]+\.[^@\s]+$/)
  expect(DATA_INVENTORY.policy).toBe(POLICY)
})

test('ids are unique and kebab-case (they become element ids on the policy page)', () => {
  const ids = DATA_INVENTORY.data.map((d) => d.id)
  expect(new Set(ids).size).toBe(ids.length)
  for (const id of [...ids, ...DATA_INVENTORY.sdks.map((s) => s.id)]) {
    expect(id).toMatch(/^[a-z][a-z0-9-]*$/)
  }
})

test('every consent purpose of consent.ts gates at least one datum', () => {
  const gates = new Set(DATA_INVENTORY.data.map((d) => d.gatedBy))
  for (const purpose of Object.keys(CONSENT_PURPOSE_LABELS)) expect(gates).toContain(purpose)
})

test('what the app stores, and for how long, is what the code uses', () => {
  const keysOf = (id: string) =>
    byId(id).where.flatMap((place) => (place.kind === 'device' ? [place.key] : []))

  expect(keysOf('consent-record')).toEqual([`consent.item.${CONSENT_ITEM}`])
  expect(byId('consent-record').retention.ms).toBe(CONSENT_TTL_MS)
  expect(keysOf('session')).toEqual([`secure.item.${SESSION_ITEM}`])
  expect(keysOf('chosen-city')).toEqual([SELECTED_CITY_KEY])
  expect(keysOf('location-city')).toEqual([SELECTED_CITY_KEY])
  expect(keysOf('kept-weather')).toEqual([WEATHER_CACHE_KEY])
  expect(byId('kept-weather').retention.ms).toBe(CACHE_MAX_AGE_MS)
  expect(keysOf('queued-error-reports')).toEqual(['monitor.queue'])
  expect(keysOf('signed-out-choice')).toEqual(['session.signedOut'])
  expect(byId('queued-error-reports').retention.ms).toBe(24 * 60 * 60 * 1000)
  expect(byId('spent-nonces').retention.ms).toBe(2 * MAX_CLOCK_SKEW_MS)
})

test('the coordinates are declared, and declared as kept nowhere', () => {
  const coordinates = byId('fuzzy-location')
  expect(coordinates.where).toEqual([{ kind: 'not-stored', note: expect.any(String) }])
  expect(coordinates.retention.ms).toBe(0)
  expect(coordinates.gatedBy).toBe('location')
  // A fuzzed position at one moment, turned into a city: personal, not a whereabouts track.
  expect(coordinates.category).toBe('personal')
  expect(coordinates.categoryNote).toContain('第二十八条')
})

test('a retention period the code enforces is the one the text states', () => {
  for (const datum of DATA_INVENTORY.data) {
    const { ms, text } = datum.retention
    if (ms !== undefined && ms > 0) expect(`${datum.id}: ${text}`).toContain(formatDuration(ms))
  }
})

test.each<[number, string]>([
  [60_000, '1 分钟'],
  [10 * 60_000, '10 分钟'],
  [2 * 60 * 60_000, '2 小时'],
  [3 * 24 * 60 * 60_000, '3 天'],
  [365 * 24 * 60 * 60_000, '1 年'],
  [90 * 1000, '90 秒'],
])('formatDuration(%d) is %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text)
})

test.each<[string, string[]]>([
  ['consent.item.record', ['consent-record']],
  ['consent.keyring', ['consent-keyring']],
  ['secure.item.session', ['session']],
  ['secure.keyring', ['secure-keyring']],
  ['weather.selectedCity', ['location-city', 'chosen-city']],
  ['weather.lastGood', ['kept-weather']],
  ['monitor.queue', ['queued-error-reports']],
  ['session.signedOut', ['signed-out-choice']],
  // Anything else is undeclared: a new sealed item needs its own entry.
  ['secure.item.reports', []],
  ['weather.lastGoodX', []],
  ['consent.', []],
  ['', []],
])('storage key %j is declared by %j', (key, ids) => {
  expect(matchDeviceKey(key).map((d) => d.id)).toEqual(ids)
})

test('personal data and what decides them', () => {
  const personal = DATA_INVENTORY.data.filter(isPersonal).map((d) => d.id)
  expect(personal.sort()).toEqual(
    [
      'account',
      'analytics-events',
      'consent-record',
      'copied-export',
      'error-reports',
      'fuzzy-location',
      'location-city',
      'network-address',
      'server-consents',
      'server-sessions',
      'session',
      'spent-nonces',
    ].sort(),
  )
  // Nothing sensitive (Art. 28) is processed; if that changes, the page says so and this fails.
  expect(DATA_INVENTORY.data.filter((d) => d.category === 'sensitive')).toEqual([])
})

test('the inventory module stays pure data: no Taro, no pages', () => {
  const source = readFileSync(resolve(__dirname, '../../src/services/data-inventory.ts'), 'utf8')
  expect(source).not.toMatch(/from '@tarojs/)
  expect(source).not.toMatch(/from '\.\.\/(pages|more|components)/)
})

// --- bad inventories: each broken rule is found, with the datum and the field ---------------

function broken(change: (inventory: DataInventory) => void): InventoryProblem[] {
  const copy = structuredClone({ ...DATA_INVENTORY, policy: undefined }) as unknown as DataInventory
  copy.policy = DATA_INVENTORY.policy
  change(copy)
  return checkInventory(copy)
}
const datum = (inventory: DataInventory, id: string) =>
  inventory.data.find((d) => d.id === id) as Datum

test.each<[string, (inventory: DataInventory) => void, InventoryProblem]>([
  [
    'a datum without a purpose',
    (i) => (datum(i, 'session').purpose = ' '),
    { subject: 'session', field: 'purpose', code: 'missing' },
  ],
  [
    'a datum without a method',
    (i) => (datum(i, 'account').method = ''),
    { subject: 'account', field: 'method', code: 'missing' },
  ],
  [
    'a datum without a retention text',
    (i) => (datum(i, 'error-reports').retention = { text: '' }),
    { subject: 'error-reports', field: 'retention', code: 'missing' },
  ],
  [
    'a datum kept nowhere',
    (i) => (datum(i, 'kept-weather').where = []),
    { subject: 'kept-weather', field: 'where', code: 'missing' },
  ],
  [
    'personal data without a legal basis',
    (i) => (datum(i, 'location-city').basis = 'not-applicable'),
    { subject: 'location-city', field: 'basis', code: 'personal-without-basis' },
  ],
  [
    'consent as the basis, but no consent purpose gates it',
    (i) => (datum(i, 'session').gatedBy = undefined),
    { subject: 'session', field: 'gatedBy', code: 'consent-without-purpose' },
  ],
  [
    'data given to another handler without separate consent (Art. 23)',
    (i) => (datum(i, 'analytics-events').basis = 'consent'),
    { subject: 'analytics-events', field: 'basis', code: 'needs-separate-consent' },
  ],
  [
    'data shared with an SDK the list does not have',
    (i) => (datum(i, 'analytics-events').sharedWith = ['wechat-analytics', 'umeng' as never]),
    { subject: 'analytics-events', field: 'sharedWith', code: 'unknown-sdk' },
  ],
  [
    'personal data that never decided about WeChat’s privacy guide',
    (i) => delete (datum(i, 'fuzzy-location') as Partial<Datum>).wechatGuide,
    { subject: 'fuzzy-location', field: 'wechatGuide', code: 'missing' },
  ],
  [
    'a WeChat privacy key WeChat does not have',
    (i) => (datum(i, 'fuzzy-location').wechatGuide = { privacyKey: 'FuzzyLocation' as never }),
    { subject: 'fuzzy-location', field: 'wechatGuide', code: 'unknown-wechat-key' },
  ],
  [
    'a purpose WeChat’s guide would show as “为了为了…”',
    (i) => (datum(i, 'fuzzy-location').purpose = '为了显示当地天气'),
    { subject: 'fuzzy-location', field: 'purpose', code: 'guide-text-wording' },
  ],
  [
    'an SDK purpose WeChat’s guide would show as “为了用于…”',
    (i) => (i.sdks[0].purpose = '用于统计'),
    { subject: 'wechat-analytics', field: 'purpose', code: 'guide-text-wording' },
  ],
  [
    'an SDK with no data kind for WeChat’s guide',
    (i) => (i.sdks[0].wechatGuide = []),
    { subject: 'wechat-analytics', field: 'wechatGuide', code: 'missing' },
  ],
  [
    'a stated retention the text contradicts',
    (i) => (datum(i, 'consent-record').retention = { ms: 1000, text: '1 年' }),
    { subject: 'consent-record', field: 'retention', code: 'retention-text-mismatch' },
  ],
  [
    'two data with one id',
    (i) => i.data.push({ ...datum(i, 'session') }),
    { subject: 'session', field: 'id', code: 'duplicate' },
  ],
  [
    'an SDK without a provider (Art. 23: the recipient’s name)',
    (i) => (i.sdks[0].provider = ''),
    { subject: 'wechat-analytics', field: 'provider', code: 'missing' },
  ],
  [
    'an SDK without a contact',
    (i) => (i.sdks[0].contact = ''),
    { subject: 'wechat-analytics', field: 'contact', code: 'missing' },
  ],
  [
    'an SDK without a policy link',
    (i) => (i.sdks[0].policyUrl = 'http://example.com/privacy'),
    { subject: 'wechat-analytics', field: 'policyUrl', code: 'not-https' },
  ],
  [
    'an SDK that receives nothing the inventory lists',
    (i) => (datum(i, 'analytics-events').sharedWith = []),
    { subject: 'wechat-analytics', field: 'data', code: 'sdk-receives-nothing' },
  ],
  [
    'a handler without a contact',
    (i) => (i.handler.email = 'nobody'),
    { subject: 'handler', field: 'email', code: 'invalid' },
  ],
])('%s is a problem', (_name, change, problem) => {
  expect(broken(change)).toContainEqual(problem)
})
