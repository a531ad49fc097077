import fc from 'fast-check'
import { join } from 'node:path'
import type { SessionResponse } from '../../src/services/api-contract'
import type { ApiErrorCode } from '../src/api-error'
import { startTestServer, testClock, type TestResponse, type TestServer } from './test-server'

/**
 * Property-based fuzzing of every route over real HTTPS: whatever arrives, the server answers
 * below 500 with a JSON error code that has its documented status, a message free of the
 * validator's internals, and the same security headers as every other answer; and it keeps
 * running.
 */
const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let session: SessionResponse
/** helmet's headers on a normal answer; every answer, errors included, must carry the same. */
let securityHeaders: Array<[string, string]>

/** Every code and its status, as server/README.md documents them (a new code must be added). */
const STATUS_OF_CODE: Record<ApiErrorCode, number> = {
  ERR_VALIDATION: 400,
  ERR_COORDINATES_TOO_PRECISE: 400,
  ERR_BAD_BODY: 400,
  ERR_FORBIDDEN_KEY: 400,
  ERR_BAD_REQUEST: 400,
  ERR_BAD_URL: 400,
  ERR_AUTH_REQUIRED: 401,
  ERR_SESSION_INVALID: 401,
  ERR_SESSION_EXPIRED: 401,
  ERR_LOGIN_CODE_INVALID: 401,
  ERR_ADMIN_LOGIN_FAILED: 401,
  ERR_ADMIN_AUTH_REQUIRED: 401,
  ERR_SIGNATURE_INVALID: 403,
  ERR_CLOCK_SKEW: 403,
  ERR_NONCE_REPLAYED: 403,
  ERR_ORIGIN_NOT_ALLOWED: 403,
  ERR_CONSENT_REQUIRED: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_CITY_NOT_FOUND: 404,
  ERR_INCIDENT_ALREADY_OPEN: 409,
  ERR_NO_OPEN_INCIDENT: 409,
  ERR_BODY_TOO_LARGE: 413,
  ERR_URI_TOO_LONG: 414,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_REQUEST_TIMEOUT: 408,
  ERR_RATE_LIMITED: 429,
  ERR_REPORT_BUDGET_EXCEEDED: 429,
  ERR_ADMIN_LOGIN_BACKOFF: 429,
  ERR_HEADERS_TOO_LARGE: 431,
  ERR_INTERNAL: 500,
  ERR_WEATHER_UPSTREAM: 502,
  ERR_WECHAT_UNAVAILABLE: 503,
}
const SECURITY_HEADER_NAMES = [
  'content-security-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'referrer-policy',
]

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: {
      // A web build to serve, so static-file paths are fuzzed too.
      WEB_ROOT: join(__dirname, 'fixtures', 'web'),
      RATE_LIMIT_PER_MINUTE: '100000',
      MONITOR_REPORTS_PER_USER_PER_MINUTE: '1000000',
      MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE: '1000000',
      ADMIN_LOGINS_PER_MINUTE: '1000',
      ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF: '1000000',
    },
  })
  session = await server.signInAgreed('code-fuzz')
  const normal = await server.request('/v1/status')
  securityHeaders = SECURITY_HEADER_NAMES.map((name) => [name, String(normal.headers[name])])
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
  // A path the router cannot decode: answered outside the routes, in the same shape.
  ['GET', '/v1/%ff/status'],
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
  for (const [name, value] of securityHeaders)
    expect([name, res.headers[name]]).toEqual([name, value])
  if (res.status >= 400) {
    const error = (res.body as { error?: { code?: ApiErrorCode; message?: string } }).error
    expect(error?.code).toMatch(/^ERR_[A-Z_]+$/)
    expect([error?.code, STATUS_OF_CODE[error!.code!]]).toEqual([error?.code, res.status])
    // Messages speak to a person, not in the validator's vocabulary.
    expect(error?.message).not.toMatch(/oneOf|anyOf|schema|must NOT|must match|#\//)
  }
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8']

/**
 * What the answer must be when the request's shape alone decides it, before any session or
 * validation: a non-JSON body on a route that reads bodies is 415, JSON that does not parse is
 * ERR_BAD_BODY. (A browser origin is checked first, so those requests are left out.)
 */
function expectBodyVerdict(
  method: string,
  body: string | undefined,
  headers: Record<string, string>,
  res: TestResponse,
): void {
  if (method === 'GET' || !body || headers.origin !== undefined) return
  const contentType = headers['content-type']
  const code = (res.body as { error?: { code?: string } }).error?.code
  if (!contentType || !JSON_TYPES.includes(contentType)) {
    expect([res.status, code]).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE'])
    return
  }
  let parses = true
  try {
    JSON.parse(body)
  } catch {
    parses = false
  }
  if (!parses) expect([res.status, code]).toEqual([400, 'ERR_BAD_BODY'])
}

test('anonymous requests with any query, body and headers: no 5xx, always a JSON error code', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      query,
      body,
      headers,
      async ([method, path], q, b, h) => {
        const sent = sendable(h)
        const res = await server.request(path + q, { method, headers: sent, body: b })
        expectWellFormed(res)
        expectBodyVerdict(method, b, sent, res)
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

test('oversized URLs: 414 ERR_URI_TOO_LONG on every route, with the security headers', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      fc.integer({ min: 8 * 1024 + 1, max: 24 * 1024 }),
      fc.constantFrom('?q=', '?', '/', '?cityId='),
      async ([method, path], length, joint) => {
        const url = path + joint + 'a'.repeat(Math.max(0, length - path.length - joint.length))
        const res = await server.request(url, { method })
        expectWellFormed(res)
        expect([res.status, (res.body as { error: { code: string } }).error.code]).toEqual([
          414,
          'ERR_URI_TOO_LONG',
        ])
      },
    ),
    { numRuns: 40 },
  )
}, 120_000)

test('oversized headers: 431 ERR_HEADERS_TOO_LARGE on every route, with the security headers', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      fc.integer({ min: 16 * 1024 + 1, max: 24 * 1024 }),
      fc.integer({ min: 1, max: 200 }),
      async ([method, path], size, count) => {
        // `count` headers that together hold `size` bytes of values.
        const each = Math.ceil(size / count)
        const headers = Object.fromEntries(
          Array.from({ length: count }, (_, i) => [`x-fuzz-${i}`, 'v'.repeat(each)]),
        )
        const res = await server.request(path, { method, headers })
        expectWellFormed(res)
        expect([res.status, (res.body as { error: { code: string } }).error.code]).toEqual([
          431,
          'ERR_HEADERS_TOO_LARGE',
        ])
      },
    ),
    { numRuns: 40 },
  )
}, 120_000)
