import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SessionResponse } from '../../src/services/api-contract'
import { MAX_CLOCK_SKEW_MS } from '../../src/security/transport/request-signing'
import { devLoginExchange } from '../src/wechat-login'
import { startTestServer, testClock, type TestServer } from './test-server'

const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let session: SessionResponse

beforeAll(async () => {
  server = await startTestServer({ clock, env: { SESSION_TTL_SECONDS: '3600' } })
  session = await server.signIn('code-alice')
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const json = (value: unknown) => JSON.stringify(value)

describe('POST /v1/session', () => {
  test('a login code gives a token, a signing key, an expiry and the server time', () => {
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session.signingKey).toMatch(/^[0-9a-f]{64}$/)
    expect(session.expiresAt).toBe(new Date(clock.now().getTime() + 3600_000).toISOString())
    expect(session.serverTime).toBe(clock.now().toISOString())
  })

  test('the same WeChat user gets the same account; each sign-in a new token', async () => {
    const again = await server.signIn('code-alice')
    const other = await server.signIn('code-bob')
    expect(again.token).not.toBe(session.token)
    const userOf = async (s: SessionResponse) =>
      ((await server.signed(s, '/v1/me/data')).body as { user: { id: string } }).user.id
    expect(await userOf(again)).toBe(await userOf(session))
    expect(await userOf(other)).not.toBe(await userOf(session))
  })

  test('the database holds no openid, token or signing key in clear; the logs neither', async () => {
    const secret = Buffer.from(
      readFileSync(join(server.settings.dataDir, 'dev-server-secret'), 'utf8').trim(),
    )
    const openid = await devLoginExchange(secret).openidFor('code-alice')
    server.db.pragma('wal_checkpoint(FULL)')
    const stored = readFileSync(join(server.settings.dataDir, 'server.db')).toString('latin1')
    for (const secretValue of [openid, session.token, session.signingKey]) {
      expect(stored).not.toContain(secretValue)
      expect(server.logs.join('\n')).not.toContain(secretValue)
    }
    // What is stored instead: an HMAC of the openid.
    const users = server.db.prepare('SELECT openid_hmac FROM users').all() as Array<{
      openid_hmac: string
    }>
    expect(users.every((u) => /^[0-9a-f]{64}$/.test(u.openid_hmac))).toBe(true)
  })

  test.each([
    ['no code', json({}), 400, 'ERR_VALIDATION'],
    ['code is a number', json({ code: 42 }), 400, 'ERR_VALIDATION'],
    ['empty code', json({ code: '' }), 400, 'ERR_VALIDATION'],
    ['oversized code', json({ code: 'a'.repeat(129) }), 400, 'ERR_VALIDATION'],
    ['script string', json({ code: '<script>alert(1)</script>' }), 400, 'ERR_VALIDATION'],
    ['SQL injection', json({ code: "x' OR '1'='1" }), 400, 'ERR_VALIDATION'],
    ['unknown field', json({ code: 'abc', openid: 'o123' }), 400, 'ERR_VALIDATION'],
    ['WeChat refuses the code', json({ code: 'invalid-code' }), 401, 'ERR_LOGIN_CODE_INVALID'],
    ['not JSON', 'code=abc', 400, 'ERR_BAD_BODY'],
    ['oversized body', json({ code: 'a'.repeat(20_000) }), 413, 'ERR_BODY_TOO_LARGE'],
  ])('%s -> %i %s', async (_name, body, status, errorCode) => {
    const res = await server.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(res.status).toBe(status)
    expect(code(res.body)).toBe(errorCode)
  })
})

describe('signed requests', () => {
  test('a correctly signed GET and POST are accepted', async () => {
    expect((await server.signed(session, '/v1/me/data')).status).toBe(200)
    const consent = await server.signed(session, '/v1/me/consent', {
      method: 'POST',
      body: json({ policyVersion: '2026-11', decision: 'agreed' }),
    })
    expect(consent.status).toBe(201)
  })

  const now = () => clock.now().getTime()
  test.each<[string, Parameters<TestServer['signed']>[2], number, string]>([
    [
      'no authorization',
      { tamper: (sent) => void delete sent.headers.authorization },
      401,
      'ERR_AUTH_REQUIRED',
    ],
    [
      'malformed token',
      { tamper: (sent) => void (sent.headers.authorization = 'Bearer x') },
      401,
      'ERR_SESSION_INVALID',
    ],
    [
      'unknown token',
      { tamper: (sent) => void (sent.headers.authorization = `Bearer ${'A'.repeat(43)}`) },
      401,
      'ERR_SESSION_INVALID',
    ],
    [
      'not a bearer token',
      { tamper: (sent) => void (sent.headers.authorization = 'Basic YWRtaW46YWRtaW4=') },
      401,
      'ERR_SESSION_INVALID',
    ],
    [
      'no signature',
      { tamper: (sent) => void delete sent.headers['x-signature'] },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'signature in upper case',
      {
        tamper: (sent) =>
          void (sent.headers['x-signature'] = sent.headers['x-signature'].toUpperCase()),
      },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'one hex digit of the signature changed',
      {
        tamper: (sent) => {
          const s = sent.headers['x-signature']
          sent.headers['x-signature'] = (s[0] === '0' ? '1' : '0') + s.slice(1)
        },
      },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'tampered query',
      { tamper: (sent) => void (sent.path = '/v1/me/data?x=1') },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'timestamp changed after signing',
      { tamper: (sent) => void (sent.headers['x-timestamp'] = String(now() + 1000)) },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'nonce changed after signing',
      { tamper: (sent) => void (sent.headers['x-nonce'] = 'f'.repeat(32)) },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    ['nonce too short', { nonce: 'abc' }, 403, 'ERR_SIGNATURE_INVALID'],
    ['nonce with a script', { nonce: '<script>alert(1)</script>' }, 403, 'ERR_SIGNATURE_INVALID'],
    [
      'timestamp in seconds',
      { timestamp: Math.floor(Date.now() / 1000) },
      403,
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'clock 6 minutes ahead',
      { timestamp: now() + MAX_CLOCK_SKEW_MS + 60_000 },
      403,
      'ERR_CLOCK_SKEW',
    ],
    [
      'clock 6 minutes behind',
      { timestamp: now() - MAX_CLOCK_SKEW_MS - 60_000 },
      403,
      'ERR_CLOCK_SKEW',
    ],
  ])('%s -> %i %s', async (_name, options, status, errorCode) => {
    const res = await server.signed(session, '/v1/me/data', options)
    expect(res.status).toBe(status)
    expect(code(res.body)).toBe(errorCode)
  })

  test('4 minutes of clock difference is tolerated', async () => {
    const res = await server.signed(session, '/v1/me/data', { timestamp: now() - 4 * 60_000 })
    expect(res.status).toBe(200)
  })

  test('a tampered body is refused', async () => {
    const res = await server.signed(session, '/v1/me/consent', {
      method: 'POST',
      body: json({ policyVersion: '2026-11', decision: 'agreed' }),
      tamper: (sent) =>
        void (sent.body = json({ policyVersion: '2026-11', decision: 'withdrawn' })),
    })
    expect(res.status).toBe(403)
    expect(code(res.body)).toBe('ERR_SIGNATURE_INVALID')
  })

  test('a request signed for GET cannot be replayed as DELETE', async () => {
    const res = await server.signed(session, '/v1/me', {
      tamper: (sent) => void (sent.method = 'DELETE'),
    })
    expect(res.status).toBe(403)
    expect(code(res.body)).toBe('ERR_SIGNATURE_INVALID')
  })

  test('a key from another session does not sign for this one', async () => {
    const other = await server.signIn('code-carol')
    const res = await server.signed(
      { token: session.token, signingKey: other.signingKey },
      '/v1/me/data',
    )
    expect(res.status).toBe(403)
    expect(code(res.body)).toBe('ERR_SIGNATURE_INVALID')
  })

  test('a replayed request is refused; a forged one does not spend the nonce', async () => {
    const nonce = 'replay-test-nonce-0001'
    const forged = await server.signed(session, '/v1/me/data', {
      nonce,
      tamper: (sent) => void (sent.headers['x-signature'] = '0'.repeat(64)),
    })
    expect(code(forged.body)).toBe('ERR_SIGNATURE_INVALID')
    const timestamp = now()
    const first = await server.signed(session, '/v1/me/data', { nonce, timestamp })
    expect(first.status).toBe(200)
    const replay = await server.signed(session, '/v1/me/data', { nonce, timestamp })
    expect(replay.status).toBe(403)
    expect(code(replay.body)).toBe('ERR_NONCE_REPLAYED')
  })

  test('an expired session is refused with ERR_SESSION_EXPIRED; signing in again works', async () => {
    const shortLived = await server.signIn('code-dave')
    clock.advance(3600_000 + 1)
    try {
      const res = await server.signed(shortLived, '/v1/me/data')
      expect(res.status).toBe(401)
      expect(code(res.body)).toBe('ERR_SESSION_EXPIRED')
      const renewed = await server.signIn('code-dave')
      expect((await server.signed(renewed, '/v1/me/data')).status).toBe(200)
    } finally {
      session = await server.signIn('code-alice')
    }
  })

  test('expired sessions are not kept once their user signs in again', async () => {
    const old = await server.signIn('code-frank')
    await server.signIn('code-frank')
    clock.advance(3600_000 + 1)
    try {
      const fresh = await server.signIn('code-frank')
      const data = (await server.signed(fresh, '/v1/me/data')).body as { sessions: unknown[] }
      expect(data.sessions).toHaveLength(1)
      expect(code((await server.signed(old, '/v1/me/data')).body)).toBe('ERR_SESSION_INVALID')
    } finally {
      session = await server.signIn('code-alice')
    }
  })

  test('logout ends the session at once', async () => {
    const leaving = await server.signIn('code-erin')
    expect((await server.signed(leaving, '/v1/session', { method: 'DELETE' })).status).toBe(204)
    const after = await server.signed(leaving, '/v1/me/data')
    expect(after.status).toBe(401)
    expect(code(after.body)).toBe('ERR_SESSION_INVALID')
  })
})

describe('weather with or without a session', () => {
  test('anonymous and signed requests both get weather', async () => {
    expect((await server.request('/v1/weather?cityId=beijing')).status).toBe(200)
    expect((await server.signed(session, '/v1/weather?cityId=beijing')).status).toBe(200)
  })

  test('a presented session is verified, never downgraded to anonymous', async () => {
    const res = await server.signed(session, '/v1/weather?cityId=beijing', {
      tamper: (sent) => void (sent.path = '/v1/weather?cityId=shanghai'),
    })
    expect(res.status).toBe(403)
    expect(code(res.body)).toBe('ERR_SIGNATURE_INVALID')
  })
})
