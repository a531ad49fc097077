/**
 * STORAGE: the sealed envelope every sensitive value is stored in.
 *
 *   v1.<key id>.<expires at, ms>.<IV, base64>.<ciphertext, base64>.<MAC, hex>
 *
 * - AES-256-CBC with a fresh random 16-byte IV for every write (PKCS#7 padding).
 * - Then HMAC-SHA256 over the item's name and everything before the MAC (encrypt-then-MAC), so a
 *   changed byte, a truncated value, a changed expiry or an envelope moved to another item's slot
 *   is detected before anything is decrypted. The MAC is compared in constant time.
 * - Separate encryption and MAC keys, both derived from one 256-bit per-install key.
 *
 * crypto-js is used through its per-algorithm entry points, never its random generator and never
 * its passphrase mode: the IV comes from the caller (the platform's secure source), and keys are
 * always raw bytes. Pure: no platform, no clock, no randomness of its own.
 */
import AES from 'crypto-js/aes'
import CryptoJS from 'crypto-js/core'
import Base64 from 'crypto-js/enc-base64'
import Hex from 'crypto-js/enc-hex'
import Utf8 from 'crypto-js/enc-utf8'
import HmacSHA256 from 'crypto-js/hmac-sha256'
import { AppError } from '../app-error'

type WordArray = CryptoJS.lib.WordArray

export const ENVELOPE_VERSION = 'v1'
export const MASTER_KEY_BYTES = 32
export const IV_BYTES = 16

/** The two keys one envelope uses, derived from a per-install master key. */
export interface EnvelopeKeys {
  /** Names the master key, so old envelopes can be found during a key rotation. */
  readonly keyId: string
  readonly encryptionKey: WordArray
  readonly macKey: WordArray
}

export const KEY_ID_PATTERN = /^[0-9a-f]{8}$/
export const MASTER_KEY_PATTERN = /^[0-9a-f]{64}$/
const PARTS = {
  expiresAt: /^\d{1,16}$/,
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
  mac: /^[0-9a-f]{64}$/,
}

/**
 * Derives the encryption and MAC keys from a 32-byte master key, given as 64 hex characters
 * (HMAC-SHA256 with two fixed labels, as HKDF-Expand does for one block). Using one key for both
 * jobs is a classic mistake.
 */
export function deriveKeys(keyId: string, masterKeyHex: string): EnvelopeKeys {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new AppError('ERR_INVALID_INPUT', 'a key id is 8 lower-case hex characters')
  }
  if (typeof masterKeyHex !== 'string' || !MASTER_KEY_PATTERN.test(masterKeyHex)) {
    throw new AppError('ERR_INVALID_INPUT', `a master key is ${MASTER_KEY_BYTES} bytes in hex`)
  }
  const master = Hex.parse(masterKeyHex)
  return {
    keyId,
    encryptionKey: HmacSHA256('anxin/secure-storage/encryption/v1', master),
    macKey: HmacSHA256('anxin/secure-storage/mac/v1', master),
  }
}

export interface SealOptions {
  /** The item's storage name: bound into the MAC so an envelope cannot be moved to another item. */
  name: string
  /** When the value stops being readable, in ms since the epoch. */
  expiresAt: number
  /** 16 fresh bytes from the platform's secure random source. Never reuse one. */
  iv: Uint8Array
}

/** Encrypts and authenticates `plaintext`. */
export function seal(plaintext: string, keys: EnvelopeKeys, options: SealOptions): string {
  if (typeof plaintext !== 'string') {
    throw new AppError('ERR_INVALID_INPUT', 'only strings are sealed (serialise first)')
  }
  if (!Number.isSafeInteger(options.expiresAt) || options.expiresAt < 0) {
    throw new AppError('ERR_INVALID_INPUT', 'expiresAt must be a time in ms since the epoch')
  }
  if (!(options.iv instanceof Uint8Array) || options.iv.length !== IV_BYTES) {
    throw new AppError('ERR_INVALID_INPUT', `the IV must be ${IV_BYTES} fresh random bytes`)
  }
  const iv = wordsFromBytes(options.iv)
  // A WordArray key (never a string) keeps crypto-js out of passphrase mode and its random salt.
  const encrypted = AES.encrypt(Utf8.parse(plaintext), keys.encryptionKey, { iv })
  const body = [
    ENVELOPE_VERSION,
    keys.keyId,
    String(options.expiresAt),
    Base64.stringify(iv),
    Base64.stringify(encrypted.ciphertext),
  ].join('.')
  return `${body}.${mac(keys, options.name, body)}`
}

