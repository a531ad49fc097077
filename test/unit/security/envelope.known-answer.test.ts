import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto'
import type { AppErrorCode } from '../../../src/security/app-error'
import {
  deriveKeys,
  open,
  readHeader,
  seal,
  type EnvelopeKeys,
} from '../../../src/security/secure-storage/envelope'
import { codeOf } from './error-code'

// STORAGE: known answers. Every envelope below was written by the original (pre-optimisation)
// envelope.ts with the key, IV, name and expiry shown. Any later version must write exactly the
// same bytes for the same inputs and open them, or envelopes already on users' phones would be
// lost. node:crypto checks each one independently: the format is plain AES-256-CBC + PKCS#7 and
// HMAC-SHA256, nothing crypto-js-specific.
const KEY_ID = '5e1f00d2'
const MASTER = '0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186'
const keys = deriveKeys(KEY_ID, MASTER)
/** A fixed, made-up IV per case. Real code takes 16 fresh bytes from the platform for every write. */
const ivFor = (seed: number) =>
  Uint8Array.from({ length: 16 }, (_, i) => (seed * 29 + i * 53 + 7) & 0xff)
/** The bench's 1 KB value: a stored session. */
const SESSION_1KB =
  JSON.stringify({ token: 'A'.repeat(43), note: 'x'.repeat(1024) }).slice(0, 1022) + '"}'

const KNOWN: Array<
  [label: string, value: string, name: string, expiresAt: number, ivSeed: number, envelope: string]
