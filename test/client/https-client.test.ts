import { randomBytes } from 'node:crypto'
import { AppError, type AppErrorCode } from '../../src/security/app-error'
import { SecureStore } from '../../src/security/secure-storage/secure-store'
import { HttpsClient, type Credentials } from '../../src/security/transport/https-client'
import { signatureHeaders } from '../../src/security/transport/sign-request'
import {
  API_ROUTES,
  type MyDataExport,
  type WeatherResponse,
} from '../../src/services/api-contract'
import { SESSION_ITEM, SessionService } from '../../src/services/session'
import { Incidents } from '../../server/src/incidents'
import type { HttpClient } from '../../server/src/http-client'
import {
  startTestServer,
  testClock,
  type TestClock,
  type TestServer,
} from '../../server/test/test-server'
import { createMemoryStorage } from '../unit/security/memory-storage'
import { nodeRequestPort } from './node-request'

// TRANSPORT + STORAGE: the app's HTTPS client, signer and session service against the real
// reference server over HTTPS on 127.0.0.1 (its own certificate trusted, nothing switched off).
// Only WeChat's edges are stand-ins: login codes, and the upstream calls the server makes.

const random = async (length: number) => new Uint8Array(randomBytes(length))
const HOUR = 60 * 60 * 1000

interface Setup {
  server: TestServer
  client: HttpsClient
  session: SessionService
  store: SecureStore
  memory: ReturnType<typeof createMemoryStorage>
  sent: ReturnType<typeof nodeRequestPort>['sent']
  device: { offsetMs: number }
  logins: () => number
}

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function setup(
  options: {
    env?: Record<string, string>
    http?: HttpClient
    clock?: TestClock
    timeoutMs?: number
  } = {},
): Promise<Setup> {
  const server = await startTestServer(options)
  servers.push(server)
  const { port, sent } = nodeRequestPort(server.ca)
  const device = { offsetMs: 0 }
  const now = () => Date.now() + device.offsetMs
  const memory = createMemoryStorage()
  const store = new SecureStore({ storage: memory.port, randomBytes: random, now })
  const client = new HttpsClient({
    allowedOrigins: [server.url],
    request: port,
    randomBytes: random,
    now,
    sleep: async () => undefined,
    timeoutMs: options.timeoutMs ?? 5000,
  })
  let loginCount = 0
  const session = new SessionService({
    client,
    store,
    login: async () => `code-${++loginCount}`,
    apiOrigin: server.url,
    now,
  })
  return { server, client, session, store, memory, sent, device, logins: () => loginCount }
}

const weather = (body: unknown) => {
  const answer = body as WeatherResponse
  if (typeof answer?.city?.id !== 'string' || !Array.isArray(answer.daily))
    throw new Error('not weather')
  return answer
}
const myData = (body: unknown) => {
  const answer = body as MyDataExport
  if (typeof answer?.user?.id !== 'string') throw new Error('not an export')
  return answer
}

async function codeOf(
  run: () => Promise<unknown>,
): Promise<{ code: AppErrorCode | 'no error'; error?: AppError }> {
  try {
    await run()
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, error }
    throw error
  }
  return { code: 'no error' }
}

test('login seals the session; signed requests pass the server; nothing readable is stored', async () => {
  const { server, client, session, memory, sent } = await setup()
  const state = await session.signIn()
  expect(state.signedIn).toBe(true)

  const data = await client.call({
    method: 'GET',
    url: server.url + API_ROUTES.myData,
    signed: true,
    parse: myData,
  })
  expect(data.sessions).toHaveLength(1)
  const forecast = await client.call({
    method: 'GET',
    url: `${server.url}${API_ROUTES.weather}?cityId=beijing`,
    signed: true,
    parse: weather,
  })
  expect(forecast.city.id).toBe('beijing')
  await client.call({
    method: 'POST',
    url: server.url + API_ROUTES.consent,
    body: { policyVersion: '2026-11', decision: 'agreed' },
    signed: true,
    parse: (body) => body,
  })

  // What went over the wire carried the signature headers; what sits in storage is sealed.
  const signedRequest = sent.find((request) => request.url.endsWith(API_ROUTES.myData))
  expect(Object.keys(signedRequest?.headers ?? {})).toEqual(
    expect.arrayContaining(['authorization', 'x-timestamp', 'x-nonce', 'x-signature']),
  )
  const token = (signedRequest?.headers.authorization ?? '').replace('Bearer ', '')
  expect(token.length).toBeGreaterThan(20)
  const everything = [...memory.items.values()].join('\n')
  expect(everything).not.toContain(token)
  expect(memory.items.has(`secure.item.${SESSION_ITEM}`)).toBe(true)
})

