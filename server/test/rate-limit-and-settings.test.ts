import { readSettings, SettingsError } from '../src/settings'
import { startTestServer } from './test-server'

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
  ['an http origin', { ALLOWED_ORIGINS: 'http://example.com' }, 'is not an https origin'],
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
