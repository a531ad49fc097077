import { join } from 'node:path'
import { readSettings, SettingsError } from '../src/settings'
import { startTestServer, type TestServer } from './test-server'

test('past the per-minute limit: 429 ERR_RATE_LIMITED with retry-after', async () => {
  const server = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '3' } })
  try {
    const statuses: number[] = []
    let last
    for (let i = 0; i < 4; i++) {
      last = await server.request('/v1/status')
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect((last?.body as { error: { code: string } }).error.code).toBe('ERR_RATE_LIMITED')
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0)
  } finally {
    await server.close()
  }
}, 60_000)

describe('every request counts towards the per-address limit, whatever its path', () => {
  const json = { 'content-type': 'application/json' }
  const KINDS: Array<
    [string, string, { method?: string; headers?: Record<string, string>; body?: string }]
  > = [
    ['the page (a static file)', '/', {}],
    ['a static file that is not there', '/js/missing.js', {}],
    ['an unknown path', '/nope', {}],
    ['an unknown API path', '/v1/nope', {}],
    ['a method the path does not accept', '/v1/status', { method: 'PUT' }],
    ['a malformed URL path', '/v1/%ff', {}],
    ['a malformed query', '/v1/cities?q=%FF', {}],
    ['a URL over 8 KB', `/v1/cities?q=${'x'.repeat(9 * 1024)}`, {}],
    [
      'a body with __proto__',
      '/v1/session',
      { method: 'POST', headers: json, body: '{"__proto__":{}}' },
    ],
    [
      'an admin sign-in',
      '/v1/admin/login',
      { method: 'POST', headers: json, body: '{"password":"x"}' },
    ],
    ['an error-report batch', '/v1/monitor/errors', { method: 'POST', headers: json, body: '{}' }],
  ]

  test.each(KINDS)(
    '%s: counted, and refused past the limit',
    async (_name, path, options) => {
      const server = await startTestServer({
        env: {
          RATE_LIMIT_PER_MINUTE: '3',
          ADMIN_LOGINS_PER_MINUTE: '100',
          MONITOR_REPORTS_PER_USER_PER_MINUTE: '1000000',
          MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE: '1000000',
          WEB_ROOT: join(__dirname, 'fixtures', 'web'),
        },
      })
      try {
        const statuses: number[] = []
        for (let i = 0; i < 3; i++) statuses.push((await server.request(path, options)).status)
        expect(statuses).not.toContain(429)
        const over = await server.request(path, options)
        expect([over.status, (over.body as { error?: { code?: string } }).error?.code]).toEqual([
          429,
          'ERR_RATE_LIMITED',
        ])
        expect(Number(over.headers['retry-after'])).toBeGreaterThan(0)
        expect(over.headers['content-security-policy']).toBeDefined()
        expect(over.headers['cache-control']).toBe('no-store')
        // The same address's ordinary requests share the count.
        expect((await server.request('/v1/status')).status).toBe(429)
      } finally {
        await server.close()
      }
    },
    60_000,
  )
})