/** The parts of an envelope that can be read without a key. */
export interface EnvelopeHeader {
  keyId: string
  expiresAt: number
}

/**
 * Reads the unauthenticated header: which key sealed it and when it expires. Throws
 * ERR_UNSUPPORTED_VERSION or ERR_TAMPERED for anything that is not a well-formed v1 envelope.
 * Nothing here is trusted until `open` has checked the MAC.
 */
export function readHeader(envelope: unknown): EnvelopeHeader {
  return parse(envelope).header
}

export interface OpenOptions {
  name: string
  /** The current time, ms since the epoch. */
  now: number
}

/**
 * Checks the MAC (constant time), then the expiry, then decrypts.
 * Throws ERR_TAMPERED (changed, truncated, wrong key or wrong slot), ERR_UNSUPPORTED_VERSION or
 * ERR_EXPIRED. Never returns data that failed a check.
 */
export function open(envelope: unknown, keys: EnvelopeKeys, options: OpenOptions): string {
  const { header, body, iv, ciphertext, macHex } = parse(envelope)
  if (header.keyId !== keys.keyId) {
    throw new AppError('ERR_TAMPERED', 'the item was sealed with a key this install does not have')
  }
  if (!constantTimeEqual(mac(keys, options.name, body), macHex)) {
    throw new AppError('ERR_TAMPERED', 'the item failed its integrity check')
  }
  if (options.now >= header.expiresAt) {
    throw new AppError('ERR_EXPIRED', 'the item has expired')
  }
  let plaintext: string
  try {
    const cipherParams = CryptoJS.lib.CipherParams.create({ ciphertext: Base64.parse(ciphertext) })
    plaintext = Utf8.stringify(
      AES.decrypt(cipherParams, keys.encryptionKey, { iv: Base64.parse(iv) }),
    )
  } catch (cause) {
    // Unreachable with a valid MAC unless the sealing side was broken; still never trusted.
    throw new AppError('ERR_TAMPERED', 'the item could not be decrypted', { cause })
  }
  return plaintext
}

/**
 * Compares two equal-format strings without stopping at the first difference, so the time taken
 * does not tell an attacker how much of a forged MAC was right.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

/** crypto-js works on WordArrays (32-bit big-endian words); platform bytes come as Uint8Array. */
export function wordsFromBytes(bytes: Uint8Array): WordArray {
  const words: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    words[i >>> 2] = (words[i >>> 2] ?? 0) | (bytes[i] << (24 - (i % 4) * 8))
  }
  return CryptoJS.lib.WordArray.create(words, bytes.length)
}

function mac(keys: EnvelopeKeys, name: string, body: string): string {
  return Hex.stringify(HmacSHA256(`${name}\n${body}`, keys.macKey))
}

function parse(envelope: unknown) {
  if (typeof envelope !== 'string') {
    throw new AppError('ERR_TAMPERED', 'a sealed item must be a string')
  }
  const parts = envelope.split('.')
  const version = parts[0]
  if (version !== ENVELOPE_VERSION) {
    if (/^v\d+$/.test(version)) {
      throw new AppError('ERR_UNSUPPORTED_VERSION', `envelope version ${version} is not supported`)
    }
    throw new AppError('ERR_TAMPERED', 'not a sealed item')
  }
  const [, keyId, expiresAt, iv, ciphertext, macHex] = parts
  const wellFormed =
    parts.length === 6 &&
    KEY_ID_PATTERN.test(keyId) &&
    PARTS.expiresAt.test(expiresAt) &&
    PARTS.base64.test(iv) &&
    iv.length === 24 &&
    PARTS.base64.test(ciphertext) &&
    PARTS.mac.test(macHex)
  if (!wellFormed) throw new AppError('ERR_TAMPERED', 'the sealed item is malformed or truncated')
  return {
    header: { keyId, expiresAt: Number(expiresAt) },
    body: parts.slice(0, 5).join('.'),
    iv,
    ciphertext,
    macHex,
  }
}
