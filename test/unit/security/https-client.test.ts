import { randomBytes } from 'node:crypto'
import { AppError, type AppErrorCode } from '../../../src/security/app-error'
import {
  HttpsClient,
  type PortRequest,
  type PortResponse,
} from '../../../src/security/transport/https-client'
import { signatureHeaders } from '../../../src/security/transport/sign-request'

// TRANSPORT: the client's decisions, through a scripted request port (the Taro.request edge).
// The same client against the real server is in test/client/https-client.test.ts.
const ORIGIN = 'https://api.example.com'
const random = async (length: number) => new Uint8Array(randomBytes(length))

function scripted(answers: Array<PortResponse | AppError>, retries = 2) {
  const sent: PortRequest[] = []
  const sleeps: number[] = []
  const client = new HttpsClient({
    allowedOrigins: [ORIGIN],
    request: async (request) => {
      sent.push(request)
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]
      if (answer instanceof AppError) throw answer
      return answer
    },
    randomBytes: random,
    now: () => 1795650600000,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    jitter: () => 0.999,
    retries,
  })
  client.useCredentials(
    {
      current: async () => ({ token: 'T'.repeat(43), signingKey: 'ab'.repeat(32) }),
      renew: async () => ({ token: 'R'.repeat(43), signingKey: 'cd'.repeat(32) }),
    },
    signatureHeaders,
  )
  return { client, sent, sleeps }
}

const reply = (status: number, body: unknown = {}, headers: Record<string, string> = {}) => ({
  status,
  body,
  headers,
})
const refusal = (status: number, code: string) => reply(status, { error: { code, message: 'x' } })

async function codeOf(run: () => Promise<unknown>) {
  try {
    await run()
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, details: error.details }
    throw error
  }
  return { code: 'no error' as const }
}

describe('every answer maps to one stable code', () => {
  test.each<[string, PortResponse | AppError, boolean, AppErrorCode | 'no error']>([
    ['200', reply(200, { ok: true }), false, 'no error'],
    ['204', reply(204, ''), false, 'no error'],
    ['400 from the server', refusal(400, 'ERR_VALIDATION'), false, 'ERR_REQUEST_REJECTED'],
    [
      '401 on an unsigned call',
      refusal(401, 'ERR_LOGIN_CODE_INVALID'),
      false,
      'ERR_REQUEST_REJECTED',
    ],
    ['401 on a signed call', refusal(401, 'ERR_SESSION_EXPIRED'), true, 'ERR_SESSION_EXPIRED'],
    ['403 signature', refusal(403, 'ERR_SIGNATURE_INVALID'), true, 'ERR_REQUEST_REJECTED'],
    ['404 not JSON', reply(404, '<html>'), false, 'ERR_REQUEST_REJECTED'],
    ['429', refusal(429, 'ERR_RATE_LIMITED'), false, 'ERR_RATE_LIMITED'],
    ['502', refusal(502, 'ERR_WEATHER_UPSTREAM'), false, 'ERR_SERVER'],
    ['timeout', new AppError('ERR_TIMEOUT', 'request:fail timeout'), false, 'ERR_TIMEOUT'],
    ['network', new AppError('ERR_NETWORK', 'request:fail'), false, 'ERR_NETWORK'],
  ])('%s', async (_label, answer, signed, code) => {
    const { client } = scripted([answer])
    const result = await codeOf(() =>
      client.call({ method: 'POST', url: `${ORIGIN}/v1/x`, body: {}, signed, parse: (b) => b }),
    )
    expect(result.code).toBe(code)
  })

  test('a server code that is not of the agreed form is not passed on', async () => {
    const { client } = scripted([refusal(400, '<script>')])
    const result = await codeOf(() =>
      client.call({ method: 'GET', url: `${ORIGIN}/x`, parse: (b) => b }),
    )
    expect(result.details).toEqual({ status: 400, serverCode: undefined })
  })
})

