import { parseWeatherResponse, type WeatherResponse } from '../../src/services/api-contract'
import { forecastFor } from '../../src/services/local-weather-provider'
import { findCity } from '../../src/services/city-list'

// The app checks every weather answer against the contract before a page shows it.
const good: WeatherResponse = {
  ...forecastFor(findCity('beijing')!, new Date('2026-11-25T06:00:00Z')),
  source: 'server',
}

test('a valid answer passes, copied field by field', () => {
  expect(parseWeatherResponse(JSON.parse(JSON.stringify(good)))).toEqual(good)
  const withAttribution = { ...good, attribution: 'Weather data by Open-Meteo.com (CC BY 4.0)' }
  expect(parseWeatherResponse(withAttribution).attribution).toBe(withAttribution.attribution)
})

test('fields outside the contract are dropped', () => {
  const extra = { ...good, tracking: 'x', city: { ...good.city, secret: 'y' } }
  const parsed = parseWeatherResponse(extra) as unknown as Record<string, unknown>
  expect(parsed.tracking).toBeUndefined()
  expect((parsed.city as Record<string, unknown>).secret).toBeUndefined()
})

const broken: Array<[string, unknown]> = [
  ['null', null],
  ['a string', 'weather'],
  ['an array', [good]],
  ['no city', { ...good, city: undefined }],
  ['a city id that is a number', { ...good, city: { ...good.city, id: 1 } }],
  ['a temperature that is text', { ...good, current: { ...good.current, temperatureC: '3' } }],
  ['a temperature that is NaN', { ...good, current: { ...good.current, temperatureC: NaN } }],
  ['an unknown condition', { ...good, current: { ...good.current, condition: 'hail' } }],
  ['an empty forecast', { ...good, daily: [] }],
  ['a forecast of 17 days', { ...good, daily: Array(17).fill(good.daily[0]) }],
  ['a day without a date', { ...good, daily: [{ ...good.daily[0], date: 'soon' }] }],
  ['an unknown source', { ...good, source: 'satellite' }],
  ['an attribution that is not text', { ...good, attribution: 42 }],
  ['no updatedAt', { ...good, updatedAt: undefined }],
]
test.each(broken)('%s is refused', (_name, body) => {
  expect(() => parseWeatherResponse(body)).toThrow()
})
