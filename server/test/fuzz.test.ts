import fc from 'fast-check'
import { join } from 'node:path'
import type { SessionResponse } from '../../src/services/api-contract'
import { startTestServer, testClock, type TestResponse, type TestServer } from './test-server'

/**
 * Property-based fuzzing of every route over real HTTPS: whatever arrives, the server answers
 * below 500 with a JSON error code, and keeps running.
 */
const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let session: SessionResponse

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: {
      // A web build to serve, so static-file paths are fuzzed too.
      WEB_ROOT: join(__dirname, 'fixtures', 'web'),
      RATE_LIMIT_PER_MINUTE: '100000',
      MONITOR_BATCHES_PER_MINUTE: '100000',
      ADMIN_LOGINS_PER_MINUTE: '1000',
    },
  })
  session = await server.signIn('code-fuzz')
}, 60_000)
afterAll(async () => server?.close())

const ROUTES: Array<[string, string]> = [
  ['GET', '/v1/status'],
  ['GET', '/v1/cities'],
  ['GET', '/v1/weather'],
  ['POST', '/v1/session'],
  ['DELETE', '/v1/session'],
  ['POST', '/v1/monitor/errors'],
  ['POST', '/v1/me/consent'],
  ['GET', '/v1/me/data'],
  ['DELETE', '/v1/me'],
  ['POST', '/v1/admin/login'],
  ['POST', '/v1/admin/incidents'],
  ['POST', '/v1/admin/incidents/end'],
  ['GET', '/v1/admin/incidents'],
  ['GET', '/v1/admin/error-groups'],
  ['GET', '/v1/admin/audit'],
  ['GET', '/'],
  ['GET', '/js/app.js'],
  ['GET', '/../server.db'],
  ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
]

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    "' OR '1'='1",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '__proto__',
  ),
)
const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(fc.constantFrom('cityId', 'lat', 'lon', 'q', 'limit', 'x', '__proto__'), anyText, {
      maxKeys: 4,
    })
    .map((params) =>
      Object.keys(params).length
        ? `?${Object.entries(params)
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join('&')}`
        : '',
    ),
  // Raw, possibly malformed percent-encoding.
  fc.stringMatching(/^[A-Za-z0-9%=&.\-_~]{0,30}$/).map((raw) => `?${raw}`),
)
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.record({ code: anyText }).map((value) => JSON.stringify(value)),
  fc
    .record({
      reports: fc.array(
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
        { maxLength: 3 },
      ),
    })
    .map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
)
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
    ),
    authorization: fc.oneof(
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
      fc.constant(`Bearer ${'A'.repeat(43)}`),
      fc.string({ maxLength: 30 }),
    ),
    'x-timestamp': fc.oneof(fc.integer().map(String), fc.string({ maxLength: 20 })),
    'x-nonce': fc.string({ maxLength: 70 }),
    'x-signature': fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ maxLength: 70 })),
    origin: fc.constantFrom('https://evil.example', 'null'),
  },
  { requiredKeys: [] },
)

/** Header values Node's HTTP client refuses to send are not the server's concern. */
const sendable = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v)))

function expectWellFormed(res: TestResponse): void {
  expect(res.status).toBeLessThan(500)
  if (res.status >= 400) {
    expect((res.body as { error?: { code?: string } }).error?.code).toMatch(/^ERR_[A-Z_]+$/)
  }
}

test('anonymous requests with any query, body and headers: no 5xx, always a JSON error code', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      query,
      body,
      headers,
      async ([method, path], q, b, h) => {
        const res = await server.request(path + q, { method, headers: sendable(h), body: b })
        expectWellFormed(res)
      },
    ),
    { numRuns: 400 },
  )
  expect((await server.request('/v1/status')).status).toBe(200)
}, 120_000)

test('validly signed requests with any body: no 5xx, always a JSON error code', async () => {
  const signedRoutes = ROUTES.filter(
    ([, path]) => /^\/v1\/(me|monitor)/.test(path) && path !== '/v1/me',
  )
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...signedRoutes),
      query,
      body,
      async ([method, path], q, b) => {
        const res = await server.signed(session, path + q, { method, body: b })
        expectWellFormed(res)
      },
    ),
    { numRuns: 200 },
  )
  expect((await server.signed(session, '/v1/me/data')).status).toBe(200)
}, 120_000)
