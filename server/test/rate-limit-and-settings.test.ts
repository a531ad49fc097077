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
])('bad setting %s stops start-up with a readable message', (_name, env, message) => {
  expect(() => readSettings(env)).toThrow(SettingsError)
  expect(() => readSettings(env)).toThrow(message)
})

test('every problem is reported at once', () => {
  try {
    readSettings({ PORT: 'x', ALLOWED_ORIGINS: 'ftp://a' })
    throw new Error('expected a SettingsError')
  } catch (error) {
    expect((error as SettingsError).problems).toHaveLength(2)
  }
})
