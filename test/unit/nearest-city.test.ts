import { AppError, type AppErrorCode } from '../../src/security/app-error'
import { CITIES } from '../../src/services/city-list'
import { NEAREST_CITY_MAX_KM, nearestCity } from '../../src/services/nearest-city'

// PERMISSION: the position becomes the nearest city of the list on the device. The platform
// flows (prompt, denial, openSetting, timeout) run in the weapp journeys on the real build.
const idOf = (latitude: number, longitude: number) => nearestCity(latitude, longitude, CITIES).id

test.each<[string, number, number, string]>([
  ['West Lake, Hangzhou', 30.25, 120.14, 'hangzhou'],
  ['the Bund, Shanghai', 31.24, 121.49, 'shanghai'],
  ['Tiananmen, Beijing', 39.91, 116.39, 'beijing'],
  ['a fuzzed position 2 km off Guangzhou', 23.15, 113.28, 'guangzhou'],
])('%s is in the nearest city', (_, latitude, longitude, id) => {
  expect(idOf(latitude, longitude)).toBe(id)
})

test('only a city object comes back: no coordinates of the user', () => {
  const city = nearestCity(30.251234, 120.141234, CITIES)
  expect(JSON.stringify(city)).not.toMatch(/30\.25123|120\.14123/)
  expect(city).toBe(CITIES.find((c) => c.id === city.id))
})

function codeOf(run: () => unknown): AppErrorCode | 'no error' {
  try {
    run()
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  return 'no error'
}

test(`the middle of the Pacific is farther than ${NEAREST_CITY_MAX_KM} km from every city`, () => {
  expect(codeOf(() => nearestCity(0, -160, CITIES))).toBe('ERR_NO_CITY_NEARBY')
  expect(codeOf(() => nearestCity(30, 120, []))).toBe('ERR_NO_CITY_NEARBY')
})

// Bad input: what the platform could hand over instead of a position.
test.each<[string, unknown, unknown]>([
  ['NaN', Number.NaN, 120],
  ['Infinity', 30, Number.POSITIVE_INFINITY],
  ['a latitude past the pole', 91, 120],
  ['a longitude past the date line', 30, 181],
  ['text', '30.2', '120.1'],
  ['nothing', undefined, undefined],
  ['null', null, null],
])('%s is not a position (ERR_INVALID_INPUT)', (_, latitude, longitude) => {
  expect(codeOf(() => nearestCity(latitude as number, longitude as number, CITIES))).toBe(
    'ERR_INVALID_INPUT',
  )
})
