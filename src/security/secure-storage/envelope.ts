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
 * schedule, new HMAC key pads, and WordArrays made with `create()`, which is slow. Here each set
 * of keys gets one AES encryptor, one decryptor and one HMAC, made on first use and reused (see
 * `prepare`), and the text conversions are done in this file without those objects. AES, CBC and
 * HMAC are still crypto-js's own. The bytes written are exactly the ones the one-call helpers
 * wrote: test/unit/security/envelope.known-answer.test.ts pins them and checks them against
 * node:crypto.
 */
import 'crypto-js/aes' // defines CryptoJS.algo.AES, CryptoJS.mode.CBC and CryptoJS.pad.Pkcs7
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
  const iv = wordsFromBytes(options.iv)
  const ciphertext = cbc(encryptorFor(keys), iv, utf8Words(plaintext))
  const header = `${ENVELOPE_VERSION}.${keys.keyId}.${options.expiresAt}.`
  const payload = `${toBase64(iv)}.${toBase64(ciphertext)}`
  const mac = computeMac(prepare(keys).hmac, options.name, header, payload)
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
  if (!macMatches(computeMac(prepare(keys).hmac, options.name, header, payload), macHex)) {
    throw new AppError('ERR_TAMPERED', 'the item failed its integrity check')
  }
  if (options.now >= Number(expiresAt)) {
    throw new AppError('ERR_EXPIRED', 'the item has expired')
  }
  try {
    return utf8Text(cbc(decryptorFor(keys), fromBase64(iv), fromBase64(ciphertext)))
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
 * A crypto-js AES encryptor or decryptor. Its `reset()` empties its buffer and restarts CBC from
 * `cfg.iv`, but keeps the AES key schedule (crypto-js recomputes it only for a different key).
 */
type ReusableCipher = ReturnType<typeof CryptoJS.algo.AES.createEncryptor> & {
  cfg: { iv?: WordArray }
}

interface Prepared {
  hmac: CryptoJS.algo.HMAC
  /** Each made when first needed (a launch only opens): a cipher costs two key schedules. */
  encryptor?: ReusableCipher
  decryptor?: ReusableCipher
}

/**
 * The objects seal and open reuse, per set of keys. A WeakMap keyed by the keys object: they live
 * exactly as long as the keyring holding those keys (gone after a wipe), and no module-wide table
 * of key material builds up. Sharing them is safe because seal and open are synchronous and reset
 * them before each use.
 */
const prepared = new WeakMap<EnvelopeKeys, Prepared>()

function prepare(keys: EnvelopeKeys): Prepared {
  let ready = prepared.get(keys)
  if (!ready) {
    ready = { hmac: CryptoJS.algo.HMAC.create(CryptoJS.algo.SHA256, keys.macKey) }
    prepared.set(keys, ready)
  }
  return ready
}

function encryptorFor(keys: EnvelopeKeys): ReusableCipher {
  const ready = prepare(keys)
  ready.encryptor ??= CryptoJS.algo.AES.createEncryptor(
    keys.encryptionKey,
    AES_CBC,
  ) as ReusableCipher
  return ready.encryptor
}

function decryptorFor(keys: EnvelopeKeys): ReusableCipher {
  const ready = prepare(keys)
  ready.decryptor ??= CryptoJS.algo.AES.createDecryptor(
    keys.encryptionKey,
    AES_CBC,
  ) as ReusableCipher
  return ready.decryptor
}

/**
 * PKCS#7, as crypto-js's Pkcs7 does it: 1-16 bytes, each holding their count. It is written into
 * the data's own last words; crypto-js's `pad` makes a separate WordArray with `create()` for it.
 * Removing it is crypto-js's `unpad` (after the MAC check, so no padding-oracle question arises).
 */
const PKCS7 = {
  pad(data: WordArray, blockSizeInWords: number) {
    const blockBytes = blockSizeInWords * 4
    const count = blockBytes - (data.sigBytes % blockBytes)
    data.clamp() // zeroes any bits past sigBytes, so the OR below writes clean bytes
    const end = data.sigBytes + count
    for (let i = data.sigBytes; i < end; i++) data.words[i >>> 2] |= count << (24 - (i % 4) * 8)
    data.sigBytes = end
  },
  unpad: CryptoJS.pad.Pkcs7.unpad,
}

const AES_CBC = { mode: CryptoJS.mode.CBC, padding: PKCS7 }

/** One AES-CBC pass through a reused encryptor or decryptor, from `iv`. */
function cbc(cipher: ReusableCipher, iv: WordArray, data: WordArray): WordArray {
  cipher.cfg.iv = iv
  cipher.reset()
  return cipher.finalize(data) // processes everything: no plaintext stays in the cipher
}

/**
 * HMAC-SHA256 over the UTF-8 of `<name>\n<header><payload>`, the bytes the MAC always covered.
 * `reset()` restarts the reused HMAC from the key pads it made once.
 */
function computeMac(hmac: CryptoJS.algo.HMAC, name: string, header: string, payload: string) {
  hmac.reset()
  hmac.update(utf8Words(`${name}\n${header}`))
  // The payload is base64, plain ASCII: each character already is its UTF-8 byte.
  return hmac.finalize(wordsFromByteString(payload))
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
// crypto-js's Utf8 and Base64 encoders go a character at a time through general helpers, and
// Base64.parse makes its result with `create()`; over a 1 KB value they cost more than the AES.
// These give exactly the same bytes and text (the known-answer test compares with node:crypto).

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

/** Byte `i` of a WordArray's words (byte 0 is the high byte of word 0). */
const byteAt = (words: number[], i: number) => (words[i >>> 2] >>> (24 - (i % 4) * 8)) & 0xff

/** Packs a string of byte values (each character 0-255) into a WordArray, four per word. */
function wordsFromByteString(bytes: string): WordArray {
  const words: number[] = []
  for (let i = 0; i < bytes.length; i += 4) {
    let word = 0
    for (let j = i; j < i + 4; j++) {
      word = (word << 8) | (j < bytes.length ? bytes.charCodeAt(j) : 0) // zero-filled at the end
    }
    words.push(word)
  }
  return new WordArrayOf(words, bytes.length)
}

/** The UTF-8 bytes of `text` (the standard trick, also crypto-js's: encode, then unescape). */
function utf8Words(text: string): WordArray {
  return wordsFromByteString(unescape(encodeURIComponent(text)))
}

/** Decodes UTF-8; throws on malformed bytes (decodeURIComponent is strict), as crypto-js does. */
function utf8Text(data: WordArray): string {
  const bytes: number[] = []
  for (let i = 0; i < data.sigBytes; i++) bytes.push(byteAt(data.words, i))
  return decodeURIComponent(escape(stringFromCodes(bytes)))
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

/** Standard base64 with `=` padding, as crypto-js's Base64.stringify writes it. */
function toBase64(data: WordArray): string {
  const { words, sigBytes } = data
  const codes: number[] = []
  for (let i = 0; i < sigBytes; i += 3) {
    const triple =
      (byteAt(words, i) << 16) |
      ((i + 1 < sigBytes ? byteAt(words, i + 1) : 0) << 8) |
      (i + 2 < sigBytes ? byteAt(words, i + 2) : 0)
    codes.push(BASE64.charCodeAt(triple >>> 18))
    codes.push(BASE64.charCodeAt((triple >>> 12) & 63))
    codes.push(i + 1 < sigBytes ? BASE64.charCodeAt((triple >>> 6) & 63) : PAD)
    codes.push(i + 2 < sigBytes ? BASE64.charCodeAt(triple & 63) : PAD)
  }
  return stringFromCodes(codes)
}

/** Reads base64 that `parse` has checked (alphabet, padding) and the MAC has authenticated. */
function fromBase64(text: string): WordArray {
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
  // A last, partly filled word keeps its bytes at the top, as in every WordArray.
  if (sigBytes % 4) words.push(word << (8 * (4 - (sigBytes % 4))))
  return new WordArrayOf(words, sigBytes)
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