describe('tampered requests are rejected by the server and not retried', () => {
  test('a query changed after signing', async () => {
    const { server, session, sent } = await setup()
    await session.signIn()
    const { port } = nodeRequestPort(server.ca)
    const tampering = new HttpsClient({
      allowedOrigins: [server.url],
      request: (request) => port({ ...request, url: request.url.replace('beijing', 'shanghai') }),
      randomBytes: random,
      now: Date.now,
      sleep: async () => undefined,
    })
    tampering.useCredentials(session, signatureHeaders)
    const result = await codeOf(() =>
      tampering.call({
        method: 'GET',
        url: `${server.url}${API_ROUTES.weather}?cityId=beijing`,
        signed: true,
        parse: weather,
      }),
    )
    expect(result.code).toBe('ERR_REQUEST_REJECTED')
    expect(result.error?.details).toEqual({ status: 403, serverCode: 'ERR_SIGNATURE_INVALID' })
    expect(sent.filter((request) => request.url.includes('weather'))).toHaveLength(0)
  })

  test('a body changed after signing', async () => {
    const { server, session } = await setup()
    await session.signIn()
    const { port, sent } = nodeRequestPort(server.ca)
    const tampering = new HttpsClient({
      allowedOrigins: [server.url],
      request: (request) =>
        port({ ...request, body: request.body?.replace('agreed', 'withdrawn') }),
      randomBytes: random,
      now: Date.now,
      sleep: async () => undefined,
    })
    tampering.useCredentials(session, signatureHeaders)
    const result = await codeOf(() =>
      tampering.call({
        method: 'POST',
        url: server.url + API_ROUTES.consent,
        body: { policyVersion: '2026-11', decision: 'agreed' },
        signed: true,
        parse: (body) => body,
      }),
    )
    expect(result.error?.details.serverCode).toBe('ERR_SIGNATURE_INVALID')
    expect(sent).toHaveLength(1)
  })
})

describe('signed queries: the client signs the wire form, so any value reaches the route', () => {
  // cityId allows only [a-z0-9-]: every value below must get the route's own ERR_VALIDATION,
  // which proves the signature matched what the server received (else: 403 ERR_SIGNATURE_INVALID).
  test.each<[string, string]>([
    ['Chinese', '北京'],
    ['a space', 'bei jing'],
    ['a plus sign', 'a+b'],
    ['a percent sign', '100%'],
    ['& and = inside the value', 'a=1&b=2'],
    ['#', '#1'],
    ['an emoji', '晴😀'],
    ['an empty value', ''],
  ])('%s as query data', async (_label, value) => {
    const { server, client, session, sent } = await setup()
    await session.signIn()
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: server.url + API_ROUTES.weather,
        query: { cityId: value },
        signed: true,
        parse: weather,
      }),
    )
    expect(result.code).toBe('ERR_REQUEST_REJECTED')
    expect(result.error?.details).toEqual({ status: 400, serverCode: 'ERR_VALIDATION' })
    const wire = new URL(sent[sent.length - 1].url)
    expect(wire.searchParams.getAll('cityId')).toEqual([value])
  })

  test.each<[string, string]>([
    ['Chinese', '?cityId=北京'],
    ['a space', '?cityId=bei jing'],
    ['a stray percent sign', '?cityId=100%'],
  ])('%s written in the URL', async (_label, query) => {
    const { server, client, session } = await setup()
    await session.signIn()
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: server.url + API_ROUTES.weather + query,
        signed: true,
        parse: weather,
      }),
    )
    expect(result.error?.details).toEqual({ status: 400, serverCode: 'ERR_VALIDATION' })
  })

  test('a repeated key and a valid city: both values are sent, the signature holds', async () => {
    const { server, client, session, sent } = await setup()
    await session.signIn()
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: server.url + API_ROUTES.weather,
        query: { cityId: ['beijing', 'shanghai'] },
        signed: true,
        parse: weather,
      }),
    )
    expect(result.error?.details.serverCode).not.toBe('ERR_SIGNATURE_INVALID')
    expect(new URL(sent[sent.length - 1].url).searchParams.getAll('cityId')).toEqual([
      'beijing',
      'shanghai',
    ])
    const forecast = await client.call({
      method: 'GET',
      url: server.url + API_ROUTES.weather,
      query: { cityId: 'beijing' },
      signed: true,
      parse: weather,
    })
    expect(forecast.city.id).toBe('beijing')
  })
})

