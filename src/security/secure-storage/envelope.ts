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
 *
 * Speed (a launch opens every item, on slow phones): crypto-js's one-call helpers (`AES.encrypt`,
 * `HmacSHA256(message, key)`, `Base64.parse`...) build new objects on every call: a new AES key
 * schedule, new HMAC key pads, and WordArrays made with `create()`, which is slow; its buffered
 * cipher interface copies the data in and out. Here each set of keys gets one AES object and one
 * HMAC, made on first use and reused (see `prepare`); CBC is the few lines crypto-js's CBC mode
 * runs (XOR, then its AES `encryptBlock`), applied in place; the text conversions are done in this
 * file on plain arrays. The AES block function and the HMAC-SHA256 are crypto-js's own. The bytes
 * written are exactly the ones the one-call helpers wrote: test/unit/security/
 * envelope.known-answer.test.ts pins them and checks them against node:crypto.
 */
import 'crypto-js/aes' // defines CryptoJS.algo.AES
import CryptoJS from 'crypto-js/core'
import Hex from 'crypto-js/enc-hex'
import 'crypto-js/hmac-sha256' // defines CryptoJS.algo.SHA256 and CryptoJS.algo.HMAC
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
 * jobs is a classic mistake. The store derives once per key id, when it loads its keyring.
 */
export function deriveKeys(keyId: string, masterKeyHex: string): EnvelopeKeys {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new AppError('ERR_INVALID_INPUT', 'a key id is 8 lower-case hex characters')
  }
  if (typeof masterKeyHex !== 'string' || !MASTER_KEY_PATTERN.test(masterKeyHex)) {
    throw new AppError('ERR_INVALID_INPUT', `a master key is ${MASTER_KEY_BYTES} bytes in hex`)
  }
  // One HMAC keyed with the master key, used twice (reset in between): the same result as two
  // HmacSHA256(label, master) calls, with one set of HMAC key pads instead of two.
  const kdf = CryptoJS.algo.HMAC.create(CryptoJS.algo.SHA256, Hex.parse(masterKeyHex))
  const encryptionKey = kdf.finalize('anxin/secure-storage/encryption/v1')
  kdf.reset()
  return { keyId, encryptionKey, macKey: kdf.finalize('anxin/secure-storage/mac/v1') }
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
  const { aes, hmac } = prepare(keys)
  const iv = wordsFromBytes(options.iv)
  const data = paddedWords(utf8Bytes(plaintext))
  cbcEncrypt(aes, iv.words, data)
  const header = `${ENVELOPE_VERSION}.${keys.keyId}.${options.expiresAt}.`
  const payload = `${toBase64(iv.words, IV_BYTES)}.${toBase64(data, data.length * 4)}`
  const mac = computeMac(hmac, options.name, header, payload)
  return `${header}${payload}.${Hex.stringify(mac)}`
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
  const { keyId, expiresAt } = parse(envelope)
  return { keyId, expiresAt: Number(expiresAt) }
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
  const { keyId, expiresAt, iv, ciphertext, macHex, header, payload } = parse(envelope)
  if (keyId !== keys.keyId) {
    throw new AppError('ERR_TAMPERED', 'the item was sealed with a key this install does not have')
  }
  const { aes, hmac } = prepare(keys)
  if (!macMatches(computeMac(hmac, options.name, header, payload), macHex)) {
    throw new AppError('ERR_TAMPERED', 'the item failed its integrity check')
  }
  if (options.now >= Number(expiresAt)) {
    throw new AppError('ERR_EXPIRED', 'the item has expired')
  }
  try {
    const data = fromBase64(ciphertext)
    if (data.sigBytes % 16 !== 0) throw new Error('the ciphertext is not whole AES blocks')
    cbcDecrypt(aes, fromBase64(iv).words, data.words)
    const padding = data.words[data.words.length - 1] & 0xff // PKCS#7: the last byte is the count
    if (padding < 1 || padding > 16) throw new Error('the PKCS#7 padding is not 1-16 bytes')
    return utf8Text(data.words, data.sigBytes - padding)
  } catch (cause) {
    // Unreachable with a valid MAC unless the sealing side was broken; still never trusted.
    throw new AppError('ERR_TAMPERED', 'the item could not be decrypted', { cause })
  }
}

/** crypto-js works on WordArrays (32-bit big-endian words); platform bytes come as Uint8Array. */
export function wordsFromBytes(bytes: Uint8Array): WordArray {
  const words: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    words[i >>> 2] = (words[i >>> 2] ?? 0) | (bytes[i] << (24 - (i % 4) * 8))
  }
  return new WordArrayOf(words, bytes.length)
}

// --- the reused crypto-js objects -----------------------------------------------------------

