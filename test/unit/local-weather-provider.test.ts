import type { WeatherRequest } from '../../src/services/api-contract'
import { findCity, searchCitiesOnDevice } from '../../src/services/city-list'
import {
  createLocalWeatherProvider,
  FORECAST_DAYS,
  forecastFor,
} from '../../src/services/local-weather-provider'
import { isAppError } from '../../src/security/app-error'

// A frozen clock: 2026-11-25 14:30 in Beijing.
const NOW = new Date('2026-11-25T06:30:00Z')
const provider = createLocalWeatherProvider({ now: () => NOW })

test('same city, same moment: identical weather', async () => {
  const a = await provider.getWeather({ cityId: 'beijing' })
  const b = await createLocalWeatherProvider({ now: () => NOW }).getWeather({ cityId: 'beijing' })
  expect(a).toEqual(b)
})

test('the response has the contract shape', async () => {
  const weather = await provider.getWeather({ cityId: 'shanghai' })
  expect(weather.city.name).toBe('上海')
  expect(weather.source).toBe('local')
  expect(weather.updatedAt).toBe(NOW.toISOString())
  expect(weather.daily).toHaveLength(FORECAST_DAYS)
  expect(weather.daily.map((d) => d.date)).toEqual([
    '2026-11-25',
    '2026-11-26',
    '2026-11-27',
    '2026-11-28',
    '2026-11-29',
  ])
  for (const day of weather.daily) {
    expect(day.highC).toBeGreaterThanOrEqual(day.lowC)
    expect(day.precipitationPct).toBeGreaterThanOrEqual(0)
    expect(day.precipitationPct).toBeLessThanOrEqual(100)
  }
  const today = weather.daily[0]
  expect(weather.current.temperatureC).toBeGreaterThanOrEqual(today.lowC)
  expect(weather.current.temperatureC).toBeLessThanOrEqual(today.highC)
  expect(weather.current.humidityPct).toBeLessThanOrEqual(98)
})

test('dates follow the city clock: past 16:00 UTC it is already tomorrow in Beijing', () => {
  const late = forecastFor(findCity('beijing')!, new Date('2026-11-25T16:30:00Z'))
  expect(late.daily[0].date).toBe('2026-11-26')
})

test('weather is plausible for place and season', () => {
  const winter = new Date('2026-01-15T06:00:00Z')
  const summer = new Date('2026-07-15T06:00:00Z')
  const harbinWinter = forecastFor(findCity('harbin')!, winter).daily[0]
  const guangzhouWinter = forecastFor(findCity('guangzhou')!, winter).daily[0]
  const beijingSummer = forecastFor(findCity('beijing')!, summer).daily[0]
  const sydneyWinter = forecastFor(findCity('sydney')!, summer).daily[0]
  expect(harbinWinter.highC).toBeLessThan(5)
  expect(guangzhouWinter.highC).toBeGreaterThan(harbinWinter.highC + 10)
  expect(beijingSummer.highC).toBeGreaterThan(22)
  expect(sydneyWinter.highC).toBeLessThan(beijingSummer.highC)
})

test('different cities or days give different weather', () => {
  const beijing = forecastFor(findCity('beijing')!, NOW)
  const shanghai = forecastFor(findCity('shanghai')!, NOW)
  expect(beijing.daily).not.toEqual(shanghai.daily)
  expect(beijing.daily[1]).not.toEqual(beijing.daily[2])
})

test.each<[string, unknown, string]>([
  ['unknown city', { cityId: 'atlantis' }, 'ERR_CITY_NOT_FOUND'],
  ['empty id', { cityId: '' }, 'ERR_INVALID_INPUT'],
  ['blank id', { cityId: '   ' }, 'ERR_INVALID_INPUT'],
  ['number id', { cityId: 42 }, 'ERR_INVALID_INPUT'],
  ['missing id', {}, 'ERR_INVALID_INPUT'],
  ['null request', null, 'ERR_INVALID_INPUT'],
  ['script string', { cityId: '<img src=x onerror=alert(1)>' }, 'ERR_CITY_NOT_FOUND'],
  ['SQL-looking id', { cityId: "beijing' OR '1'='1" }, 'ERR_CITY_NOT_FOUND'],
])('getWeather rejects %s with %s', async (_name, request, code) => {
  const error = await provider.getWeather(request as WeatherRequest).catch((e: unknown) => e)
  expect(isAppError(error)).toBe(true)
  expect((error as { code: string }).code).toBe(code)
})

test.each<[string, unknown, string]>([
  ['number query', { q: 1 }, 'ERR_INVALID_INPUT'],
  ['missing query', {}, 'ERR_INVALID_INPUT'],
  ['zero limit', { q: '', limit: 0 }, 'ERR_INVALID_INPUT'],
  ['huge limit', { q: '', limit: 1000 }, 'ERR_INVALID_INPUT'],
  ['fractional limit', { q: '', limit: 1.5 }, 'ERR_INVALID_INPUT'],
])('searchCitiesOnDevice rejects %s', (_name, request, code) => {
  expect(() => searchCitiesOnDevice(request as { q: string })).toThrow(
    expect.objectContaining({ code }),
  )
})

test('searchCitiesOnDevice answers with the list search', () => {
  expect(searchCitiesOnDevice({ q: '成都' })).toEqual({ cities: [findCity('chengdu')] })
})

test('latency is simulated when asked', async () => {
  const slow = createLocalWeatherProvider({ now: () => NOW, latencyMs: 40 })
  const started = Date.now()
  await slow.getWeather({ cityId: 'beijing' })
  expect(Date.now() - started).toBeGreaterThanOrEqual(35)
})