> = [
  [
    'empty (one block of padding)',
    '',
    'session',
    1764144000000,
    1,
    'v1.5e1f00d2.1764144000000.JFmOw/gtYpfMATZroNUKPw==.uzMX09zzSBQYnEYUABI0Yw==.3666976f321019e9cf83fec61d39afcae2fc4ec912925d0bf096302d21ab17db',
  ],
  [
    'short ascii',
    'token-abc',
    'session',
    1764144000000,
    2,
    'v1.5e1f00d2.1764144000000.QXar4BVKf7TpHlOIvfInXA==.IwT8mjDxQCv96jwjNJXaqw==.2396c0b09298faf6a13328eaa7e1faf67ff2e928fcf259501bad1a4ec8e34ead',
  ],
  [
    'exactly one block',
    '0123456789abcdef',
    'prefs.v2',
    1799999999999,
    3,
    'v1.5e1f00d2.1799999999999.XpPI/TJnnNEGO3Cl2g9EeQ==.iOjTDFa8SSu8w+8S07uYg5r5Qq2DVsxVq8W4uA+MfJw=.7a2b9c912416dfba743114a2b3a12983808b115ac3b18e3b8b836ba9725a9ca2',
  ],
  [
    'unicode, astral plane',
    '北京 晴 ☀️ 𝄞 — “引号”',
    'profile_1',
    42,
    4,
    'v1.5e1f00d2.42.e7DlGk+Eue4jWI3C9yxhlg==.XKCF+uv9LUPdPwhHskMbBchHxMj+rG3X4tKuE/cJYvRKwLLYYF4cDHVX+CE0DJ6W.18481e6070e3a0a97ee7ecec34fef68ea1574e8b054e824c0f0f6b0c08b7a696',
  ],
  [
    'a non-ascii item name',
    'ascii value',
    '名字',
    9007199254740991,
    5,
    'v1.5e1f00d2.9007199254740991.mM0CN2yh1gtAdarfFEl+sw==.aZr+1QcWAzhRKNwhvxxeEg==.75bba6e1a6594703ef824fc92c7d7a3ad915c0035e6f86431fa1322d675eab70',
  ],
  [
    '1 KB session (the bench value)',
    SESSION_1KB,
    'session',
    1764147600000,
    6,
    'v1.5e1f00d2.1764147600000.teofVIm+8yhdksf8MWab0A==.3dws41BY/4bwxf0Ps5pkjbRlE21WvmGwHlC96x5b8EXj1SZNXHjSAGawq+Tua1ZDJkwtlrQSRbzSeaM/vIePQ9FC/nwln0FpNgB+sICqhmVz9r9yec1RWuhl7nViGJ16fDJ4U5VQHvGGhriRKUFoC3mASHLdVvI7Fff/At1HMZL6FAd8v1LMLf6RgY953yKKTQhe2aiG60F9a75Ukla8+k4+3hX3byJohZqfd535ie4DEAIPC+Mx6BZMiwYQnmRJAOZAOmvOgEnzYNfZ834zPFJG/y1Z57sNhU08YrIq6/yrNfw6hY47QUNOd7wMrGT5lpq+1jVmENUVSM2jfPwFVUS1g5o88snnEhP5KlhRD1AH+2yp5c5mAN2rlCGDF1iC/Gr71vgqHH/w+gkhA25qd7f+Z05hE0ANWDP4azzKZVFVHZXXhf9N+oKfZzeMytNP6GwZfqEdy8Hj9KJ485h98jTbpaX/6WY1fNogZI86lnIrnns6QWUXmqZba+nICzhhX7A/EmyonSzUCe3Vv7JSn9rFG6jsd5wJz3muUXkbLF6N5mU3iIVYH/exP2JemSfpyaWhs7qeyGIpJF42kDm/YHVC4SY8v3OkV1qnstUnpzpgVjbcmFJZJ1AAmTYRMeAODw93aMUTZd8xcHs8TyxXPaK5N+n/Itk32H99c7gO/Vx5AUjeG98fxDnHli/ljm5/0Cz8PPnWKq4rDMaMJ1nSE5J5QPyqiIYnyCC297Bz0csxJyX1eaVnt+IhckRrIIUKyw4pLL2Y5amqh4Vrmy/PVJEbjoO01FK+U8FmpwX9OpTTDZh0LGLhEmiYfRoYDCJNVpJJo1zkZ27FAAOSJsf+raCSjYBfn5+F4Im50OJhq0oGmk3i7BTjIoDtqUII+tnkkXNnHnFqk0FxhdqKBjYw4pqAVJ4ddjsTicWelnSgGJVlLTgFOtvUYX3d/5sSO7pNIu5u5+tiqhgwMMXvTuVZumncMTBs/uV5vfjiH57AWu9h+K7r+1FCEiZ7zes4jvWL+8+8DLINaypCnn7DNLtg4esTnhmChf5fOM2TvVLen8wBzR3dunamsAgdLAO8DnDRXzBdSCkCrQKFV3bQix+GhDAHasjfv6qr7JYNysKGVbPIu6AqcoWA/fMeaFK1wQpZ614irh9hN4h2k8IxuwYymuAKMMi+e5xMy1HKyf5Z+w6BF+B2xyVImo088sk/3STRC118vFTcDFGrCY/cJK27C5SDFcheoh1/JIY2+WkRx6IcfM3rbnFxHriJ+M7HNih8RfiBGrgikCGvy5o2VqRzjzG5CyNtfriUkriJx24E4GlXcup/8E31MO7OoNB7P85rfPYr2UxGJiUTuHTxDxefsisN2H8t8CxPiM/F8cbpxS4=.22ff8faba5bd4a05112745354e512758578ac3ecbef151c7467fa33997384f96',
  ],
]

/** The same two keys, derived by Node's OpenSSL: a standard implementation to check against. */
const NODE_KEYS = (() => {
  const master = Buffer.from(MASTER, 'hex')
  const derive = (label: string) => createHmac('sha256', master).update(label).digest()
  return {
    encryptionKey: derive('anxin/secure-storage/encryption/v1'),
    macKey: derive('anxin/secure-storage/mac/v1'),
  }
})()

/** What a standard implementation makes of an envelope. */
function openWithNode(envelope: string, name: string): { macValid: boolean; plaintext: string } {
  const { encryptionKey, macKey } = NODE_KEYS
  const parts = envelope.split('.')
  const body = parts.slice(0, 5).join('.')
  const mac = createHmac('sha256', macKey).update(`${name}\n${body}`, 'utf8').digest('hex')
  const decipher = createDecipheriv('aes-256-cbc', encryptionKey, Buffer.from(parts[3], 'base64'))
  const plaintext = Buffer.concat([
    decipher.update(Buffer.from(parts[4], 'base64')),
    decipher.final(),
  ]).toString('utf8')
  return { macValid: mac === parts[5], plaintext }
}