/**
 * crypto-js's AES as a block cipher: `encryptBlock` and `decryptBlock` turn the 4 words at
 * `offset` of `words` into their encryption or decryption, in place. They are what crypto-js's
 * own modes (CBC, CTR...) call for each block; one AES object made with the key holds both key
 * schedules.
 */
interface AesBlockCipher {
  encryptBlock(words: number[], offset: number): void
  decryptBlock(words: number[], offset: number): void
}

interface Prepared {
  aes: AesBlockCipher
  hmac: CryptoJS.algo.HMAC
}

/**
 * The objects seal and open reuse, per set of keys: one AES (its key schedules are the costly
 * part of making one) and one HMAC (its key pads). A WeakMap keyed by the keys object: they live
 * exactly as long as the keyring holding those keys (gone after a wipe), and no module-wide table
 * of key material builds up. Sharing them is safe because seal and open are synchronous and
 * reset the HMAC before each use (the AES keeps no state between blocks).
 */
const prepared = new WeakMap<EnvelopeKeys, Prepared>()

function prepare(keys: EnvelopeKeys): Prepared {
  let ready = prepared.get(keys)
  if (!ready) {
    ready = {
      aes: CryptoJS.algo.AES.createEncryptor(keys.encryptionKey) as unknown as AesBlockCipher,
      hmac: CryptoJS.algo.HMAC.create(CryptoJS.algo.SHA256, keys.macKey),
    }
    prepared.set(keys, ready)
  }
  return ready
}

/**
 * CBC, as crypto-js's CBC mode does it, without its buffering: each 16-byte block (4 words) is
 * XORed with the previous ciphertext block (the IV for the first), then encrypted, in place.
 */
function cbcEncrypt(aes: AesBlockCipher, iv: number[], words: number[]) {
  let previous = iv
  for (let i = 0; i < words.length; i += 4) {
    for (let j = 0; j < 4; j++) words[i + j] ^= previous[j]
    aes.encryptBlock(words, i)
    previous = words.slice(i, i + 4)
  }
}

/** The inverse: each block is decrypted, then XORed with the ciphertext block before it. */
function cbcDecrypt(aes: AesBlockCipher, iv: number[], words: number[]) {
  let previous = iv
  for (let i = 0; i < words.length; i += 4) {
    const ciphertext = words.slice(i, i + 4)
    aes.decryptBlock(words, i)
    for (let j = 0; j < 4; j++) words[i + j] ^= previous[j]
    previous = ciphertext
  }
}

/**
 * HMAC-SHA256 over the UTF-8 of `<name>\n<header><payload>`, the bytes the MAC always covered,
 * given to crypto-js's HMAC in one piece (word-aligned: appending to a part-filled buffer goes a
 * byte at a time). `reset()` restarts the reused HMAC from the key pads it made once.
 */
function computeMac(hmac: CryptoJS.algo.HMAC, name: string, header: string, payload: string) {
  hmac.reset()
  // The payload is base64, plain ASCII: each character already is its UTF-8 byte.
  const bytes = utf8Bytes(`${name}\n${header}`) + payload
  return hmac.finalize(new WordArrayOf(packBytes(bytes), bytes.length))
}

/**
 * Compares the MAC just computed with the envelope's (64 hex characters, checked by `parse`),
 * all 8 words every time, never stopping at the first difference: the time taken does not tell
 * an attacker how much of a forged MAC was right. The stored hex is read as 8 numbers: one small
 * conversion, instead of writing the computed MAC out as hex and comparing strings.
 */
function macMatches(expected: WordArray, macHex: string): boolean {
  let difference = 0
  for (let i = 0; i < 8; i++) {
    difference |= expected.words[i] ^ parseInt(macHex.slice(i * 8, i * 8 + 8), 16)
  }
  return difference === 0
}

// --- text <-> bytes -------------------------------------------------------------------------
// crypto-js's Utf8 and Base64 encoders go a character at a time through general helpers and
// make WordArrays with `create()`; over a 1 KB value they cost more than the AES. Here bytes
// travel as "byte strings" (one character, 0-255, per byte: what the standard UTF-8 trick gives)
// and as plain arrays of 32-bit big-endian words, crypto-js's layout. The known-answer test
// checks the bytes and text against node:crypto.

/**
 * crypto-js's own way to make a WordArray (`new WordArray.init`, as its internals do). The public
 * `WordArray.create()` builds a new prototype object per array: slow to make, and it slows down
 * every later property access on WordArrays.
 */
const WordArrayOf = (
  CryptoJS.lib.WordArray as unknown as {
    init: new (words: number[], sigBytes: number) => WordArray
  }
).init

/**
 * The UTF-8 bytes of `text` as a byte string: the standard trick (also crypto-js's), skipped for
 * plain ASCII text (most stored JSON), whose characters already are their UTF-8 bytes.
 */
