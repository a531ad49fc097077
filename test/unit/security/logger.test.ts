import { AppError } from '../../../src/security/app-error'
import {
  createLogger,
  isSecretName,
  logger,
  redact,
  type LogRecord,
} from '../../../src/security/sensitive/logger'

// SENSITIVE: the one logger. Whatever a caller hands it, what reaches the console (or any sink)
// has gone through the field-name rule and the scrubber.

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const records: LogRecord[] = []
  const log = createLogger({ sink: (record) => records.push(record), level })
  return { log, records }
}

describe('the field-name rule', () => {
  test.each([
    // credentials
    'token',
    'accessToken',
    'access_token',
    'refresh-token',
    'X-Auth-Token',
    'secret',
    'appSecret',
    'password',
    'newPassword',
    'passwd',
    'pwd',
    'key',
    'apiKey',
    'signingKey',
    'session_key',
    'sessionKey',
    'signature',
    'X-Signature',
    'sign',
    'authorization',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'credentials',
    'jsapi_ticket',
    'otp',
    // WeChat identifiers and the login code
    'openid',
    'openId',
    'OPENID',
    'unionid',
    'unionId',
    'code',
    'js_code',
    'loginCode',
    // personal data
    'phone',
    'phoneNumber',
    'mobile',
    'email',
    'idCard',
    'id_card',
    'idNumber',
    'cardNumber',
    'bankCard',
    'latitude',
    'longitude',
    'lat',
    'lng',
    'lon',
  ])('%s is redacted', (name) => {
    expect(isSecretName(name)).toBe(true)
  })

  test.each([
    'cityId',
    'id',
    'city',
    'name',
    'province',
    'status',
    'count',
    'durationMs',
    'route',
    'page',
    'item',
    'source',
    'event',
    'reason',
    'platform',
    'keyboard',
    'monkey',
    'tokenizer',
    'secretary',
    'passage',
    'flat',
    'translate',
    'signedIn',
    'design',
    'unicode',
    'encode',
  ])('%s is kept', (name) => {
    expect(isSecretName(name)).toBe(false)
  })
})

