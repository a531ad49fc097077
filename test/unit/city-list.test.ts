import {
  CITIES,
  LISTED_CITIES,
  findCity,
  nearestCity,
  searchCities,
} from '../../src/services/city-list'

test('ids are unique', () => {
  expect(new Set(CITIES.map((c) => c.id)).size).toBe(CITIES.length)
})

test('Chinese cities come first, then world cities', () => {
  const firstWorld = CITIES.findIndex((c) => !['CN', 'HK', 'MO', 'TW'].includes(c.country))
  expect(firstWorld).toBeGreaterThan(30)
  expect(CITIES.slice(firstWorld).every((c) => !['CN'].includes(c.country))).toBe(true)
})

test('coordinates are public city centres: valid ranges, at most two decimals', () => {
  for (const city of CITIES) {
    expect(Math.abs(city.lat)).toBeLessThanOrEqual(90)
    expect(Math.abs(city.lon)).toBeLessThanOrEqual(180)
    expect(Math.round(city.lat * 100) / 100).toBe(city.lat)
    expect(Math.round(city.lon * 100) / 100).toBe(city.lon)
  }
})

// A toneless pinyin syllable: an optional initial, then a final. Loose (it allows a few
// combinations Mandarin lacks) but strict enough to catch two syllables run together.
const SYLLABLE =
  /^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u|v)$/

test.each(LISTED_CITIES.map((city) => [city.name, city.syllables]))(
  '%s is written one pinyin syllable per character: %s',
  (name, syllables) => {
    const parts = syllables.split(' ')
    expect(parts).toHaveLength([...name].length)
    for (const part of parts) expect(part).toMatch(SYLLABLE)
  },
)

test('CITIES carries the pinyin run together, as the API contract has it', () => {
  expect(CITIES.map((c) => c.pinyin)).toEqual(
    LISTED_CITIES.map((c) => c.syllables.replace(/ /g, '')),
  )
  expect(findCity('hangzhou')).toEqual({
    id: 'hangzhou',
    name: '杭州',
    pinyin: 'hangzhou',
    province: '浙江',
    country: 'CN',
    lat: 30.27,
    lon: 120.16,
  })
  expect(Object.keys(findCity('beijing')!).sort()).toEqual(
    ['country', 'id', 'lat', 'lon', 'name', 'pinyin', 'province'].sort(),
  )
})

test.each([
  // Pinyin initials, as most people type a city.
  ['initials', 'hz', 'hangzhou'],
  ['initials', 'bj', 'beijing'],
  ['initials (zh/ch/sh count as their first letter)', 'sh', 'shanghai'],
  ['initials shared by two cities: list order', 'sz', 'shenzhen'],
  ['initials of a two-character name with a vowel syllable', 'xa', 'xian'],
  ['initials of a polyphonic character (重 chong)', 'cq', 'chongqing'],
  ['initials of a four-character name', 'wlmq', 'urumqi'],
  ['the start of the initials', 'sj', 'shijiazhuang'],
  ['initials of a world city', 'ld', 'london'],
  // Case and whitespace do not matter.
  ['initials in capitals', 'HZ', 'hangzhou'],
  ['initials with surrounding whitespace', '  bj\t', 'beijing'],
  ['initials with a space between', 'h z', 'hangzhou'],
  ['ideographic spaces around', '\u3000hz\u3000', 'hangzhou'],
  // Full pinyin and Chinese, as before.
  ['full pinyin', 'hangzhou', 'hangzhou'],
  ['pinyin prefix', 'guang', 'guangzhou'],
  ['pinyin, any case and spaces', ' Bei Jing ', 'beijing'],
  ['a pinyin prefix that two cities share: list order', 'xian', 'xian'],
  ['Chinese name', '杭州', 'hangzhou'],
  ['part of a Chinese name', '西', 'xian'],
  ['province', '广东', 'guangzhou'],
  ['world city by pinyin', 'lundun', 'london'],
])('first result for %s: %j -> %s', (_name, query, id) => {
  expect(searchCities(query)[0]?.id).toBe(id)
})

test.each([
  [
    'initials, then full-pinyin prefixes',
    'sh',
    ['shanghai', 'shenzhen', 'shenyang', 'shijiazhuang', 'seoul'],
  ],
  ['exact initials tie: list order', 'sz', ['shenzhen', 'suzhou']],
  ['pinyin prefix (合肥) before initials prefix (哈尔滨, heb)', 'he', ['hefei', 'harbin']],
  [
    'Chinese name before province',
    '南',
    [
      'nanjing',
      'jinan',
      'nanning',
      'nanchang',
      'changsha',
      'zhengzhou',
      'kunming',
      'haikou',
      'sanya',
    ],
  ],
  ['province', '广东', ['guangzhou', 'shenzhen']],
])('ranking: %s (%s)', (_name, query, ids) => {
  expect(searchCities(query).map((c) => c.id)).toEqual(ids)
})

test.each([
  ['no such city', 'atlantis'],
  ['a script', '<script>alert(1)</script>'],
  ['SQL-looking text', "' OR 1=1 --"],
  ['symbols only', '!@#$%^&*()'],
  ['regular-expression syntax', '.*'],
  ['a backslash', '\\'],
  ['an emoji', '😀'],
  ['an emoji and a city name', '🏙️北京'],
  ['a lone surrogate', '\ud83d'],
  ['a control character', '\u0000'],
  ['initials with a symbol', 'h-z'],
  ['very long letters', 'b'.repeat(100_000)],
  ['very long Chinese', '北'.repeat(10_000)],
  ['not a string: undefined', undefined],
  ['not a string: null', null],
  ['not a string: a number', 42],
  ['not a string: an object', { toString: () => 'bj' }],
])('bad input matches nothing and does not throw: %s', (_name, query) => {
  expect(searchCities(query as string)).toEqual([])
})

test('an empty query lists the head of the list (browsing), limited', () => {
  expect(searchCities('', 5).map((c) => c.id)).toEqual(CITIES.slice(0, 5).map((c) => c.id))
  expect(searchCities('   ')).toHaveLength(20)
})

test('the limit applies to matches too', () => {
  expect(searchCities('s', 2).map((c) => c.id)).toEqual(['shanghai', 'shenzhen'])
})

test('findCity does not match partial or differently cased ids', () => {
  expect(findCity('Beijing')).toBeUndefined()
  expect(findCity('bei')).toBeUndefined()
  expect(findCity('')).toBeUndefined()
})

test.each([
  ['a city centre', 39.9, 116.41, 'beijing'],
  ['a suburb of Shanghai', 31.1, 121.2, 'shanghai'],
  ['the southern hemisphere', -33.9, 151.2, 'sydney'],
  ['west of Greenwich', 51.5, -0.5, 'london'],
  ['mid-Pacific: the nearest listed city, however far', 0, -150, 'san-francisco'],
])('nearestCity: %s', (_name, lat, lon, id) => {
  expect(nearestCity(lat, lon).id).toBe(id)
})