test('GET retries back off exponentially with jitter, capped; every retry has a fresh nonce', async () => {
  const { client, sent, sleeps } = scripted([refusal(503, 'ERR_INTERNAL')], 6)
  const result = await codeOf(() =>
    client.call({ method: 'GET', url: `${ORIGIN}/x`, signed: true, parse: (b) => b }),
  )
  expect(result.code).toBe('ERR_SERVER')
  expect(sent).toHaveLength(7)
  // Full jitter: a random share of 250 ms, 500 ms, 1 s, 2 s, then the 4 s cap.
  expect(sleeps).toEqual([249, 499, 999, 1998, 3996, 3996])
  expect(new Set(sent.map((request) => request.headers['x-nonce'])).size).toBe(7)
})

test('a subscriber that throws does not break the call or the other subscribers', async () => {
  jest.useFakeTimers()
  try {
    const { client } = scripted([reply(200, {}, { 'x-maintenance': '1' })])
    const seen: string[] = []
    client.onMaintenance(() => {
      throw new Error('broken subscriber')
    })
    client.onMaintenance((notice) => seen.push(notice.path))
    await expect(
      client.call({ method: 'GET', url: `${ORIGIN}/v1/status?x=1`, parse: (b) => b }),
    ).resolves.toEqual({})
    expect(seen).toEqual(['/v1/status'])
    // The error still surfaces, asynchronously, where the platform's onError (MONITOR) sees it.
    expect(() => jest.runOnlyPendingTimers()).toThrow('broken subscriber')
  } finally {
    jest.useRealTimers()
  }
})

test('a signed call without a session service fails closed, sending nothing', async () => {
  const sent: PortRequest[] = []
  const client = new HttpsClient({
    allowedOrigins: [ORIGIN],
    request: async (request) => (sent.push(request), reply(200)),
    randomBytes: random,
    now: Date.now,
  })
  expect(
    (
      await codeOf(() =>
        client.call({ method: 'GET', url: `${ORIGIN}/x`, signed: true, parse: (b) => b }),
      )
    ).code,
  ).toBe('ERR_SESSION_EXPIRED')
  expect(sent).toEqual([])
})

test('no error message carries the query, the body or the token', async () => {
  const { client } = scripted([refusal(400, 'ERR_VALIDATION')])
  let message = ''
  try {
    await client.call({
      method: 'POST',
      url: `${ORIGIN}/v1/weather?lat=39.9042`,
      body: { phone: '13800138000' },
      signed: true,
      parse: (b) => b,
    })
  } catch (error) {
    message = (error as Error).message
  }
  expect(message).toBe('POST /v1/weather answered 400 ERR_VALIDATION')
})

test('INCIDENT: restrict refuses every other path with ERR_MAINTENANCE before sending; undefined lifts it', async () => {
  const { client, sent } = scripted([reply(200, { ok: true })])
  const get = (path: string) =>
    codeOf(() => client.call({ method: 'GET', url: ORIGIN + path, parse: (b) => b }))
  client.restrict(['/v1/status'])
  expect((await get('/v1/weather?cityId=beijing')).code).toBe('ERR_MAINTENANCE')
  expect((await get('/v1/status')).code).toBe('no error')
  client.restrict([])
  expect((await get('/v1/status')).code).toBe('ERR_MAINTENANCE')
  expect(sent.map((r) => r.url)).toEqual([`${ORIGIN}/v1/status`])
  client.restrict(undefined)
  expect((await get('/v1/weather')).code).toBe('no error')
})

test('INCIDENT: a call refused by restrict is heard by onMaintenance, so the kill switch can take the user to the maintenance page', async () => {
  const { client } = scripted([reply(200, { ok: true })])
  const heard: string[] = []
  client.onMaintenance(({ path }) => heard.push(path))
  client.restrict(['/v1/status'])
  await codeOf(() => client.call({ method: 'GET', url: ORIGIN + '/v1/me/data', parse: (b) => b }))
  await codeOf(() => client.call({ method: 'GET', url: ORIGIN + '/v1/status', parse: (b) => b }))
  expect(heard).toEqual(['/v1/me/data'])
})
