/**
 * STORAGE on H5: the keyring locked with a device key the browser lets this origin USE but never
 * READ, so localStorage holds no key in clear.
 *
 * Why: the sealed items and the keyring that opens them share one localStorage. Without this
 * lock, the Storage panel, a copied localStorage or a support screenshot shows the key right
 * beside the lock. The web platform can do better: a WebCrypto key made with
 * `extractable: false` can encrypt and decrypt, but `exportKey` refuses to hand out its bytes,
 * and IndexedDB keeps such a key across launches (structured clone keeps CryptoKey objects;
 * W3C Web Cryptography API, "CryptoKey" serialization; MDN "CryptoKey" and "SubtleCrypto:
 * generateKey").
 *
 * What it does: the keyring's JSON is encrypted with AES-256-GCM (a fresh 12-byte IV every time)
 * under that device key and stored as `k1.<IV base64>.<ciphertext and tag base64>`. The store
 * unlocks it once per launch and keeps it in memory; items are still sealed by envelope.ts.
 *
 * What it cannot do: a script running on the origin (XSS, a malicious SDK) can still USE the
 * device key, through the app's own code or IndexedDB, and so open everything while it runs.
 * The browser keeps the key's bytes in its profile folder on disk: someone who copies the whole
 * profile copies the key too. weapp does not use this lock (WeChat's own storage encryption does
 * that job there; see secure-storage.taro.ts).
 *
 * Pure logic: IndexedDB arrives through the DeviceKeyVault port and WebCrypto as `subtle`, so
 * this file runs under Node tests. The browser binding is platform-keyring-lock.h5.ts.
 */
import { AppError, isAppError } from '../app-error'
import { checkRandomBytes, type RandomBytes } from '../secure-random/secure-random'
import type { KeyringLock } from './secure-store'

/** Where the device key is kept: IndexedDB in the browser, a Map in tests. */
export interface DeviceKeyVault {
  /**
   * What was kept under `name` (whatever it is: the lock checks it), or undefined.
   * Throws ERR_KEY_STORE_UNAVAILABLE when the vault cannot be opened.
   */
  get(name: string): Promise<unknown>
  /** Keeps `key` under `name`. Throws ERR_KEY_STORE_UNAVAILABLE. */
  put(name: string, key: CryptoKey): Promise<void>
  /** Forgets `name` (absent is fine). Throws ERR_KEY_STORE_UNAVAILABLE. */
  delete(name: string): Promise<void>
}

export interface DeviceKeyringLockOptions {
  /** The keyring's storage key (`secure.keyring`): each store gets its own device key. */
  name: string
  vault: DeviceKeyVault
  /** The browser's `crypto.subtle`; undefined (an old browser, a page not on https) fails closed. */
  subtle: SubtleCrypto | undefined
  randomBytes: RandomBytes
}

/** The stored form's version tag; a keyring without it is not a locked one. */
export const LOCKED_KEYRING_VERSION = 'k1'
/** AES-GCM's recommended IV length (NIST SP 800-38D, 8.2). */
export const GCM_IV_BYTES = 12
const LOCKED_PATTERN = /^k1\.([A-Za-z0-9+/]+={0,2})\.([A-Za-z0-9+/]+={0,2})$/

/**
 * A KeyringLock whose device key is a non-extractable AES-256-GCM CryptoKey kept in `vault`.
 *
 * - `lock(json)` → `k1.<iv>.<ciphertext>`; makes and keeps the device key on first use.
 * - `unlock(stored)` → the JSON. Throws ERR_KEY_LOST when the vault has no usable key (the store
 *   then discards the keyring and its items: a key cleared from the browser, or a plain keyring
 *   left by a build before this lock), ERR_TAMPERED when there is a device key and the text is
 *   not a locked keyring or does not open with it (a plain keyring written in is refused: trusting
 *   it would let anyone who can write localStorage choose the key).
 * - `forget()` deletes the device key (wipe).
 * Every call throws ERR_KEY_STORE_UNAVAILABLE when the vault or WebCrypto cannot be used:
 * fail closed, nothing is stored in clear instead; ERR_NO_SECURE_RANDOM without random bytes.
 */
export function createDeviceKeyringLock(options: DeviceKeyringLockOptions): KeyringLock {
  const { name, vault, randomBytes } = options
  const subtle = () => {
    if (!options.subtle) throw unavailable('this browser has no WebCrypto (crypto.subtle)')
    return options.subtle
  }

  // No key is cached: the vault is asked each time (once per launch, and on a new keyring), so a
  // key cleared from the browser is noticed instead of locking keyrings no later launch can open.
  const deviceKey = async (): Promise<CryptoKey | undefined> => {
    const kept = await vault.get(name)
    if (kept === undefined || isDeviceKey(kept)) return kept
    // Something else sits in its place (an extractable key, a damaged record): never used.
    await vault.delete(name)
    return undefined
  }

  return {
    async lock(keyring) {
      let key = await deviceKey()
      if (!key) {
        key = await cryptoStep('make the device key', () =>
          subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
        )
        await vault.put(name, key)
      }
      // A copy on a plain ArrayBuffer: WebCrypto's types refuse a view that may be shared.
      const iv = new Uint8Array(checkRandomBytes(await randomBytes(GCM_IV_BYTES), GCM_IV_BYTES))
      const sealed = await cryptoStep('lock the keyring', () =>
        subtle().encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(keyring)),
      )
      return `${LOCKED_KEYRING_VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`
    },

    async unlock(stored) {
      const crypto = subtle()
      // No device key: whatever the keyring says, nobody can vouch for it. That is also how a
      // keyring from before this lock (plain JSON, an older H5 build) is met: discarded cleanly.
      const key = await deviceKey()
      if (!key) throw new AppError('ERR_KEY_LOST', 'there is no device key for this keyring')
      const parts = LOCKED_PATTERN.exec(stored)
      if (!parts) throw new AppError('ERR_TAMPERED', 'the keyring is not a locked keyring')
      let opened: ArrayBuffer
      try {
        const iv = fromBase64(parts[1])
        if (iv.length !== GCM_IV_BYTES) throw new Error('wrong IV length')
        opened = await crypto.decrypt({ name: 'AES-GCM', iv }, key, fromBase64(parts[2]))
      } catch (cause) {
        // GCM's tag: a changed byte, a cut, or another device's key all end here.
        throw new AppError('ERR_TAMPERED', 'the keyring does not open with this device key', {
          cause,
        })
      }
      return new TextDecoder().decode(opened)
    },

    forget: () => vault.delete(name),
  }
}

/** Only a key that cannot be read out is used: secret, not extractable, AES-GCM. */
function isDeviceKey(value: unknown): value is CryptoKey {
  const key = value as Partial<CryptoKey> | null
  return (
    typeof key === 'object' &&
    key !== null &&
    key.type === 'secret' &&
    key.extractable === false &&
    key.algorithm?.name === 'AES-GCM'
  )
}

async function cryptoStep<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (cause) {
    if (isAppError(cause)) throw cause
    throw unavailable(`WebCrypto could not ${what}`, cause)
  }
}

function unavailable(message: string, cause?: unknown): AppError {
  return new AppError('ERR_KEY_STORE_UNAVAILABLE', message, { cause })
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Strict: only the exact text toBase64 writes (atob forgives missing padding and stray bits). */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
  if (toBase64(bytes) !== text) throw new Error('not canonical base64')
  return bytes
}
