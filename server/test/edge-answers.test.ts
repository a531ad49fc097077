import { connect as tlsConnect } from 'node:tls'
import type { SessionResponse } from '../../src/services/api-contract'
import {
  startTestServer,
  testClock,
  within,
  type TestResponse,
  type TestServer,
  devAdminPassword,
} from './test-server'

/**
 * Answers at the edge of the API: requests too large to route, bodies that are not JSON, and
 * validation failures. Each gets its own status and stable code, a message a person can act
 * on, and the same security headers as every other answer.
 */
const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let session: SessionResponse
let adminToken: string
/** helmet's headers as a normal answer carries them: every edge answer must carry the same. */
let securityHeaders: Record<string, string>

/** The headers helmet sets (helmet 8 defaults, all on). */
const HELMET_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
]

beforeAll(async () => {
  server = await startTestServer({
    clock,
    // Hundreds of requests from one address: the per-address limit is tested on its own.
    env: {
      ADMIN_LOGINS_PER_MINUTE: '1000',
      ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF: '1000000',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  })
  session = await server.signIn('code-edge')
  const password = devAdminPassword(server)
  const login = await server.request('/v1/admin/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  })
  adminToken = (login.body as { token: string }).token
  const normal = await server.request('/v1/status')
  securityHeaders = Object.fromEntries(
    HELMET_HEADERS.map((name) => [name, String(normal.headers[name])]),
  )
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const message = (body: unknown) => (body as { error?: { message?: string } }).error?.message ?? ''

function expectSecurityHeaders(headers: TestResponse['headers']): void {
  expect(Object.keys(securityHeaders)).toHaveLength(HELMET_HEADERS.length)
  for (const [name, value] of Object.entries(securityHeaders)) {
    expect(value).not.toBe('undefined')
    expect([name, headers[name]]).toEqual([name, value])
  }
}

/**
 * Sends `text` as raw bytes over TLS and returns the raw answer: for requests Node's HTTP
 * parser refuses before any route runs, which an HTTP client cannot even send.
 */
function rawExchange(
  text: string,
): Promise<{ status: number; headers: TestResponse['headers']; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: server.ca }, () => {
      socket.write(text)
    })
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')))
    socket.on('end', () => {
      const [head, body] = received.split('\r\n\r\n')
      const [statusLine, ...lines] = head.split('\r\n')
      const headers: TestResponse['headers'] = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) })
    })
    // The server may close while the rest of an oversized request is still being written.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (received) socket.emit('end')
      else reject(error)
    })
  })
}