describe('the session lifecycle', () => {
  test('a session the server has expired is renewed once and the call retried', async () => {
    const clock = testClock()
    const { server, client, session, logins, sent } = await setup({ clock })
    await session.signIn()
    clock.advance(2 * HOUR + 1000) // the server's default lifetime is two hours
    const data = await client.call({
      method: 'GET',
      url: server.url + API_ROUTES.myData,
      signed: true,
      parse: myData,
    })
    expect(data.user.id).toBeTruthy()
    expect(logins()).toBe(2)
    expect(sent.map((request) => `${request.method} ${new URL(request.url).pathname}`)).toEqual([
      'POST /v1/session',
      'GET /v1/me/data',
      'POST /v1/session',
      'GET /v1/me/data',
    ])
  })

  test('a refused renewal ends in ERR_SESSION_EXPIRED after exactly one retry, never a loop', async () => {
    const { server, client, sent } = await setup()
    const bogus: Credentials = { token: 'A'.repeat(43), signingKey: 'ab'.repeat(32) }
    let renewals = 0
    client.useCredentials(
      { current: async () => bogus, renew: async () => (renewals++, bogus) },
      signatureHeaders,
    )
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: server.url + API_ROUTES.myData,
        signed: true,
        parse: myData,
      }),
    )
    expect(result.code).toBe('ERR_SESSION_EXPIRED')
    expect(result.error?.details.serverCode).toBe('ERR_SESSION_INVALID')
    expect(renewals).toBe(1)
    expect(sent).toHaveLength(2)
    expect(result.error?.message).not.toContain(bogus.token)
  })

  test('a session about to expire is renewed before the call, not after a refusal', async () => {
    const { server, client, session, device, sent, logins } = await setup()
    await session.signIn()
    device.offsetMs = 2 * HOUR - 4 * 60 * 1000 // inside the five-minute margin
    await client.call({
      method: 'GET',
      url: server.url + API_ROUTES.myData,
      signed: true,
      parse: myData,
    })
    expect(logins()).toBe(2)
    expect(sent.map((request) => request.method)).toEqual(['POST', 'POST', 'GET'])
  })

  test('a device clock ten minutes slow is corrected from the server once', async () => {
    const { server, client, session, device, sent } = await setup()
    const answer = await server.signIn('clock-test')
    device.offsetMs = -10 * 60 * 1000
    client.useCredentials(
      { current: async () => answer, renew: async () => answer },
      signatureHeaders,
    )
    await client.call({
      method: 'GET',
      url: server.url + API_ROUTES.myData,
      signed: true,
      parse: myData,
    })
    expect(sent).toHaveLength(2) // refused with ERR_CLOCK_SKEW, corrected from Date, accepted
    void session
  })

  test('a tampered stored session is discarded and a new one made', async () => {
    const { server, client, memory, store, session, logins } = await setup()
    await session.signIn()
    const key = `secure.item.${SESSION_ITEM}`
    memory.items.set(
      key,
      (memory.items.get(key) as string).replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
    )
    // A new launch: a fresh service reads the damaged item.
    const relaunched = new SessionService({
      client,
      store,
      login: async () => 'code-relaunch',
      apiOrigin: server.url,
      now: Date.now,
    })
    expect(await relaunched.state()).toEqual({ signedIn: false })
    await client.call({
      method: 'GET',
      url: server.url + API_ROUTES.myData,
      signed: true,
      parse: myData,
    })
    expect(logins()).toBe(1) // the relaunched service signed in with its own login
  })

  test('sign-out ends the session on the server and wipes keys and items on the device', async () => {
    const { server, session, store, memory } = await setup()
    await session.signIn()
    const old = JSON.parse((await store.get(SESSION_ITEM)) as string) as Credentials
    expect((await server.signed(old, API_ROUTES.myData)).status).toBe(200)
    expect(await session.signOut()).toEqual({ outcome: 'ended' })
    expect(memory.items.size).toBe(0)
    expect(await session.state()).toEqual({ signedIn: false })
    const after = await server.signed(old, API_ROUTES.myData)
    expect(after.status).toBe(401)
    expect(after.body).toMatchObject({ error: { code: 'ERR_SESSION_INVALID' } })
  })

  test('a sign-out the server refuses is told apart from one that never reached it', async () => {
    const { server, store, memory } = await setup()
    const { port } = nodeRequestPort(server.ca)
    // A client whose signatures are broken on the way: the server answers 403, it is reachable.
    const breaking = new HttpsClient({
      allowedOrigins: [server.url],
      request: (request) =>
        port(
          request.method === 'DELETE'
            ? { ...request, headers: { ...request.headers, 'x-signature': '0'.repeat(64) } }
            : request,
        ),
      randomBytes: random,
      now: Date.now,
      sleep: async () => undefined,
    })
    const refused = new SessionService({
      client: breaking,
      store,
      login: async () => 'code-refused',
      apiOrigin: server.url,
      now: Date.now,
    })
    await refused.signIn()
    expect(await refused.signOut()).toEqual({
      outcome: 'refused',
      status: 403,
      serverCode: 'ERR_SIGNATURE_INVALID',
    })
    expect(memory.items.size).toBe(0)
  })

  test('sign-out while the server is unreachable still wipes the device', async () => {
    const { server, session, memory } = await setup()
    await session.signIn()
    await server.close()
    servers.splice(servers.indexOf(server), 1)
    expect(await session.signOut()).toEqual({ outcome: 'unreachable' })
    expect(memory.items.size).toBe(0)
  })
})