/** The envelope a standard implementation writes for these inputs (any bytes as plaintext). */
function sealWithNode(value: string | Buffer, name: string, expiresAt: number, iv: Uint8Array) {
  const cipher = createCipheriv('aes-256-cbc', NODE_KEYS.encryptionKey, iv)
  const plaintext = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return envelopeWithNode(ciphertext, name, expiresAt, iv)
}

/** An envelope around `ciphertext` as it is, with a correct MAC (what only a key holder can make). */
function envelopeWithNode(ciphertext: Buffer, name: string, expiresAt: number, iv: Uint8Array) {
  const { macKey } = NODE_KEYS
  const body = [
    'v1',
    KEY_ID,
    String(expiresAt),
    Buffer.from(iv).toString('base64'),
    ciphertext.toString('base64'),
  ].join('.')
  return `${body}.${createHmac('sha256', macKey).update(`${name}\n${body}`, 'utf8').digest('hex')}`
}

test('the derived keys are the ones the original code derived', () => {
  expect(keys.encryptionKey.toString()).toBe(
    'd9ddbe46dbd76279117e2c44a21e29f5cc4c9ce513b210b2cdd8a0213dbbbdcf',
  )
  expect(keys.macKey.toString()).toBe(
    '00cb4e100aaf9ca62b333741fc2b89adad35f509deb6fa4f89fcf37a202bdd28',
  )
})

describe.each(KNOWN)('%s', (_label, value, name, expiresAt, ivSeed, envelope) => {
  test('the same inputs seal to the same bytes as before', () => {
    expect(seal(value, keys, { name, expiresAt, iv: ivFor(ivSeed) })).toBe(envelope)
  })

  test('the envelope written before opens', () => {
    expect(open(envelope, keys, { name, now: expiresAt - 1 })).toBe(value)
    expect(readHeader(envelope)).toEqual({ keyId: KEY_ID, expiresAt })
  })

  test('a standard implementation agrees (MAC and plaintext)', () => {
    expect(openWithNode(envelope, name)).toEqual({ macValid: true, plaintext: value })
  })
})

