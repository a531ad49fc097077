import { randomBytes } from 'node:crypto'
import { AppError } from '../../src/security/app-error'
import { HttpsClient } from '../../src/security/transport/https-client'
import {
  createServerWeatherProvider,
  SHARE_ANSWER_MS,
} from '../../src/services/server-weather-provider'
import { startTestServer, type TestServer } from '../../server/test/test-server'
import { nodeRequestPort } from './node-request'

// The app's weather source against the real reference server over HTTPS: anonymous, the city id
// and nothing else on the wire, the answer checked against the contract.
let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.close()
})

function provider(now: () => number = Date.now) {
  const { port, sent } = nodeRequestPort(server.ca)
  const client = new HttpsClient({
    allowedOrigins: [server.url],
    request: port,
    randomBytes: async (length) => new Uint8Array(randomBytes(length)),
    now: Date.now,
    sleep: async () => undefined,
  })
  return { weather: createServerWeatherProvider({ client, apiOrigin: server.url, now }), sent }
}

test('weather for a city comes from the server, with no credential and nothing but the id', async () => {
  const { weather, sent } = provider()
  const answer = await weather.getWeather({ cityId: 'shanghai' })
  expect(answer.city.name).toBe('上海')
  expect(answer.source).toBe('server')
  expect(answer.daily.length).toBeGreaterThan(0)
  expect(sent).toHaveLength(1)
  expect(new URL(sent[0].url).search).toBe('?cityId=shanghai')
  expect(Object.keys(sent[0].headers)).not.toContain('authorization')
  expect(sent[0].body).toBeUndefined()
})

test.each<[string, string, string]>([
  ['an unknown city', 'atlantis', 'ERR_CITY_NOT_FOUND'],
  ['an id the server refuses', '北京', 'ERR_REQUEST_REJECTED'],
])('%s: %s -> %s', async (_name, cityId, code) => {
  const { weather } = provider()
  await expect(weather.getWeather({ cityId })).rejects.toMatchObject({ code })
})

test.each([[''], ['   '], [undefined as unknown as string]])(
  'an empty city id (%p) is refused before anything is sent',
  async (cityId) => {
    const { weather, sent } = provider()
    await expect(weather.getWeather({ cityId })).rejects.toEqual(expect.any(AppError))
    await expect(weather.getWeather({ cityId })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
    })
    expect(sent).toHaveLength(0)
  },
)

describe('one answer per city is shared for a short while (the launch asks before home does)', () => {
  test('a second caller gets the same answer: one request; peek has it once it arrived', async () => {
    const { weather, sent } = provider()
    const first = weather.getWeather({ cityId: 'beijing' })
    expect(weather.peek?.({ cityId: 'beijing' })).toBeUndefined()
    const second = weather.getWeather({ cityId: 'beijing' })
    expect(await second).toBe(await first)
    expect(sent).toHaveLength(1)
    expect(weather.peek?.({ cityId: 'beijing' })).toBe(await first)
    expect(weather.peek?.({ cityId: 'shanghai' })).toBeUndefined()
  })

  test('after SHARE_ANSWER_MS the server is asked again', async () => {
    const clock = { now: 1_000_000 }
    const { weather, sent } = provider(() => clock.now)
    await weather.getWeather({ cityId: 'beijing' })
    clock.now += SHARE_ANSWER_MS - 1
    await weather.getWeather({ cityId: 'beijing' })
    expect(sent).toHaveLength(1)
    clock.now += 1
    expect(weather.peek?.({ cityId: 'beijing' })).toBeUndefined()
    await weather.getWeather({ cityId: 'beijing' })
    expect(sent).toHaveLength(2)
  })

  test('a failure is not kept: the next call asks again', async () => {
    const { weather, sent } = provider()
    await expect(weather.getWeather({ cityId: 'atlantis' })).rejects.toMatchObject({
      code: 'ERR_CITY_NOT_FOUND',
    })
    await expect(weather.getWeather({ cityId: 'atlantis' })).rejects.toMatchObject({
      code: 'ERR_CITY_NOT_FOUND',
    })
    expect(sent).toHaveLength(2)
    expect(weather.peek?.({ cityId: 'atlantis' })).toBeUndefined()
  })
})