describe('URLs are checked before anything is sent', () => {
  test.each<[string, (origin: string) => string, AppErrorCode]>([
    ['http', (origin) => origin.replace('https:', 'http:') + '/v1/status', 'ERR_INSECURE_URL'],
    ['ws', () => 'wss://127.0.0.1/v1/status', 'ERR_INSECURE_URL'],
    ['relative', () => '/v1/status', 'ERR_INSECURE_URL'],
    [
      'protocol-relative',
      (origin) => origin.replace('https:', '') + '/v1/status',
      'ERR_INSECURE_URL',
    ],
    ['data', () => 'data:text/plain,hi', 'ERR_INSECURE_URL'],
    ['a fragment', (origin) => `${origin}/v1/status#top`, 'ERR_INVALID_INPUT'],
    ['a dot-dot segment', (origin) => `${origin}/v1/../admin/incidents`, 'ERR_INVALID_INPUT'],
    ['another host', () => 'https://example.com/v1/status', 'ERR_HOST_NOT_ALLOWED'],
    ['another port', () => 'https://127.0.0.1:1/v1/status', 'ERR_HOST_NOT_ALLOWED'],
    [
      'a user part',
      (origin) => `https://evil.example@${origin.slice(8)}/v1/status`,
      'ERR_HOST_NOT_ALLOWED',
    ],
    ['a look-alike host', (origin) => `${origin}.evil.example/v1/status`, 'ERR_HOST_NOT_ALLOWED'],
    [
      'localhost for 127.0.0.1',
      (origin) => origin.replace('127.0.0.1', 'localhost') + '/v1/status',
      'ERR_HOST_NOT_ALLOWED',
    ],
  ])('%s, no request', async (_label, url, code) => {
    const { server, client, sent } = await setup()
    expect(
      (await codeOf(() => client.call({ method: 'GET', url: url(server.url), parse: (b) => b })))
        .code,
    ).toBe(code)
    expect(sent).toHaveLength(0)
  })

  test('an allow-list entry that is not a bare https origin stops start-up', () => {
    for (const origin of [
      'http://api.example.com',
      'https://api.example.com/',
      'https://api.example.com/v1',
      'api.example.com',
      'https://API.example.com',
    ]) {
      expect(
        () =>
          new HttpsClient({
            allowedOrigins: [origin],
            request: async () => ({ status: 200, headers: {}, body: null }),
            randomBytes: random,
            now: Date.now,
          }),
      ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_INPUT' }))
    }
  })
})

describe('timeouts and 5xx: retried for GET only', () => {
  /** An upstream (Open-Meteo or WeChat, seen from the server) that fails or hangs, counted. */
  function upstream(answer: 'fail' | 'hang' | 'busy') {
    const pending = new Set<Promise<unknown>>()
    const calls = {
      count: 0,
      /** Lets hung upstream calls finish, so the server is not closed under a live request. */
      settled: () => Promise.all([...pending]),
    }
    const http: HttpClient = {
      async getJson() {
        calls.count++
        if (answer === 'hang') {
          const hang = new Promise((resolve) => setTimeout(resolve, 1500))
          pending.add(hang)
          await hang
        }
        if (answer === 'busy') return { status: 200, body: { errcode: -1, errmsg: 'system error' } }
        throw new Error('network error')
      },
    }
    return { http, calls }
  }
  const weatherEnv = { WEATHER_PROVIDER: 'open-meteo' }
  const wechatEnv = { WECHAT_APPID: 'wx0000000000000000', WECHAT_SECRET: 'ab'.repeat(16) }

  test('GET answered 5xx: three attempts, then ERR_SERVER', async () => {
    const { http, calls } = upstream('fail')
    const { server, client, sent } = await setup({ env: weatherEnv, http })
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: `${server.url}${API_ROUTES.weather}?cityId=beijing`,
        parse: weather,
      }),
    )
    expect(result.code).toBe('ERR_SERVER')
    expect(result.error?.details.status).toBeGreaterThanOrEqual(500)
    expect(sent).toHaveLength(3)
    expect(calls.count).toBe(3)
  })

  test('GET timing out: three attempts, then ERR_TIMEOUT', async () => {
    const { http, calls } = upstream('hang')
    const { server, client, sent } = await setup({ env: weatherEnv, http, timeoutMs: 300 })
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: `${server.url}${API_ROUTES.weather}?cityId=beijing`,
        parse: weather,
      }),
    )
    expect(result.code).toBe('ERR_TIMEOUT')
    expect(sent).toHaveLength(3)
    await calls.settled()
    expect(calls.count).toBe(3)
  })

  test('POST answered 5xx: one attempt', async () => {
    const { http, calls } = upstream('busy')
    const { server, client, sent } = await setup({ env: wechatEnv, http })
    const result = await codeOf(() =>
      client.call({
        method: 'POST',
        url: server.url + API_ROUTES.session,
        body: { code: 'abc' },
        parse: (b) => b,
      }),
    )
    expect(result.code).toBe('ERR_SERVER')
    expect(result.error?.details.serverCode).toBe('ERR_WECHAT_UNAVAILABLE')
    expect(sent).toHaveLength(1)
    expect(calls.count).toBe(1)
  })

  test('POST timing out: one attempt', async () => {
    const { http, calls } = upstream('hang')
    const { server, client, sent } = await setup({ env: wechatEnv, http, timeoutMs: 300 })
    const result = await codeOf(() =>
      client.call({
        method: 'POST',
        url: server.url + API_ROUTES.session,
        body: { code: 'abc' },
        parse: (b) => b,
      }),
    )
    expect(result.code).toBe('ERR_TIMEOUT')
    expect(sent).toHaveLength(1)
    await calls.settled()
    expect(calls.count).toBe(1)
  })
})