describe('behind a reverse proxy (TRUST_PROXY)', () => {
  /** Requests from 127.0.0.1 (the test's own address) that say, through x-forwarded-for, whom they forward. */
  const statusesFor = async (server: TestServer, forwardedFor: string[]) => {
    const statuses: number[] = []
    for (const address of forwardedFor) {
      const res = await server.request('/v1/status', { headers: { 'x-forwarded-for': address } })
      statuses.push(res.status)
    }
    return statuses
  }

  test('from a trusted proxy: each forwarded client address has its own limit', async () => {
    const server = await startTestServer({
      env: { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' },
    })
    try {
      expect(server.settings.trustProxy).toEqual(['127.0.0.1'])
      expect(await statusesFor(server, ['203.0.113.1', '203.0.113.1', '203.0.113.1'])).toEqual([
        200, 200, 429,
      ])
      // Another user behind the same proxy is not blocked by the first one.
      expect(await statusesFor(server, ['203.0.113.2', '203.0.113.2'])).toEqual([200, 200])
      // A client cannot pick its address: it can only prepend to the header, and the proxy
      // appends the address it really saw. The rightmost untrusted address is the client.
      expect(await statusesFor(server, ['198.51.100.9, 203.0.113.1'])).toEqual([429])
    } finally {
      await server.close()
    }
  }, 60_000)

  test.each([
    ['TRUST_PROXY unset', {}],
    ['another proxy trusted', { TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }],
  ])(
    '%s: x-forwarded-for from 127.0.0.1 is ignored; the limit keys on the peer',
    async (_name, env) => {
      const server = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '2', ...env } })
      try {
        // Three different claimed addresses, one real peer: one shared limit.
        expect(await statusesFor(server, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([
          200, 200, 429,
        ])
      } finally {
        await server.close()
      }
    },
    60_000,
  )

  test('admin sign-in attempts are limited per forwarded address too', async () => {
    const server = await startTestServer({
      env: { ADMIN_LOGINS_PER_MINUTE: '1', TRUST_PROXY: '127.0.0.1' },
    })
    try {
      const attempt = (address: string) =>
        server.request('/v1/admin/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ password: 'wrong' }),
        })
      expect((await attempt('203.0.113.1')).status).toBe(401)
      expect((await attempt('203.0.113.1')).status).toBe(429)
      expect((await attempt('203.0.113.2')).status).toBe(401)
    } finally {
      await server.close()
    }
  }, 60_000)

  test('settings: off by default; addresses and CIDR ranges, IPv4 and IPv6', () => {
    expect(readSettings({}).trustProxy).toEqual([])
    expect(
      readSettings({ TRUST_PROXY: ' 10.0.0.1, 172.16.0.0/12,::1 , fd00::/8' }).trustProxy,
    ).toEqual(['10.0.0.1', '172.16.0.0/12', '::1', 'fd00::/8'])
    // The broadest ranges accepted: a /8 (IPv4), a /32 (IPv6), unique local addresses (fc00::/7).
    expect(
      readSettings({ TRUST_PROXY: '10.0.0.0/8,2001:db8::/32,fc00::/7,::ffff:10.0.0.0/104' })
        .trustProxy,
    ).toHaveLength(4)
  })
})

test('defaults need no set-up', () => {
  const settings = readSettings({})
  expect(settings.port).toBe(8443)
  expect(settings.host).toBe('127.0.0.1')
  expect(settings.tls).toBeUndefined()
  expect(settings.dataDir).toMatch(/\.data$/)
})

