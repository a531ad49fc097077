import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findCity } from '../../src/services/city-list'
import { ApiError } from '../src/api-error'
import { UpstreamError, type HttpClient } from '../src/http-client'
import {
  compassPoint,
  conditionFor,
  fromOpenMeteo,
  OPEN_METEO_ATTRIBUTION,
  openMeteoProvider,
  openMeteoUrl,
} from '../src/weather/open-meteo'
import { devLoginExchange, wechatLoginExchange } from '../src/wechat-login'
import { startTestServer } from './test-server'

const beijing = findCity('beijing')!
const recorded = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'open-meteo-beijing.json'), 'utf8'),
) as Record<string, unknown>

/** A fake of a remote service: answers from a script and records the URLs it was asked for. */
function fakeHttp(
  answer: (url: string) => { status: number; body: unknown } | Error,
): HttpClient & { urls: string[] } {
  const urls: string[] = []
  return {
    urls,
    async getJson(url) {
      urls.push(url)
      const result = answer(url)
      if (result instanceof Error) throw result
      return result
    },
  }
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return error instanceof ApiError ? `${error.statusCode} ${error.code}` : String(error)
  }
  return 'resolved'
}

describe('Open-Meteo adapter', () => {
  test('maps a recorded answer to the API contract', () => {
    const weather = fromOpenMeteo(beijing, recorded)
    expect(weather.city).toBe(beijing)
    expect(weather.current).toEqual({
      temperatureC: 6,
      feelsLikeC: 2,
      condition: 'partly-cloudy',
      humidityPct: 28,
      windKph: 14,
      windDirection: 'NW',
    })
    expect(
      weather.daily.map((d) => [d.date, d.condition, d.highC, d.lowC, d.precipitationPct]),
    ).toEqual([
      ['2026-11-25', 'partly-cloudy', 8, -2, 3],
      ['2026-11-26', 'cloudy', 7, -1, 12],
      ['2026-11-27', 'rain', 5, 0, 68],
      ['2026-11-28', 'snow', 1, -5, 55],
      ['2026-11-29', 'clear', 6, -5, 0],
    ])
    // 14:30 in UTC+8 is 06:30 UTC.
    expect(weather.updatedAt).toBe('2026-11-25T06:30:00.000Z')
    expect(weather.attribution).toBe(OPEN_METEO_ATTRIBUTION)
  })

  test('asks only for the city centre, with two decimals', () => {
    const url = new URL(openMeteoUrl(beijing))
    expect(url.origin + url.pathname).toBe('https://api.open-meteo.com/v1/forecast')
    expect(url.searchParams.get('latitude')).toBe(beijing.lat.toFixed(2))
    expect(url.searchParams.get('longitude')).toBe(beijing.lon.toFixed(2))
    expect(url.searchParams.get('forecast_days')).toBe('5')
  })

  test.each([
    [0, 'clear'],
    [1, 'partly-cloudy'],
    [3, 'cloudy'],
    [45, 'fog'],
    [53, 'rain'],
    [66, 'rain'],
    [81, 'rain'],
    [73, 'snow'],
    [86, 'snow'],
    [95, 'thunderstorm'],
    [99, 'thunderstorm'],
  ])('WMO code %i is %s', (code, condition) => {
    expect(conditionFor(code)).toBe(condition)
  })

  test.each([
    [0, 'N'],
    [44, 'NE'],
    [180, 'S'],
    [337.6, 'N'],
    [-90, 'W'],
    [720, 'N'],
  ])('%f degrees is %s', (degrees, point) => {
    expect(compassPoint(degrees)).toBe(point)
  })

  /** The recorded answer with one thing broken (JSON as Open-Meteo would send it). */
  type Answer = {
    current: Record<string, unknown>
    daily: Record<string, unknown> & { time: string[] }
  }
  const broken = (change: (body: Answer) => void) => {
    const copy = JSON.parse(JSON.stringify(recorded)) as Answer
    change(copy)
    return copy
  }
  test.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['no current block', broken((b) => delete (b as Partial<Answer>).current)],
    ['temperature as text', broken((b) => (b.current.temperature_2m = '6.4'))],
    ['an unknown weather code', broken((b) => (b.current.weather_code = 42))],
    ['a malformed date', broken((b) => (b.daily.time[0] = '25/11/2026'))],
    ['no days', broken((b) => (b.daily.time = []))],
    ['a missing daily maximum', broken((b) => delete b.daily.temperature_2m_max)],
    ['a malformed time', broken((b) => (b.current.time = '<script>'))],
  ])('an answer with %s -> 502 ERR_WEATHER_UPSTREAM', async (_name, body) => {
    expect(await codeOf(Promise.resolve().then(() => fromOpenMeteo(beijing, body)))).toBe(
      '502 ERR_WEATHER_UPSTREAM',
    )
  })

  test.each<[string, { status: number; body: unknown } | Error]>([
    [
      'a 400 with a reason',
      { status: 400, body: { error: true, reason: 'Latitude must be in range' } },
    ],
    ['a 429', { status: 429, body: { error: true, reason: 'Daily API request limit exceeded' } }],
    ['a 500 without JSON', new UpstreamError('answer 500 was not JSON')],
    ['a timeout', new UpstreamError('no answer within 5000 ms')],
    ['a dead network', new UpstreamError('network error')],
  ])('the service failing with %s -> 502 ERR_WEATHER_UPSTREAM', async (_name, answer) => {
    const provider = openMeteoProvider(fakeHttp(() => answer))
    expect(await codeOf(provider.forecast(beijing, new Date()))).toBe('502 ERR_WEATHER_UPSTREAM')
  })

  test('answers are cached per city for ten minutes', async () => {
    const http = fakeHttp(() => ({ status: 200, body: recorded }))
    const provider = openMeteoProvider(http)
    const t0 = new Date('2026-11-25T06:30:00Z')
    await provider.forecast(beijing, t0)
    await provider.forecast(beijing, new Date(t0.getTime() + 9 * 60_000))
    expect(http.urls).toHaveLength(1)
    await provider.forecast(beijing, new Date(t0.getTime() + 10 * 60_000))
    expect(http.urls).toHaveLength(2)
  })

  test('WEATHER_PROVIDER=open-meteo switches the server over', async () => {
    const http = fakeHttp(() => ({ status: 200, body: recorded }))
    const server = await startTestServer({ env: { WEATHER_PROVIDER: 'open-meteo' }, http })
    try {
      const res = await server.request('/v1/weather?cityId=beijing')
      expect(res.status).toBe(200)
      expect((res.body as { attribution: string }).attribution).toBe(OPEN_METEO_ATTRIBUTION)
      expect(http.urls).toEqual([openMeteoUrl(beijing)])
    } finally {
      await server.close()
    }
  }, 60_000)
})