describe('oversized URLs and headers', () => {
  test.each([
    ['just over 8 KB', 8 * 1024 + 1],
    ['about 16 KB (what used to get "not valid HTTP")', 16 * 1024 + 100],
    ['20 KB', 20 * 1024],
  ])('a URL %s -> 414 ERR_URI_TOO_LONG with the security headers', async (_name, length) => {
    const path = '/v1/cities?q=' + 'x'.repeat(length - '/v1/cities?q='.length)
    const res = await server.request(path)
    expect(res.status).toBe(414)
    expect(code(res.body)).toBe('ERR_URI_TOO_LONG')
    expect(message(res.body)).toMatch(/8 KB/)
    expectSecurityHeaders(res.headers)
  })

  test('a URL of exactly 8 KB is routed as usual', async () => {
    const path = '/v1/cities?q=' + 'x'.repeat(8 * 1024 - '/v1/cities?q='.length)
    const res = await server.request(path)
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_VALIDATION')
  })

  test.each([
    ['one 20 KB header', { 'x-big': 'b'.repeat(20 * 1024) }],
    [
      '300 headers of 60 bytes',
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'c'.repeat(60)])),
    ],
  ])('%s -> 431 ERR_HEADERS_TOO_LARGE with the security headers', async (_name, headers) => {
    const res = await server.request('/v1/status', { headers })
    expect(res.status).toBe(431)
    expect(code(res.body)).toBe('ERR_HEADERS_TOO_LARGE')
    expect(message(res.body)).toMatch(/16 KB/)
    expectSecurityHeaders(res.headers)
  })

  test('15 KB of headers are fine', async () => {
    const res = await server.request('/v1/status', { headers: { 'x-big': 'b'.repeat(15 * 1024) } })
    expect(res.status).toBe(200)
  })

  test.each([
    ['a 100 KB URL', `GET /v1/cities?q=${'x'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'a 40 KB header',
      `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40 * 1024)}\r\n\r\n`,
    ],
  ])(
    'a request head over 32 KB (%s) is refused by the HTTP parser: 431 ERR_HEADERS_TOO_LARGE, same headers',
    async (_name, request) => {
      const res = await rawExchange(request)
      expect(res.status).toBe(431)
      expect(code(res.body)).toBe('ERR_HEADERS_TOO_LARGE')
      expect(message(res.body)).toMatch(/32 KB/)
      expectSecurityHeaders(res.headers)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    },
  )

  test('raw answers carry the maintenance signal too while an incident is open', async () => {
    server.db
      .prepare('INSERT INTO incidents (id, message, started_at) VALUES (?, ?, ?)')
      .run('inc-edge', '维护中', '2026-11-25T06:00:00.000Z')
    try {
      await within(2000, async () => {
        const res = await rawExchange(`GET /v1/status?q=${'x'.repeat(40 * 1024)} HTTP/1.1\r\n\r\n`)
        expect(res.status).toBe(431)
        expect(res.headers['x-maintenance']).toBe('1')
      })
    } finally {
      server.db.prepare("UPDATE incidents SET ended_at = '2026-11-25T07:00:00.000Z'").run()
    }
  })

  test('malformed HTTP: 400 ERR_BAD_REQUEST with the same security headers', async () => {
    const res = await rawExchange(
      'GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n',
    )
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_BAD_REQUEST')
    expectSecurityHeaders(res.headers)
  })
})

describe('bodies that are not JSON', () => {
  const NOT_JSON: Array<[string, Record<string, string>, string]> = [
    ['text/plain', { 'content-type': 'text/plain' }, '{"code":"abc"}'],
    ['no content-type', {}, '{"code":"abc"}'],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'code=abc'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
    ['XML', { 'content-type': 'application/xml' }, '<code>abc</code>'],
    ['a content-type that is not a media type', { 'content-type': 'nonsense' }, '{"code":"abc"}'],
  ]

  test.each(NOT_JSON)(
    'POST /v1/session with %s -> 415 ERR_UNSUPPORTED_MEDIA_TYPE',
    async (_name, headers, body) => {
      const res = await server.request('/v1/session', { method: 'POST', headers, body })
      expect(res.status).toBe(415)
      expect(code(res.body)).toBe('ERR_UNSUPPORTED_MEDIA_TYPE')
      expect(message(res.body)).toMatch(/application\/json/)
      expectSecurityHeaders(res.headers)
    },
  )

  test.each(NOT_JSON)('every route that takes a body: %s -> 415', async (_name, headers, body) => {
    const admin = { ...headers, authorization: `Bearer ${adminToken}` }
    for (const res of [
      await server.request('/v1/admin/login', { method: 'POST', headers, body }),
      await server.request('/v1/admin/incidents', { method: 'POST', headers: admin, body }),
      await server.signed(session, '/v1/me/consent', {
        method: 'POST',
        body,
        tamper: (sent) => {
          delete sent.headers['content-type']
          Object.assign(sent.headers, headers)
        },
      }),
      await server.signed(session, '/v1/monitor/errors', {
        method: 'POST',
        body,
        tamper: (sent) => {
          delete sent.headers['content-type']
          Object.assign(sent.headers, headers)
        },
      }),
    ]) {
      expect([res.status, code(res.body)]).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE'])
    }
  })

  test('JSON that does not parse is still 400 ERR_BAD_BODY', async () => {
    const res = await server.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"code":',
    })
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_BAD_BODY')
  })
})

describe('validation messages say which field and what is allowed', () => {
  const post = (path: string, body: unknown) =>
    server.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(body),
    })

  test.each<[string, () => Promise<TestResponse>, RegExp]>([
    ['weather with nothing', () => server.request('/v1/weather'), /cityId.*lat.*lon/],
    [
      'weather with a city and coordinates',
      () => server.request('/v1/weather?cityId=beijing&lat=39.9&lon=116.41'),
      /either cityId, or lat and lon/,
    ],
    [
      'weather with an unknown parameter',
      () => server.request('/v1/weather?cityId=beijing&debug=1'),
      /"debug" is not a query parameter .*cityId, lat, lon/,
    ],
    [
      'weather with a repeated city',
      () => server.request('/v1/weather?cityId=beijing&cityId=shanghai'),
      /"cityId" must be given once/,
    ],
    [
      'weather with a city id in capitals',
      () => server.request('/v1/weather?cityId=BEIJING'),
      /"cityId" may contain only lower-case letters, digits and -/,
    ],
    ['cities with limit=0', () => server.request('/v1/cities?limit=0'), /"limit".*1 to 100/],
    [
      'cities with a long search',
      () => server.request(`/v1/cities?q=${'x'.repeat(41)}`),
      /"q" must be at most 40 characters/,
    ],
    ['sign-in without a code', () => post('/v1/session', {}), /"code" is required/],
    ['sign-in with a number', () => post('/v1/session', { code: 42 }), /"code" must be text/],
    [
      'sign-in with an empty code',
      () => post('/v1/session', { code: '' }),
      /"code" must not be empty/,
    ],
    [
      'sign-in with a script',
      () => post('/v1/session', { code: '<script>' }),
      /"code" may contain only letters, digits, _ and -/,
    ],
    [
      'sign-in with an extra field',
      () => post('/v1/session', { code: 'abc', openid: 'o1' }),
      /"openid" is not a field .*accepts: code/,
    ],
    ['sign-in with a list', () => post('/v1/session', ['abc']), /body must be a JSON object/],
    [
      'an incident retrying too soon',
      () => post('/v1/admin/incidents', { message: 'm', retryAfterSeconds: 5 }),
      /"retryAfterSeconds" must be at least 10/,
    ],
    [
      'an incident retrying after 1.5 s',
      () => post('/v1/admin/incidents', { message: 'm', retryAfterSeconds: 10.5 }),
      /"retryAfterSeconds" must be a whole number/,
    ],
    [
      'an incident message with markup',
      () => post('/v1/admin/incidents', { message: '<b>down</b>' }),
      /"message" .*plain text/,
    ],
    [
      'a consent decision nobody knows',
      () =>
        server.signed(session, '/v1/me/consent', {
          method: 'POST',
          body: JSON.stringify({ policyVersion: '2026-11', decision: 'maybe' }),
        }),
      /"decision" must be one of: agreed, withdrawn/,
    ],
    [
      'a batch of 21 reports',
      () =>
        server.signed(session, '/v1/monitor/errors', {
          method: 'POST',
          body: JSON.stringify({ reports: Array.from({ length: 21 }, () => ({})) }),
        }),
      /"reports" must hold at most 20 items/,
    ],
  ])('%s', async (_name, send, expected) => {
    const res = await send()
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_VALIDATION')
    expect(message(res.body)).toMatch(expected)
    // Nothing of the validator's own vocabulary.
    expect(message(res.body)).not.toMatch(/oneOf|anyOf|schema|must NOT|must match|pattern|\^|\$/)
  })
})

/** Every API path and the methods it accepts, as server/README.md lists them (HEAD with GET). */
const ACCEPTED_METHODS: Array<[string, string[]]> = [
  ['/v1/status', ['GET', 'HEAD']],
  ['/v1/cities', ['GET', 'HEAD']],
  ['/v1/weather', ['GET', 'HEAD']],
  ['/v1/session', ['DELETE', 'POST']],
  ['/v1/monitor/errors', ['POST']],
  ['/v1/me/consent', ['POST']],
  ['/v1/me/data', ['GET', 'HEAD']],
  ['/v1/me', ['DELETE']],
  ['/v1/admin/login', ['POST']],
  ['/v1/admin/incidents', ['GET', 'HEAD', 'POST']],
  ['/v1/admin/incidents/end', ['POST']],
  ['/v1/admin/error-groups', ['GET', 'HEAD']],
  ['/v1/admin/audit', ['GET', 'HEAD']],
]
/** The methods that reach Fastify's router (Node 20's parser refuses others, QUERY included: 400). */
const ROUTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']

describe('a method the path does not accept: 405 with Allow', () => {
  const WRONG = ACCEPTED_METHODS.flatMap(([path, accepted]) =>
    ROUTED_METHODS.filter((method) => !accepted.includes(method)).map(
      (method) => [method, path, accepted.join(', ')] as const,
    ),
  )

  test.each(WRONG)(
    '%s %s -> 405 ERR_METHOD_NOT_ALLOWED, allow: %s',
    async (method, path, allow) => {
      const res = await server.request(path, { method })
      expect([res.status, res.headers.allow]).toEqual([405, allow])
      if (method !== 'HEAD') {
        expect(code(res.body)).toBe('ERR_METHOD_NOT_ALLOWED')
        expect(message(res.body)).toContain(allow)
      }
      expectSecurityHeaders(res.headers)
      expect(res.headers['cache-control']).toBe('no-store')
    },
  )

  test.each(ACCEPTED_METHODS)(
    '%s: the methods it accepts reach the route (neither 404 nor 405)',
    async (path, accepted) => {
      for (const method of accepted) {
        const res = await server.request(path, { method })
        expect([method, res.status]).not.toEqual([method, 404])
        expect([method, res.status]).not.toEqual([method, 405])
      }
    },
  )

  test.each([
    ['a JSON body', { 'content-type': 'application/json' }, '{"code":"abc"}'],
    ['a body that is not JSON', { 'content-type': 'text/plain' }, 'hello'],
    ['JSON that does not parse', { 'content-type': 'application/json' }, '{"code":'],
    ['a __proto__ key', { 'content-type': 'application/json' }, '{"__proto__":{}}'],
  ])('the method is judged before the body: PUT /v1/status with %s -> 405', async (_n, h, b) => {
    const res = await server.request('/v1/status', { method: 'PUT', headers: h, body: b })
    expect([res.status, code(res.body), res.headers.allow]).toEqual([
      405,
      'ERR_METHOD_NOT_ALLOWED',
      'GET, HEAD',
    ])
  })

  test('a percent-encoded path is the same path: POST /%761/status -> 405', async () => {
    const res = await server.request('/%761/st%61tus', { method: 'POST' })
    expect([res.status, code(res.body), res.headers.allow]).toEqual([
      405,
      'ERR_METHOD_NOT_ALLOWED',
      'GET, HEAD',
    ])
  })

  test.each(ROUTED_METHODS.filter((method) => method !== 'HEAD'))(
    'a path nobody serves is still 404 ERR_NOT_FOUND for %s',
    async (method) => {
      for (const path of ['/v1/nope', '/v1/status/extra', '/v2/status', '/nope']) {
        const res = await server.request(path, { method })
        expect([path, res.status, code(res.body)]).toEqual([path, 404, 'ERR_NOT_FOUND'])
        expect(res.headers.allow).toBeUndefined()
      }
    },
  )
})

describe('a body with a key that could change a prototype', () => {
  const FORBIDDEN: Array<[string, string, RegExp]> = [
    ['__proto__ at the top', '{"__proto__":{"admin":true},"code":"abc"}', /"__proto__"/],
    ['__proto__ holding a number', '{"__proto__":1}', /"__proto__"/],
    ['__proto__ nested in an object', '{"a":{"b":{"__proto__":{"x":1}}}}', /"__proto__"/],
    ['__proto__ in a list item', '{"reports":[{"kind":"error","__proto__":{}}]}', /"__proto__"/],
    [
      '__proto__ written with \\u escapes',
      '{"\\u005f\\u005fproto\\u005f\\u005f":{}}',
      /"__proto__"/,
    ],
    [
      '__proto__ 5,000 lists deep',
      `${'['.repeat(5000)}{"__proto__":{}}${']'.repeat(5000)}`,
      /"__proto__"/,
    ],
    ['constructor.prototype at the top', '{"constructor":{"prototype":{"x":1}}}', /"constructor"/],
    [
      'constructor.prototype nested in a list',
      '{"reports":[{"constructor":{"prototype":{}}}]}',
      /"constructor"/,
    ],
  ]
  const post = (path: string, body: string, signed: boolean) =>
    signed
      ? server.signed(session, path, { method: 'POST', body })
      : server.request(path, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${adminToken}`,
          },
          body,
        })
  const ROUTES_WITH_BODIES: Array<[string, boolean]> = [
    ['/v1/session', false],
    ['/v1/admin/login', false],
    ['/v1/admin/incidents', false],
    ['/v1/me/consent', true],
    ['/v1/monitor/errors', true],
  ]

  test.each(FORBIDDEN)(
    '%s -> 400 ERR_FORBIDDEN_KEY on every route that takes a body, saying what and why',
    async (_name, body, names) => {
      for (const [path, signed] of ROUTES_WITH_BODIES) {
        const res = await post(path, body, signed)
        expect([path, res.status, code(res.body)]).toEqual([path, 400, 'ERR_FORBIDDEN_KEY'])
        expect(message(res.body)).toMatch(names)
        expect(message(res.body)).toMatch(/prototype/)
        expectSecurityHeaders(res.headers)
      }
    },
  )

  test('"constructor" without "prototype" is only an unknown field: ERR_VALIDATION', async () => {
    const res = await post('/v1/session', '{"code":"abc","constructor":{"name":"x"}}', false)
    expect([res.status, code(res.body)]).toEqual([400, 'ERR_VALIDATION'])
  })

  test('"__proto__" as a value, not a key, is only text', async () => {
    const res = await post('/v1/session', '{"code":"__proto__"}', false)
    expect(res.status).toBe(201)
  })
})