test.each([
  ['PORT=abc', { PORT: 'abc' }, 'PORT must be a whole number from 1 to 65535, got "abc"'],
  ['PORT=70000', { PORT: '70000' }, 'PORT must be a whole number'],
  [
    'a certificate without its key',
    { TLS_CERT_FILE: '/etc/cert.pem' },
    'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
  ],
  // Removed (security review, finding 5): the server never answered a CORS preflight, so a
  // listed origin could not call the API anyway; saying so beats ignoring the setting.
  [
    'ALLOWED_ORIGINS (removed)',
    { ALLOWED_ORIGINS: 'https://example.com' },
    'ALLOWED_ORIGINS was removed',
  ],
  [
    'a zero rate limit',
    { RATE_LIMIT_PER_MINUTE: '0' },
    'RATE_LIMIT_PER_MINUTE must be a whole number',
  ],
  [
    'an appid without its secret',
    { WECHAT_APPID: 'wx0123456789abcdef' },
    'WECHAT_APPID and WECHAT_SECRET must be set together',
  ],
  [
    'a malformed appid',
    { WECHAT_APPID: 'touristappid', WECHAT_SECRET: '0123456789abcdef0123456789abcdef' },
    'WECHAT_APPID must look like wx',
  ],
  [
    'a password instead of its hash',
    { ADMIN_PASSWORD_HASH: 'hunter2' },
    'ADMIN_PASSWORD_HASH must be a bcrypt hash',
  ],
  [
    'a weak bcrypt cost',
    { ADMIN_PASSWORD_HASH: `$2b$04$${'a'.repeat(53)}` },
    'a bcrypt cost of at least 10',
  ],
  ['a short server secret', { SERVER_SECRET: 'short' }, 'SERVER_SECRET must be at least 32'],
  ['an unknown weather provider', { WEATHER_PROVIDER: 'yahoo' }, 'WEATHER_PROVIDER must be'],
  ['a one-second session', { SESSION_TTL_SECONDS: '1' }, 'SESSION_TTL_SECONDS must be'],
  [
    'TRUST_PROXY=true (anyone could choose their address)',
    { TRUST_PROXY: 'true' },
    'TRUST_PROXY must list the addresses of your proxies',
  ],
  ['TRUST_PROXY=*', { TRUST_PROXY: '*' }, 'TRUST_PROXY must list the addresses of your proxies'],
  [
    'TRUST_PROXY with a host name',
    { TRUST_PROXY: 'nginx.internal' },
    'TRUST_PROXY: "nginx.internal" is not an IP address or a CIDR range like 10.0.0.0/8',
  ],
  [
    'TRUST_PROXY with a prefix too long',
    { TRUST_PROXY: '10.0.0.0/33' },
    'TRUST_PROXY: "10.0.0.0/33" is not an IP address or a CIDR range',
  ],
  [
    'TRUST_PROXY with an IPv6 prefix too long',
    { TRUST_PROXY: 'fd00::/129' },
    'TRUST_PROXY: "fd00::/129" is not an IP address or a CIDR range',
  ],
  ['TRUST_PROXY with a bad address', { TRUST_PROXY: '10.0.0.256' }, 'TRUST_PROXY: "10.0.0.256"'],
  // Finding 4b: "everyone" written as ranges broader than any private network.
  ...[
    '0.0.0.0/1,128.0.0.0/1',
    '0.0.0.0/0',
    '10.0.0.0/7',
    '192.0.0.0/2',
    '::/1',
    '8000::/1',
    '2000::/3',
    '2001:db8::/31',
    '::/0',
    'fc00::/6',
    '::ffff:0.0.0.0/96',
    '::ffff:0:0/103',
  ].map((value): [string, Record<string, string>, string] => [
    `TRUST_PROXY=${value} (too broad)`,
    { TRUST_PROXY: value },
    'TRUST_PROXY',
  ]),
  [
    'production without its secrets',
    { NODE_ENV: 'production' },
    'production needs TLS_CERT_FILE and TLS_KEY_FILE',
  ],
])('bad setting %s stops start-up with a readable message', (_name, env, message) => {
  expect(() => readSettings(env)).toThrow(SettingsError)
  expect(() => readSettings(env)).toThrow(message)
})

test('production lists every missing secret; with them it starts', () => {
  expect(() => readSettings({ NODE_ENV: 'production' })).toThrow(
    /TLS_CERT_FILE[\s\S]*WECHAT_APPID[\s\S]*ADMIN_PASSWORD_HASH[\s\S]*SERVER_SECRET/,
  )
  const settings = readSettings({
    NODE_ENV: 'production',
    TLS_CERT_FILE: '/etc/tls/cert.pem',
    TLS_KEY_FILE: '/etc/tls/key.pem',
    WECHAT_APPID: 'wx0123456789abcdef',
    WECHAT_SECRET: '0123456789abcdef0123456789abcdef',
    ADMIN_PASSWORD_HASH: `$2b$12$${'a'.repeat(53)}`,
    SERVER_SECRET: 'x'.repeat(64),
    WEATHER_PROVIDER: 'open-meteo',
  })
  expect(settings.production).toBe(true)
  expect(settings.weatherProvider).toBe('open-meteo')
  expect(settings.wechat?.appId).toBe('wx0123456789abcdef')
})

test('every problem is reported at once', () => {
  try {
    readSettings({ PORT: 'x', ALLOWED_ORIGINS: 'ftp://a' })
    throw new Error('expected a SettingsError')
  } catch (error) {
    expect((error as SettingsError).problems).toHaveLength(2)
  }
})
