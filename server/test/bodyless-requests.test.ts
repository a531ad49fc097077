import type { SessionResponse } from '../../src/services/api-contract'
import {
  startTestServer,
  testClock,
  type SignedOptions,
  type TestServer,
  devAdminPassword,
} from './test-server'

/**
 * Requests without a body, as WeChat sends them. `wx.request` adds `content-type:
 * application/json` to every request that sets none (its documented default), also to a GET or
 * a DELETE that has no body. Such a request must reach its route: sign-out and erasure are
 * DELETEs without a body.
 */
const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let adminPassword: string

beforeAll(async () => {
  server = await startTestServer({ clock, env: { ADMIN_LOGINS_PER_MINUTE: '1000' } })
  adminPassword = devAdminPassword(server)
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code

/** How "no body" can look on the wire, and what content-type comes with it. */
const NO_BODY_FORMS: Array<[string, Record<string, string>]> = [
  [
    'content-type: application/json (what wx.request sends)',
    { 'content-type': 'application/json' },
  ],
  ['application/json with a charset', { 'content-type': 'application/json; charset=utf-8' }],
  [
    'application/json and content-length: 0',
    { 'content-type': 'application/json', 'content-length': '0' },
  ],
  [
    'application/json and an empty chunked body',
    { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
  ],
  ['content-type: text/plain', { 'content-type': 'text/plain' }],
  ['a content-type that is not a media type', { 'content-type': 'nonsense' }],
  ['no content-type at all', {}],
]

/** Adds `headers` to a signed request without a body (they are not part of the signature). */
const withHeaders = (headers: Record<string, string>): SignedOptions => ({
  tamper: (sent) => void Object.assign(sent.headers, headers),
})

describe('a signed request without a body reaches its route, whatever its content-type', () => {
  test.each(NO_BODY_FORMS)('sign-out (DELETE /v1/session), %s', async (_name, headers) => {
    const leaving = await server.signIn('code-leaving')
    const res = await server.signed(leaving, '/v1/session', {
      method: 'DELETE',
      ...withHeaders(headers),
    })
    expect(res.status).toBe(204)
    const after = await server.signed(leaving, '/v1/me/data')
    expect(after.status).toBe(401)
    expect(code(after.body)).toBe('ERR_SESSION_INVALID')
  })

  test.each(NO_BODY_FORMS)('erasure (DELETE /v1/me), %s', async (_name, headers) => {
    const erasing: SessionResponse = await server.signIn(`code-erase-${_name.length}`)
    const res = await server.signed(erasing, '/v1/me', {
      method: 'DELETE',
      ...withHeaders(headers),
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ erased: { users: 1, sessions: 1 } })
    const after = await server.signed(erasing, '/v1/me/data')
    expect(after.status).toBe(401)
    expect(code(after.body)).toBe('ERR_SESSION_INVALID')
  })

  test.each(NO_BODY_FORMS)('export (GET /v1/me/data), %s', async (_name, headers) => {
    const reading = await server.signIn('code-reading')
    const res = await server.signed(reading, '/v1/me/data', withHeaders(headers))
    expect(res.status).toBe(200)
  })
})

describe('public and admin routes without a body', () => {
  test.each([
    ['GET', '/v1/status'],
    ['GET', '/v1/cities?q=bei'],
    ['GET', '/v1/weather?cityId=beijing'],
  ])('%s %s with content-type: application/json -> 200', async (method, path) => {
    for (const [, headers] of NO_BODY_FORMS) {
      const res = await server.request(path, { method, headers })
      expect(res.status).toBe(200)
    }
  })

  test('admin routes without a body: the route answers, not the body parser', async () => {
    const login = await server.request('/v1/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: adminPassword }),
    })
    const { token } = login.body as { token: string }
    for (const [, headers] of NO_BODY_FORMS) {
      const auth = { ...headers, authorization: `Bearer ${token}` }
      // Nothing is open: the route's own answer, not a parser error.
      const end = await server.request('/v1/admin/incidents/end', { method: 'POST', headers: auth })
      expect(end.status).toBe(409)
      expect(code(end.body)).toBe('ERR_NO_OPEN_INCIDENT')
      const list = await server.request('/v1/admin/incidents', { headers: auth })
      expect(list.status).toBe(200)
    }
  })
})

describe('an empty body on a route that needs one gets the route’s validation error', () => {
  const emptyForms = NO_BODY_FORMS.filter(([, headers]) =>
    headers['content-type']?.startsWith('application/json'),
  )

  test.each(emptyForms)('POST /v1/session, %s -> 400 ERR_VALIDATION', async (_name, headers) => {
    const res = await server.request('/v1/session', { method: 'POST', headers })
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_VALIDATION')
  })

  test.each(emptyForms)(
    'POST /v1/admin/login, %s -> 400 ERR_VALIDATION',
    async (_name, headers) => {
      const res = await server.request('/v1/admin/login', { method: 'POST', headers })
      expect(res.status).toBe(400)
      expect(code(res.body)).toBe('ERR_VALIDATION')
    },
  )

  test.each([['/v1/me/consent'], ['/v1/monitor/errors']])(
    'signed POST %s with content-type: application/json and no body -> 400 ERR_VALIDATION',
    async (path) => {
      const user = await server.signIn('code-empty-post')
      const res = await server.signed(user, path, {
        method: 'POST',
        ...withHeaders({ 'content-type': 'application/json' }),
      })
      expect(res.status).toBe(400)
      expect(code(res.body)).toBe('ERR_VALIDATION')
    },
  )
})
