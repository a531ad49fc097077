import { createHash, createHmac } from 'node:crypto'
import {
  EMPTY_BODY_SHA256,
  NONCE_PATTERN,
  SIGNATURE_PATTERN,
  stringToSign,
  TIMESTAMP_PATTERN,
} from '../../../src/security/transport/request-signing'
import { bodySha256, signatureHeaders } from '../../../src/security/transport/sign-request'
import { canonicalPathAndQuery } from '../../../src/security/transport/canonical-url'

const hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

test('the worked example in docs/request-signing.md', () => {
  const body = '{"policyVersion":"2026-11","decision":"agreed"}'
  expect(hex(body)).toBe('1bebc6da68de7a73ba85a3f0bf68400ae3372ec12bfbc17957066be88854824e')
  const text = stringToSign({
    method: 'post',
    pathWithQuery: '/v1/me/consent',
    timestamp: '1795650600000',
    nonce: '9f86d081884c7d65',
    bodySha256: hex(body),
  })
  expect(text.split('\n')).toEqual([
    'ANXIN-HMAC-SHA256-V1',
    'POST',
    '/v1/me/consent',
    '1795650600000',
    '9f86d081884c7d65',
    hex(body),
  ])
  const key = Buffer.from('4f1c8a2b9d0e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a', 'hex')
  expect(createHmac('sha256', key).update(text).digest('hex')).toBe(
    'f7e8792726fc6b3b79e455d55054361b6c2cede77ed181e5d019aa3539faa17a',
  )
})

test('the worked example with Chinese text in docs/request-signing.md', () => {
  const wire = canonicalPathAndQuery('/v1/weather', { cityId: '北京', note: '晴 +1&x=#' })
  expect(wire).toBe('/v1/weather?cityId=%E5%8C%97%E4%BA%AC&note=%E6%99%B4%20%2B1%26x%3D%23')
  const text = stringToSign({
    method: 'GET',
    pathWithQuery: wire,
    timestamp: '1795650600000',
    nonce: '9f86d081884c7d65',
    bodySha256: EMPTY_BODY_SHA256,
  })
  const key = Buffer.from('4f1c8a2b9d0e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a', 'hex')
  const expected = '66353cca1438709da0d4847f1b6d99a46af63c13ea92c8bd59327ffacac9548e'
  expect(createHmac('sha256', key).update(text).digest('hex')).toBe(expected)
  // The app's signer (crypto-js) agrees with node:crypto on the same wire form.
  expect(
    signatureHeaders({
      method: 'GET',
      pathWithQuery: wire,
      body: '',
      timestamp: 1795650600000,
      nonce: '9f86d081884c7d65',
      signingKey: key.toString('hex'),
    })['x-signature'],
  ).toBe(expected)
})

test('the empty-body hash is SHA-256 of nothing', () => {
  expect(EMPTY_BODY_SHA256).toBe(hex(''))
})

test.each([
  [
    'timestamp',
    TIMESTAMP_PATTERN,
    '1795650600000',
    ['179565060000', '1795650600.000', '-795650600000', ''],
  ],
  [
    'nonce',
    NONCE_PATTERN,
    'a1B2_c3-D4e5F6g7',
    ['short', 'x'.repeat(65), 'has space in it!!', '<script>alert(1)</script>'],
  ],
  [
    'signature',
    SIGNATURE_PATTERN,
    'a'.repeat(64),
    ['A'.repeat(64), 'a'.repeat(63), 'g'.repeat(64)],
  ],
])('%s pattern accepts the agreed form and nothing else', (_name, pattern, good, bad) => {
  expect(pattern.test(good)).toBe(true)
  for (const value of bad) expect(pattern.test(value)).toBe(false)
})

describe("the app's signer (crypto-js) gives the worked example's signature", () => {
  const example = {
    method: 'POST',
    pathWithQuery: '/v1/me/consent',
    body: '{"policyVersion":"2026-11","decision":"agreed"}',
    timestamp: 1795650600000,
    nonce: '9f86d081884c7d65',
    signingKey: '4f1c8a2b9d0e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a',
  }

  test('headers', () => {
    expect(signatureHeaders(example)).toEqual({
      'x-timestamp': '1795650600000',
      'x-nonce': '9f86d081884c7d65',
      'x-signature': 'f7e8792726fc6b3b79e455d55054361b6c2cede77ed181e5d019aa3539faa17a',
    })
  })

  test('body hashes match node:crypto, unicode included', () => {
    for (const body of ['', 'a', example.body, '{"message":"北京 ☀️ 𝄞"}']) {
      expect(bodySha256(body)).toBe(hex(body))
    }
  })

  test.each([
    ['a short key', { signingKey: 'ab'.repeat(16) }],
    ['an upper-case key', { signingKey: example.signingKey.toUpperCase() }],
    ['a base64 key', { signingKey: Buffer.from(example.signingKey, 'hex').toString('base64') }],
  ])('%s is refused with ERR_INVALID_INPUT', (_label, change) => {
    expect(() => signatureHeaders({ ...example, ...change })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_INPUT' }),
    )
  })
})
