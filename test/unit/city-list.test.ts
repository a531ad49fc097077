import { CITIES, findCity, nearestCity, searchCities } from '../../src/services/city-list'

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

test.each([
  ['Chinese name', '上海', ['shanghai']],
  ['pinyin prefix', 'guang', ['guangzhou']],
  ['pinyin, any case and spaces', ' Bei Jing ', ['beijing']],
  ['province', '广东', ['guangzhou', 'shenzhen']],
  ['world city by pinyin', 'lundun', ['london']],
  ['no match', 'atlantis', []],
  ['script string matches nothing', '<script>alert(1)</script>', []],
  ['SQL-looking string matches nothing', "' OR 1=1 --", []],
])('search by %s', (_name, query, ids) => {
  expect(searchCities(query).map((c) => c.id)).toEqual(ids)
})

test('an empty query returns the list head, limited', () => {
  expect(searchCities('', 5).map((c) => c.id)).toEqual(CITIES.slice(0, 5).map((c) => c.id))
  expect(searchCities('   ')).toHaveLength(20)
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