describe('redact', () => {
  test.each([
    ['a token field', { token: 'abc123' }, { token: '[redacted]' }],
    [
      'a nested secret',
      { session: { signingKey: '00ff' } },
      { session: { signingKey: '[redacted]' } },
    ],
    [
      'an openid, however spelt',
      { openId: 'oAbC', OPENID: 'oDeF' },
      { openId: '[redacted]', OPENID: '[redacted]' },
    ],
    ['a harmless id', { cityId: 'beijing' }, { cityId: 'beijing' }],
    ['a number field', { durationMs: 120 }, { durationMs: 120 }],
    [
      'a coordinate by name',
      { lat: 39.9042, lng: 116.4074 },
      { lat: '[redacted]', lng: '[redacted]' },
    ],
    ['a phone inside text', { note: 'call 13812345678 back' }, { note: 'call [phone] back' }],
    ['an email inside text', { note: 'from zhang.san@example.com' }, { note: 'from [email]' }],
    ['a key that is itself data', { '13812345678': true }, { '[phone]': true }],
    ['an array', { ids: ['13812345678', 'ok'] }, { ids: ['[phone]', 'ok'] }],
    [
      'booleans, null and undefined',
      { a: true, b: null, c: undefined },
      { a: true, b: null, c: undefined },
    ],
    // `code`: the login code is secret; stable error codes and statuses are what logs are for.
    ['an error code', { code: 'ERR_TIMEOUT' }, { code: 'ERR_TIMEOUT' }],
    ['a Node error code', { code: 'ECONNRESET' }, { code: 'ECONNRESET' }],
    ['an HTTP status', { statusCode: 502 }, { statusCode: 502 }],
    ['a WeChat errcode', { errcode: 40029 }, { errcode: 40029 }],
    ['a login code', { code: '0a3Xyz1w3Kq6B02ghE0w3qgKvb2Xyz1P' }, { code: '[redacted]' }],
    ['a six-digit one-time code', { code: 123456 }, { code: '[redacted]' }],
    ['a code with text after it', { code: 'ERR_X 13812345678' }, { code: '[redacted]' }],
  ])('%s', (_name, input, expected) => {
    expect(redact(input)).toEqual(expected)
  })

  test('an AppError: name, code, details and a scrubbed message (the cause is never read)', () => {
    const error = new AppError('ERR_REQUEST_REJECTED', 'refused for 13812345678', {
      cause: { token: 'secret-cause' },
      details: { status: 403, serverCode: 'ERR_SIGNATURE_INVALID' },
    })
    const out = redact({ error }) as { error: Record<string, unknown> }
    expect(out.error).toMatchObject({
      name: 'AppError',
      code: 'ERR_REQUEST_REJECTED',
      message: 'refused for [phone]',
      details: { status: 403, serverCode: 'ERR_SIGNATURE_INVALID' },
    })
    expect(JSON.stringify(out)).not.toContain('secret-cause')
    expect(JSON.stringify(out)).not.toContain('13812345678')
  })

  test('a plain Error keeps a scrubbed stack', () => {
    const error = new Error('lookup failed for a@example.com')
    const out = redact(error) as Record<string, string>
    expect(out.message).toBe('lookup failed for [email]')
    expect(out.stack).toContain('[email]')
    expect(out.stack).not.toContain('a@example.com')
  })

  test('cycles, depth, size and hostile getters cannot break it', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(redact(cyclic)).toEqual({ name: 'loop', self: '[circular]' })

    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } }
    expect(JSON.stringify(redact(deep))).toContain('[too deep]')

    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]))
    const out = redact(wide) as Record<string, unknown>
    expect(Object.keys(out)).toHaveLength(31)
    expect(out['…']).toBe('70 more fields')

    const long = redact({ text: `${'x'.repeat(5000)} 13812345678` }) as { text: string }
    expect(long.text.length).toBeLessThanOrEqual(1001)
    expect(redact({ list: Array.from({ length: 50 }, () => 1) })).toEqual({
      list: [...Array.from({ length: 20 }, () => 1), '… 30 more'],
    })

    const hostile = {
      get boom() {
        throw new Error('13812345678')
      },
    }
    expect(redact(hostile)).toEqual({ boom: '[unreadable]' })
  })

  test('functions, symbols, bigints and dates', () => {
    expect(
      redact({ f: () => 1, s: Symbol('x'), n: BigInt(7), d: new Date('2026-01-02T03:04:05Z') }),
    ).toEqual({ f: '[function]', s: '[symbol]', n: '7', d: '2026-01-02T03:04:05.000Z' })
  })
})

describe('createLogger', () => {
  test('the message is scrubbed and fields redacted before the sink sees them', () => {
    const { log, records } = capture()
    log.warn('sign-in failed for 13812345678', { token: 't0k3n', cityId: 'beijing' })
    expect(records).toEqual([
      {
        level: 'warn',
        message: 'sign-in failed for [phone]',
        fields: { token: '[redacted]', cityId: 'beijing' },
      },
    ])
  })

  test('levels below the threshold are dropped (default: info)', () => {
    const { log, records } = capture()
    log.debug('noise')
    log.info('kept')
    log.error('kept too')
    expect(records.map((r) => r.level)).toEqual(['info', 'error'])
    const verbose = capture('debug')
    verbose.log.debug('now kept')
    expect(verbose.records).toHaveLength(1)
  })

  test('a sink that throws does not break the caller', () => {
    const log = createLogger({
      sink: () => {
        throw new Error('sink down')
      },
    })
    expect(() => log.error('still fine')).not.toThrow()
  })

  test('the app logger writes to the console, redacted', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      logger.warn('request failed', { authorization: 'Bearer abc', status: 401 })
      expect(warn).toHaveBeenCalledTimes(1)
      expect(JSON.stringify(warn.mock.calls[0])).not.toContain('abc')
      expect(warn.mock.calls[0][0]).toContain('request failed')
    } finally {
      warn.mockRestore()
    }
  })
})