describe('a query that is not valid percent-encoded UTF-8: 400 ERR_BAD_URL', () => {
  const BAD_QUERIES: Array<[string, string]> = [
    ['a byte that is not UTF-8', 'q=%FF'],
    ['a lone %', 'q=%'],
    ['% and one hex digit', 'q=%A'],
    ['% and no hex digits', 'q=%G1'],
    ['a cut UTF-8 sequence', 'q=%E4%B8'],
    ['an overlong encoding of /', 'q=%C0%AF'],
    ['a UTF-16 surrogate', 'q=%ED%A0%80'],
    ['the bad byte in a name', '%FF=1'],
    ['the bad byte after good fields', 'cityId=beijing&limit=1&x=%FF'],
  ]
  test.each(BAD_QUERIES)('%s (?%s) on every route', async (_name, query) => {
    for (const [path, [method]] of ACCEPTED_METHODS) {
      const res = await server.request(`${path}?${query}`, { method })
      expect([path, res.status, code(res.body)]).toEqual([path, 400, 'ERR_BAD_URL'])
      if (method !== 'HEAD') expect(message(res.body)).toMatch(/query/)
      expect(res.text).not.toContain(query)
      expectSecurityHeaders(res.headers)
    }
  })

  test.each([
    ['search', '/v1/cities?q=%FF'],
    ['limit', '/v1/cities?limit=%FF'],
    ['city', '/v1/weather?cityId=%FF'],
    ['coordinates', '/v1/weather?lat=%FF&lon=1'],
  ])('the routes that read a query: %s (%s)', async (_name, path) => {
    const res = await server.request(path)
    expect([res.status, code(res.body)]).toEqual([400, 'ERR_BAD_URL'])
  })

  test('the body is judged first: a body that is not JSON is 415 whatever the query', async () => {
    const res = await server.request('/v1/admin/login?%', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: ' ',
    })
    expect([res.status, code(res.body)]).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE'])
  })

  test('valid encodings still pass: UTF-8 text, an encoded %, + for a space', async () => {
    for (const path of [
      '/v1/cities?q=%E5%B9%BF%E4%B8%9C',
      '/v1/cities?q=100%25',
      '/v1/cities?q=a+b',
    ]) {
      expect([path, (await server.request(path)).status]).toEqual([path, 200])
    }
  })
})