function utf8Bytes(text: string): string {
  return NOT_ASCII.test(text) ? unescape(encodeURIComponent(text)) : text
}
const NOT_ASCII = /[\u0080-\uffff]/

/** Packs a byte string into words, four bytes per word, the last one zero-filled. */
function packBytes(bytes: string): number[] {
  const words: number[] = []
  const whole = bytes.length - (bytes.length % 4) // bytes in whole words
  for (let i = 0; i < whole; i += 4) {
    words.push(
      (bytes.charCodeAt(i) << 24) |
        (bytes.charCodeAt(i + 1) << 16) |
        (bytes.charCodeAt(i + 2) << 8) |
        bytes.charCodeAt(i + 3),
    )
  }
  if (whole < bytes.length) {
    let last = 0
    for (let i = whole; i < whole + 4; i++)
      last = (last << 8) | (i < bytes.length ? bytes.charCodeAt(i) : 0)
    words.push(last)
  }
  return words
}

/** PKCS#7: 1-16 bytes of padding, each holding their count, up to a whole number of blocks. */
function paddedWords(bytes: string): number[] {
  const count = 16 - (bytes.length % 16)
  return packBytes(bytes + String.fromCharCode(count).repeat(count))
}

/** Byte `i` of an array of words (byte 0 is the high byte of word 0). */
const byteAt = (words: number[], i: number) => (words[i >>> 2] >>> (24 - (i % 4) * 8)) & 0xff

/**
 * Decodes the first `length` bytes of `words` as UTF-8; throws on malformed bytes
 * (decodeURIComponent is strict). Plain ASCII bytes (all below 0x80) already are the text.
 */
function utf8Text(words: number[], length: number): string {
  const codes: number[] = []
  let high = 0 // any byte's top bit
  for (const word of words) {
    codes.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff)
    high |= word & 0x80808080
  }
  codes.length = length
  const bytes = stringFromCodes(codes)
  return high === 0 ? bytes : decodeURIComponent(escape(bytes))
}

/**
 * A string from character codes. fromCharCode takes many codes per call, far faster than adding
 * characters one by one; in slices, as very long argument lists overflow the stack.
 */
function stringFromCodes(codes: number[]): string {
  let text = ''
  for (let i = 0; i < codes.length; i += 8192) {
    text += String.fromCharCode.apply(null, codes.slice(i, i + 8192))
  }
  return text
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const PAD = 61 // '='
/** BASE64_VALUE[character code] = its value, 0-63. */
const BASE64_VALUE: number[] = []
for (let i = 0; i < 64; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i

/** Standard base64 with `=` padding of the first `length` bytes of `words`. */
function toBase64(words: number[], length: number): string {
  const codes: number[] = []
  for (let i = 0; i < length; i += 3) {
    const triple =
      (byteAt(words, i) << 16) |
      ((i + 1 < length ? byteAt(words, i + 1) : 0) << 8) |
      (i + 2 < length ? byteAt(words, i + 2) : 0)
    codes.push(
      BASE64.charCodeAt(triple >>> 18),
      BASE64.charCodeAt((triple >>> 12) & 63),
      i + 1 < length ? BASE64.charCodeAt((triple >>> 6) & 63) : PAD,
      i + 2 < length ? BASE64.charCodeAt(triple & 63) : PAD,
    )
  }
  return stringFromCodes(codes)
}

/** Reads base64 that `parse` has checked (alphabet, padding) and the MAC has authenticated. */
function fromBase64(text: string): { words: number[]; sigBytes: number } {
  const words: number[] = []
  let word = 0 // the word being filled, its bytes shifted in from the right
  let sigBytes = 0
  let bits = 0 // the 6-bit values read so far; the low `bitCount` bits are not yet used
  let bitCount = 0
  for (let i = 0; i < text.length && text.charCodeAt(i) !== PAD; i++) {
    bits = (bits << 6) | BASE64_VALUE[text.charCodeAt(i)]
    bitCount += 6
    if (bitCount >= 8) {
      bitCount -= 8
      word = (word << 8) | ((bits >>> bitCount) & 0xff)
      if (++sigBytes % 4 === 0) words.push(word)
    }
  }
  // A last, partly filled word keeps its bytes at the top, as in every word array.
  if (sigBytes % 4) words.push(word << (8 * (4 - (sigBytes % 4))))
  return { words, sigBytes }
}

// --- reading an envelope --------------------------------------------------------------------

/** Splits and checks the shape of an envelope; nothing in it is trusted yet. */
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
  // What the MAC covers, exactly as written: `v1.<key id>.<expiry>.` and `<IV>.<ciphertext>`.
  const header = `${version}.${keyId}.${expiresAt}.`
  const payload = envelope.slice(header.length, envelope.length - macHex.length - 1)
  return { keyId, expiresAt, iv, ciphertext, macHex, header, payload }
}