describe('WeChat login exchange', () => {
  const credentials = { appId: 'wx0123456789abcdef', appSecret: '0123456789abcdef0123456789abcdef' }

  test('calls jscode2session with appid, secret and code; keeps only the openid', async () => {
    const http = fakeHttp(() => ({
      status: 200,
      body: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', session_key: 'tiihtNczf5v6AKRyjwEUhQ==' },
    }))
    const openid = await wechatLoginExchange(credentials, http).openidFor('081abcDEF')
    expect(openid).toBe('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o')
    const url = new URL(http.urls[0])
    expect(url.origin + url.pathname).toBe('https://api.weixin.qq.com/sns/jscode2session')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      appid: credentials.appId,
      secret: credentials.appSecret,
      js_code: '081abcDEF',
      grant_type: 'authorization_code',
    })
  })

  test.each<[string, { status: number; body: unknown } | Error, string]>([
    [
      'invalid code (40029)',
      { status: 200, body: { errcode: 40029, errmsg: 'invalid code' } },
      '401 ERR_LOGIN_CODE_INVALID',
    ],
    [
      'code already used (40163)',
      { status: 200, body: { errcode: 40163, errmsg: 'code been used' } },
      '401 ERR_LOGIN_CODE_INVALID',
    ],
    [
      'risky user (40226)',
      { status: 200, body: { errcode: 40226, errmsg: 'high risk' } },
      '401 ERR_LOGIN_CODE_INVALID',
    ],
    [
      'system busy (-1)',
      { status: 200, body: { errcode: -1, errmsg: 'system error' } },
      '503 ERR_WECHAT_UNAVAILABLE',
    ],
    [
      'rate limited (45011)',
      { status: 200, body: { errcode: 45011, errmsg: 'api minute-quota reach limit' } },
      '503 ERR_WECHAT_UNAVAILABLE',
    ],
    ['an empty openid', { status: 200, body: { openid: '' } }, '503 ERR_WECHAT_UNAVAILABLE'],
    ['a 502 from a proxy', { status: 502, body: {} }, '503 ERR_WECHAT_UNAVAILABLE'],
    ['a timeout', new UpstreamError('no answer within 5000 ms'), '503 ERR_WECHAT_UNAVAILABLE'],
    ['a dead network', new UpstreamError('network error'), '503 ERR_WECHAT_UNAVAILABLE'],
  ])('%s -> %s', async (_name, answer, expected) => {
    const exchange = wechatLoginExchange(
      credentials,
      fakeHttp(() => answer),
    )
    expect(await codeOf(exchange.openidFor('081abcDEF'))).toBe(expected)
  })

  test('error messages never carry the secret or the code', async () => {
    const exchange = wechatLoginExchange(
      credentials,
      fakeHttp(() => ({ status: 200, body: { errcode: -1 } })),
    )
    const error = await exchange.openidFor('081abcDEF').catch((e: Error) => e)
    expect(String((error as Error).message)).not.toMatch(/0123456789abcdef0123|081abcDEF/)
  })

  test('with WECHAT_APPID/SECRET set, POST /v1/session goes to WeChat', async () => {
    const http = fakeHttp(() => ({ status: 200, body: { openid: 'oReal123', session_key: 'k' } }))
    const server = await startTestServer({
      env: { WECHAT_APPID: credentials.appId, WECHAT_SECRET: credentials.appSecret },
      http,
    })
    try {
      const session = await server.signIn('081realcode')
      expect(session.token).toBeTruthy()
      expect(http.urls).toHaveLength(1)
      // The secret in the URL never reaches the logs.
      expect(server.logs.join('\n')).not.toContain(credentials.appSecret)
    } finally {
      await server.close()
    }
  }, 60_000)

  test('the development stand-in: stable per code, distinct per code, never a real-looking openid', async () => {
    const exchange = devLoginExchange(Buffer.from('secret'))
    const a = await exchange.openidFor('code-a')
    expect(await exchange.openidFor('code-a')).toBe(a)
    expect(await exchange.openidFor('code-b')).not.toBe(a)
    expect(a).toMatch(/^dev_[A-Za-z0-9_-]{24}$/)
    expect(await codeOf(exchange.openidFor('invalid-code'))).toBe('401 ERR_LOGIN_CODE_INVALID')
  })
})