describe('a malformed URL path: the JSON error shape, no echo, the same headers', () => {
  const BAD_PATHS: Array<[string, string]> = [
    ['a byte that is not UTF-8', '/v1/%ff'],
    ['at the root', '/%ff'],
    ['after a known path', '/v1/status%ff'],
    ['inside a known path', '/v1/me/%ff/data'],
    ['a cut UTF-8 sequence', '/v1/%e4%b8'],
    ['an overlong encoding of /', '/v1/%c0%af'],
    ['a UTF-16 surrogate', '/v1/%ed%a0%80'],
    ['with a query holding coordinates', '/v1/%ff?lat=39.9&lon=116.4'],
  ]
  test.each(BAD_PATHS)('%s (%s) -> 400 ERR_BAD_URL for every method', async (_name, path) => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await server.request(path, { method })
      expect([method, res.status, code(res.body)]).toEqual([method, 400, 'ERR_BAD_URL'])
      expect(message(res.body)).toMatch(/path/)
      expect(res.text).not.toMatch(/%ff|%e4|%c0|%ed|v1|39\.9/i)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expectSecurityHeaders(res.headers)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-ratelimit-limit']).toBeDefined()
      expect(res.headers.date).toBe(clock.now().toUTCString())
    }
  })

  test('over 8 KB it is 414 ERR_URI_TOO_LONG, as every URL is', async () => {
    const res = await server.request(`/v1/%ff?q=${'x'.repeat(9 * 1024)}`)
    expect([res.status, code(res.body)]).toEqual([414, 'ERR_URI_TOO_LONG'])
    expectSecurityHeaders(res.headers)
  })

  test('the maintenance signal too, while an incident is open', async () => {
    server.db
      .prepare('INSERT INTO incidents (id, message, started_at) VALUES (?, ?, ?)')
      .run('inc-bad-url', '维护中', '2026-11-25T06:00:00.000Z')
    try {
      await within(2000, async () => {
        const res = await server.request('/v1/%ff')
        expect([res.status, res.headers['x-maintenance']]).toEqual([400, '1'])
      })
    } finally {
      server.db.prepare("UPDATE incidents SET ended_at = '2026-11-25T07:00:00.000Z'").run()
    }
  })
})