describe('one set of keys serves any sequence of calls', () => {
  const [, value, name, expiresAt, ivSeed, envelope] = KNOWN[KNOWN.length - 1]
  const sealKnown = (k: EnvelopeKeys = keys) =>
    seal(value, k, { name, expiresAt, iv: ivFor(ivSeed) })

  test('a second key set, used in between, changes nothing for the first', () => {
    const other = deriveKeys('0badc0de', 'cd'.repeat(32))
    for (let round = 0; round < 3; round++) {
      const theirs = seal('theirs', other, { name, expiresAt, iv: ivFor(round) })
      expect(sealKnown()).toBe(envelope)
      expect(codeOf(() => open(theirs, keys, { name, now: 0 }))).toBe('ERR_TAMPERED')
      expect(open(theirs, other, { name, now: 0 })).toBe('theirs')
      expect(codeOf(() => open(envelope, other, { name, now: 0 }))).toBe('ERR_TAMPERED')
      expect(open(envelope, keys, { name, now: 0 })).toBe(value)
    }
  })

  test('keys derived again from the same master key (a new launch) read the same envelopes', () => {
    const again = deriveKeys(KEY_ID, MASTER)
    expect(again).not.toBe(keys)
    expect(open(envelope, again, { name, now: 0 })).toBe(value)
    expect(sealKnown(again)).toBe(envelope)
  })

  test('a large value in between leaves nothing behind', () => {
    const large = '天'.repeat(170_000)
    const sealed = seal(large, keys, { name, expiresAt, iv: ivFor(99) })
    expect(sealKnown()).toBe(envelope)
    expect(open(sealed, keys, { name, now: 0 })).toBe(large)
    expect(open(envelope, keys, { name, now: 0 })).toBe(value)
  })

  test('after every kind of failed open, sealing and opening still give the known bytes', () => {
    const [v, k, e, iv, ciphertext, mac] = envelope.split('.')
    const flipped = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`
    const failures: Array<[() => unknown, AppErrorCode]> = [
      [() => open([v, k, e, iv, flipped, mac].join('.'), keys, { name, now: 0 }), 'ERR_TAMPERED'],
      [() => open(envelope, keys, { name: 'profile', now: 0 }), 'ERR_TAMPERED'],
      [() => open(envelope, keys, { name, now: expiresAt }), 'ERR_EXPIRED'],
      [() => open(envelope.slice(0, -1), keys, { name, now: 0 }), 'ERR_TAMPERED'],
      [() => open(validMacBadUtf8(), keys, { name, now: 0 }), 'ERR_TAMPERED'],
      [() => open(validMacNotWholeBlocks(), keys, { name, now: 0 }), 'ERR_TAMPERED'],
      [() => open(validMacBadPadding(0), keys, { name, now: 0 }), 'ERR_TAMPERED'],
      [() => open(validMacBadPadding(17), keys, { name, now: 0 }), 'ERR_TAMPERED'],
    ]
    for (const [run, code] of failures) {
      expect(codeOf(run)).toBe(code)
      expect(sealKnown()).toBe(envelope)
      expect(open(envelope, keys, { name, now: 0 })).toBe(value)
    }
  })

  /**
   * An envelope with a correct MAC whose plaintext is not UTF-8: only someone holding the keys
   * can make one (a broken sealing side). Built with node:crypto from the test's known key.
   */
  function validMacBadUtf8(): string {
    return sealWithNode(Buffer.from([0xff, 0xfe, 0xc3]), name, expiresAt, ivFor(7))
  }

  /** A correct MAC over 17 bytes of ciphertext: AES-CBC only ever writes whole 16-byte blocks. */
  function validMacNotWholeBlocks(): string {
    return envelopeWithNode(Buffer.alloc(17, 1), name, expiresAt, ivFor(8))
  }

  /** A correct MAC over one block whose last plaintext byte, the PKCS#7 count, is `count`. */
  function validMacBadPadding(count: number): string {
    const cipher = createCipheriv('aes-256-cbc', NODE_KEYS.encryptionKey, ivFor(9))
    cipher.setAutoPadding(false)
    const block = Buffer.alloc(16, 0x61)
    block[15] = count
    const ciphertext = Buffer.concat([cipher.update(block), cipher.final()])
    return envelopeWithNode(ciphertext, name, expiresAt, ivFor(9))
  }
})

describe('the same bytes as a standard implementation, beyond the pinned cases', () => {
  // Every padding length (0-15 bytes over a block), every base64 tail (0-2 '='), and the lengths
  // where the text conversions switch to a second slice of 8,192 characters.
  const lengths = [
    ...Array.from({ length: 50 }, (_, i) => i),
    6_143,
    6_144,
    6_145,
    8_191,
    8_192,
    8_193,
    100_000,
  ]
  test.each(lengths)('%i ascii bytes', (length) => {
    const value = Array.from({ length }, (_, i) => String.fromCharCode(32 + (i % 95))).join('')
    const envelope = sealWithNode(value, 'session', 1_764_144_000_000, ivFor(length))
    expect(
      seal(value, keys, { name: 'session', expiresAt: 1_764_144_000_000, iv: ivFor(length) }),
    ).toBe(envelope)
    expect(open(envelope, keys, { name: 'session', now: 0 })).toBe(value)
  })

  // 2-, 3- and 4-byte UTF-8 characters at every position in a word, and across a slice boundary.
  const texts = [
    ...Array.from({ length: 8 }, (_, shift) => `${'a'.repeat(shift)}é中𝄞ß€😀${'z'.repeat(shift)}`),
    '天'.repeat(2_731), // 8,193 UTF-8 bytes
    '\u0000\u007f\u0080\u07ff\u0800\uffff',
  ]
  test.each(texts.map((text, i) => [i, text]))('unicode text %i', (i, text) => {
    const envelope = sealWithNode(text, 'profile', 42, ivFor(100 + i))
    expect(seal(text, keys, { name: 'profile', expiresAt: 42, iv: ivFor(100 + i) })).toBe(envelope)
    expect(open(envelope, keys, { name: 'profile', now: 0 })).toBe(text)
  })
})
