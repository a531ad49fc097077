import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import CryptoJS from 'crypto-js/core'
import type { AppErrorCode } from '../../../src/security/app-error'
import {
  deriveKeys,
  open,
  seal,
  type EnvelopeKeys,
} from '../../../src/security/secure-storage/envelope'
import { codeOf } from './error-code'

// STORAGE: the sealed envelope, with real AES and HMAC and a frozen clock.
const NOW = Date.UTC(2026, 10, 26, 8, 0, 0)
const HOUR = 60 * 60 * 1000
const keys = deriveKeys('0a1b2c3d', randomBytes(32).toString('hex'))
const sealAt = (value: string, k: EnvelopeKeys = keys, name = 'session') =>
  seal(value, k, { name, expiresAt: NOW + HOUR, iv: new Uint8Array(randomBytes(16)) })
const openNow = (envelope: unknown, k: EnvelopeKeys = keys, name = 'session', now = NOW) =>
  open(envelope, k, { name, now })

describe('round trips', () => {
  test.each([
    ['empty', ''],
    ['ascii', 'token-abc'],
    ['unicode', '北京 晴 ☀️ 𝄞 — “引号”'],
    ['json', JSON.stringify({ token: 'x'.repeat(64), expiresAt: '2026-11-26T09:00:00Z' })],
    // Near WeChat's 0.7 MB per-key limit with encrypt: base64 grows 4/3, so ~500 KB of text.
    ['near quota', '天'.repeat(170_000)],
  ])('%s', (_label, value) => {
    const envelope = sealAt(value)
    expect(openNow(envelope)).toBe(value)
    if (value.length > 4) expect(envelope).not.toContain(value)
  })

  test('a fresh IV makes every seal of the same value different', () => {
    const a = sealAt('same')
    const b = sealAt('same')
    expect(a).not.toBe(b)
    expect(openNow(a)).toBe(openNow(b))
  })

  test('the envelope reads as version, key id, expiry, IV, ciphertext, MAC', () => {
    const parts = sealAt('x').split('.')
    expect(parts).toHaveLength(6)
    expect(parts.slice(0, 3)).toEqual(['v1', '0a1b2c3d', String(NOW + HOUR)])
    expect(Buffer.from(parts[3], 'base64')).toHaveLength(16)
    expect(parts[5]).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('every change is detected before decrypting', () => {
  const sample = sealAt('a sample session token, 48 bytes of ciphertext..')
  const [version, keyId, expiresAt, iv, ciphertext, mac] = sample.split('.')
  const rebuild = (parts: string[]) => parts.join('.')

  function flips(bytes: Buffer): Buffer[] {
    const out: Buffer[] = []
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const copy = Buffer.from(bytes)
        copy[i] ^= mask
        out.push(copy)
      }
    }
    return out
  }

  test('every single-byte flip of the IV', () => {
    const variants = flips(Buffer.from(iv, 'base64'))
    expect(variants).toHaveLength(16 * 3)
    for (const changed of variants) {
      const envelope = rebuild([
        version,
        keyId,
        expiresAt,
        changed.toString('base64'),
        ciphertext,
        mac,
      ])
      expect(codeOf(() => openNow(envelope))).toBe('ERR_TAMPERED')
    }
  })

  test('every single-byte flip of the ciphertext', () => {
    const variants = flips(Buffer.from(ciphertext, 'base64'))
    expect(variants).toHaveLength(64 * 3)
    for (const changed of variants) {
      const envelope = rebuild([version, keyId, expiresAt, iv, changed.toString('base64'), mac])
      expect(codeOf(() => openNow(envelope))).toBe('ERR_TAMPERED')
    }
  })

  test('every single-byte flip of the MAC', () => {
    const variants = flips(Buffer.from(mac, 'hex'))
    expect(variants).toHaveLength(32 * 3)
    for (const changed of variants) {
      const envelope = rebuild([version, keyId, expiresAt, iv, ciphertext, changed.toString('hex')])
      expect(codeOf(() => openNow(envelope))).toBe('ERR_TAMPERED')
    }
  })

  test('a later expiry written in by hand', () => {
    const envelope = rebuild([version, keyId, String(NOW + 365 * 24 * HOUR), iv, ciphertext, mac])
    expect(codeOf(() => openNow(envelope))).toBe('ERR_TAMPERED')
  })

  test('every truncation', () => {
    for (let length = 0; length < sample.length; length++) {
      expect(codeOf(() => openNow(sample.slice(0, length)))).toBe('ERR_TAMPERED')
    }
  })

  test('an envelope moved to another item', () => {
    expect(codeOf(() => openNow(sample, keys, 'profile'))).toBe('ERR_TAMPERED')
  })
})

describe('bad input: a typed error, never data', () => {
  const good = sealAt('x')
  const otherMaster = deriveKeys('0a1b2c3d', randomBytes(32).toString('hex'))
  const otherKeyId = deriveKeys('ffffffff', randomBytes(32).toString('hex'))
  test.each<[string, () => unknown, AppErrorCode]>([
    ['wrong key, same id', () => openNow(good, otherMaster), 'ERR_TAMPERED'],
    ['wrong key id', () => openNow(good, otherKeyId), 'ERR_TAMPERED'],
    ['version 2', () => openNow(good.replace(/^v1/, 'v2')), 'ERR_UNSUPPORTED_VERSION'],
    ['version 0', () => openNow(good.replace(/^v1/, 'v0')), 'ERR_UNSUPPORTED_VERSION'],
    ['no version', () => openNow(good.slice(3)), 'ERR_TAMPERED'],
    ['expired (now = expiry)', () => openNow(good, keys, 'session', NOW + HOUR), 'ERR_EXPIRED'],
    ['a number', () => openNow(42), 'ERR_TAMPERED'],
    ['null', () => openNow(null), 'ERR_TAMPERED'],
    ['an object', () => openNow({ data: good }), 'ERR_TAMPERED'],
    ['empty', () => openNow(''), 'ERR_TAMPERED'],
    ['an extra part', () => openNow(`${good}.00`), 'ERR_TAMPERED'],
    ['plain JSON', () => openNow('{"token":"abc"}'), 'ERR_TAMPERED'],
    [
      'seal a number',
      () =>
        seal(42 as unknown as string, keys, { name: 'a', expiresAt: NOW, iv: new Uint8Array(16) }),
      'ERR_INVALID_INPUT',
    ],
    [
      'seal with a 12-byte IV',
      () => seal('x', keys, { name: 'a', expiresAt: NOW, iv: new Uint8Array(12) }),
      'ERR_INVALID_INPUT',
    ],
    [
      'seal with an IV array',
      () =>
        seal('x', keys, {
          name: 'a',
          expiresAt: NOW,
          iv: [...new Uint8Array(16)] as unknown as Uint8Array,
        }),
      'ERR_INVALID_INPUT',
    ],
    [
      'seal with NaN expiry',
      () => seal('x', keys, { name: 'a', expiresAt: NaN, iv: new Uint8Array(16) }),
      'ERR_INVALID_INPUT',
    ],
    [
      'seal with a negative expiry',
      () => seal('x', keys, { name: 'a', expiresAt: -1, iv: new Uint8Array(16) }),
      'ERR_INVALID_INPUT',
    ],
    ['a short master key', () => deriveKeys('0a1b2c3d', 'ab'.repeat(16)), 'ERR_INVALID_INPUT'],
    [
      'an upper-case master key',
      () => deriveKeys('0a1b2c3d', 'AB'.repeat(32)),
      'ERR_INVALID_INPUT',
    ],
    ['a bad key id', () => deriveKeys('key-1', 'ab'.repeat(32)), 'ERR_INVALID_INPUT'],
  ])('%s', (_label, run, code) => {
    expect(codeOf(run)).toBe(code)
  })

  test('one ms before expiry still opens', () => {
    expect(openNow(good, keys, 'session', NOW + HOUR - 1)).toBe('x')
  })
})

describe('randomness comes only from the caller (the platform source)', () => {
  test('sealing and opening never call Math.random or crypto-js random', () => {
    const mathRandom = jest.spyOn(Math, 'random')
    const cryptoJsRandom = jest.spyOn(CryptoJS.lib.WordArray, 'random')
    try {
      openNow(sealAt('token'))
      deriveKeys('01234567', randomBytes(32).toString('hex'))
      expect(mathRandom).not.toHaveBeenCalled()
      expect(cryptoJsRandom).not.toHaveBeenCalled()
    } finally {
      mathRandom.mockRestore()
      cryptoJsRandom.mockRestore()
    }
  })

  test('no source file of the storage or random modules mentions a weak or built-in generator', () => {
    for (const folder of ['secure-storage', 'secure-random']) {
      const dir = join(__dirname, '../../../src/security', folder)
      for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
        const code = readFileSync(join(dir, file), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')
        expect({ file, weak: /Math\.random|WordArray\.random|\.random\(/.test(code) }).toEqual({
          file,
          weak: false,
        })
        // A string key would switch crypto-js to passphrase mode (random salt, MD5 KDF).
        expect({ file, passphrase: /AES\.(en|de)crypt\([^,]+,\s*['"`]/.test(code) }).toEqual({
          file,
          passphrase: false,
        })
      }
    }
  })
})