describe('cache-control: no-store is chosen from the route, not from the URL as written', () => {
  /** Ways to write the same path: the router decodes them all to it. */
  const SPELLINGS: Array<[string, (path: string) => string]> = [
    ['the v of /v1 encoded', (path) => `/%76${path.slice(2)}`],
    ['the 1 of /v1 encoded', (path) => `/v%31${path.slice(3)}`],
    [
      'every letter encoded, upper-case hex',
      (path) => path.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    ],
    [
      'the last letter encoded, lower-case hex',
      (path) => `${path.slice(0, -1)}%${path.charCodeAt(path.length - 1).toString(16)}`,
    ],
  ]
  const CASES = ACCEPTED_METHODS.flatMap(([path, [method]]) =>
    SPELLINGS.map(([spelling, spell]) => [path, spelling, method, spell(path)] as const),
  )

  test.each(CASES)('%s, %s: %s %s', async (path, _spelling, method, spelled) => {
    const plain = await server.request(path, { method })
    const res = await server.request(spelled, { method })
    expect([spelled, res.status, code(res.body)]).toEqual([spelled, plain.status, code(plain.body)])
    expect(res.headers['cache-control']).toBe('no-store')
  })

  test.each(SPELLINGS)(
    'the data export, signed, with %s: 200 and no-store',
    async (_name, spell) => {
      const res = await server.signed(session, spell('/v1/me/data'))
      expect(res.status).toBe(200)
      expect(res.body).toHaveProperty('user')
      expect(res.headers['cache-control']).toBe('no-store')
    },
  )

  test.each(SPELLINGS)(
    'the admin reads, with a token, with %s: 200 and no-store',
    async (_n, spell) => {
      for (const path of ['/v1/admin/incidents', '/v1/admin/error-groups', '/v1/admin/audit']) {
        const res = await server.request(spell(path), {
          headers: { authorization: `Bearer ${adminToken}` },
        })
        expect([spell(path), res.status, res.headers['cache-control']]).toEqual([
          spell(path),
          200,
          'no-store',
        ])
      }
    },
  )
})