describe('responses', () => {
  test('a body that breaks the contract is ERR_BAD_RESPONSE, and its content is not in the message', async () => {
    const { server, client } = await setup()
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: `${server.url}${API_ROUTES.weather}?cityId=beijing`,
        parse: () => {
          throw new Error('no')
        },
      }),
    )
    expect(result.code).toBe('ERR_BAD_RESPONSE')
    expect(result.error?.message).toBe('GET /v1/weather: the response broke the API contract')
  })

  test('a refusal carries the status and the server code; the message has no query', async () => {
    const { server, client } = await setup()
    const result = await codeOf(() =>
      client.call({
        method: 'GET',
        url: `${server.url}${API_ROUTES.weather}?lat=39.9042&lon=116.4074`,
        parse: weather,
      }),
    )
    expect(result.code).toBe('ERR_REQUEST_REJECTED')
    expect(result.error?.details).toEqual({
      status: 400,
      serverCode: 'ERR_COORDINATES_TOO_PRECISE',
    })
    expect(result.error?.message).not.toContain('39.9')
  })

  test('the maintenance header reaches subscribers', async () => {
    const { server, client } = await setup()
    const notices: unknown[] = []
    const stop = client.onMaintenance((notice) => notices.push(notice))
    new Incidents(server.db, () => new Date()).open('系统维护中', 60)
    await new Promise((resolve) => setTimeout(resolve, 1100)) // the server re-reads incidents each second
    await client.call({ method: 'GET', url: server.url + API_ROUTES.status, parse: (b) => b })
    expect(notices).toEqual([{ path: '/v1/status' }])
    stop()
    await client.call({ method: 'GET', url: server.url + API_ROUTES.status, parse: (b) => b })
    expect(notices).toHaveLength(1)
  })
})
