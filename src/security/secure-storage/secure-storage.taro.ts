import Taro from '@tarojs/taro'
import { AppError, isAppError } from '../app-error'
import { platformRandomBytes } from '../secure-random/secure-random.taro'
import { platformKeyringLock } from './platform-keyring-lock'
import { SecureStore, type StorageEvent, type StoragePort } from './secure-store'

/**
 * Binds the secure store to Taro's storage.
 * - weapp: WeChat's async storage with `encrypt: true` (base library 2.21.3+) on top of our own
 *   sealing, so a copied storage file is also encrypted by WeChat with a key it keeps. The flag
 *   lowers WeChat's limits to 0.7 MB a key and 7.1 MB in all.
 * - H5: localStorage, through Taro (any script on the page can read it, hence the sealing), with
 *   the keyring itself locked by a non-extractable WebCrypto key kept in IndexedDB
 *   (platform-keyring-lock.h5.ts), so no key sits in localStorage.
 * WeChat's `errMsg` strings become ERR_STORAGE_QUOTA / ERR_STORAGE_FAILED here and nowhere else.
 * Reading never depends on an errMsg wording: WeChat documents neither the text for "absent" nor
 * for "written with the other encrypt flag". A failed read is tried once with the other flag; if
 * that fails too, the key list says whether the item is absent (undefined) or there but
 * unreadable (ERR_STORAGE_UNREADABLE, which the store discards and reports).
 */
export function createTaroStoragePort(): StoragePort {
  return process.env.TARO_ENV === 'weapp' ? weappStorage() : h5Storage()
}

/**
 * A secure store on Taro's storage. `onEvent` receives discarded items (MONITOR reports them);
 * `prefix` (default `secure.`) keeps stores with different lifetimes apart: wiping one leaves
 * the others. On H5 its keyring is locked with the store's own device key (keyring-lock.ts), and
 * every call fails with ERR_KEY_STORE_UNAVAILABLE where the browser cannot keep one.
 */
export function createSecureStore(
  onEvent?: (event: StorageEvent) => void,
  prefix = 'secure.',
): SecureStore {
  return new SecureStore({
    storage: createTaroStoragePort(),
    randomBytes: platformRandomBytes,
    now: () => Date.now(),
    onEvent,
    prefix,
    keyringLock: platformKeyringLock(`${prefix}keyring`),
  })
}

// Taro's types lack WeChat's `encrypt` flag: one typed wrapper instead of @ts-ignore.
interface EncryptedSetOption {
  key: string
  data: string
  encrypt: boolean
}
interface EncryptedGetOption {
  key: string
  encrypt: boolean
}
const setStorage = Taro.setStorage as unknown as (option: EncryptedSetOption) => Promise<unknown>
const getStorage = Taro.getStorage as unknown as (
  option: EncryptedGetOption,
) => Promise<{ data: unknown }>

function weappStorage(): StoragePort {
  // Feature-detect once; an old base library still gets our own sealing.
  const encrypt = Taro.canIUse('setStorage.object.encrypt')
  const keys = async () => {
    try {
      const info = (await Taro.getStorageInfo()) as unknown as { keys: string[] }
      return info.keys
    } catch (error) {
      throw storageError('list', error)
    }
  }
  return {
    async read(key) {
      let failure: unknown
      // Written before the base library supported `encrypt` (or after a downgrade), an item reads
      // only with the other flag. Our own sealing still protects it; the next write re-flags it.
      for (const flag of [encrypt, !encrypt]) {
        try {
          const { data } = await getStorage({ key, encrypt: flag })
          return stringValue(key, data)
        } catch (error) {
          if (isAppError(error, 'ERR_STORAGE_UNREADABLE')) throw error
          failure = error
        }
      }
      if (!(await keys()).includes(key)) return undefined
      throw new AppError('ERR_STORAGE_UNREADABLE', 'the item could not be read with either flag', {
        cause: failure,
      })
    },
    async write(key, value) {
      try {
        await setStorage({ key, data: value, encrypt })
      } catch (error) {
        throw storageError('write', error)
      }
    },
    async remove(key) {
      try {
        await Taro.removeStorage({ key })
      } catch (error) {
        throw storageError('remove', error)
      }
    },
    keys,
  }
}

/** Every item this store writes is a string; anything else was not written by it. */
function stringValue(key: string, data: unknown): string {
  if (typeof data === 'string') return data
  throw new AppError('ERR_STORAGE_UNREADABLE', `the item "${key}" does not hold a string`)
}

function h5Storage(): StoragePort {
  // Taro's H5 storage is synchronous localStorage underneath; a full store throws from setItem.
  return {
    async read(key) {
      let data: unknown
      try {
        data = Taro.getStorageSync(key)
      } catch (error) {
        throw storageError('read', error)
      }
      // Taro answers '' for an absent key (localStorage holds `{ data }` JSON underneath).
      return data === '' ? undefined : stringValue(key, data)
    },
    async write(key, value) {
      try {
        Taro.setStorageSync(key, value)
      } catch (error) {
        throw storageError('write', error)
      }
    },
    async remove(key) {
      try {
        Taro.removeStorageSync(key)
      } catch (error) {
        throw storageError('remove', error)
      }
    },
    async keys() {
      try {
        return Taro.getStorageInfoSync().keys
      } catch (error) {
        throw storageError('list', error)
      }
    },
  }
}

function errMsg(error: unknown): string {
  if (error && typeof error === 'object') {
    const { errMsg: message, name } = error as {
      errMsg?: unknown
      name?: unknown
      message?: unknown
    }
    if (typeof message === 'string') return message
    if (name === 'QuotaExceededError') return 'exceed storage max size'
    if (error instanceof Error) return error.message
  }
  return String(error)
}

/** WeChat: "exceed storage max size" / "exceed storage item max length"; browsers: QuotaExceededError. */
function storageError(action: string, error: unknown): AppError {
  const message = errMsg(error)
  if (/exceed|quota/i.test(message)) {
    return new AppError('ERR_STORAGE_QUOTA', `storage is full: could not ${action} the item`, {
      cause: error,
    })
  }
  return new AppError('ERR_STORAGE_FAILED', `could not ${action} the item`, { cause: error })
}
