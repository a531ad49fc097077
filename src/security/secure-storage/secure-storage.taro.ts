import Taro from '@tarojs/taro'
import { AppError } from '../app-error'
import { platformRandomBytes } from '../secure-random/secure-random.taro'
import { SecureStore, type StorageEvent, type StoragePort } from './secure-store'

/**
 * Binds the secure store to Taro's storage.
 * - weapp: WeChat's async storage with `encrypt: true` (base library 2.21.3+) on top of our own
 *   sealing, so a copied storage file is also encrypted by WeChat with a key it keeps. The flag
 *   lowers WeChat's limits to 0.7 MB a key and 7.1 MB in all.
 * - H5: localStorage, through Taro (any script on the page can read it, hence the sealing).
 * WeChat's `errMsg` strings become ERR_STORAGE_QUOTA / ERR_STORAGE_FAILED here and nowhere else.
 */
export function createTaroStoragePort(): StoragePort {
  return process.env.TARO_ENV === 'weapp' ? weappStorage() : h5Storage()
}

/** The app's one secure store. `onEvent` receives discarded items (MONITOR reports them). */
export function createSecureStore(onEvent?: (event: StorageEvent) => void): SecureStore {
  return new SecureStore({
    storage: createTaroStoragePort(),
    randomBytes: platformRandomBytes,
    now: () => Date.now(),
    onEvent,
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
  return {
    async read(key) {
      try {
        const { data } = await getStorage({ key, encrypt })
        return typeof data === 'string' ? data : undefined
      } catch (error) {
        const message = errMsg(error)
        if (/data not found/.test(message)) return undefined
        // Written before the base library supported `encrypt` (or after a downgrade): WeChat only
        // reads an item with the flag it was written with. Our own sealing still protects it,
        // and the next write stores it with the current flag.
        if (/decrypt data failed|parse data failed/.test(message)) return readWith(key, !encrypt)
        throw storageError('read', error)
      }
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
    async keys() {
      try {
        const info = (await Taro.getStorageInfo()) as unknown as { keys: string[] }
        return info.keys
      } catch (error) {
        throw storageError('list', error)
      }
    },
  }
}

async function readWith(key: string, encrypt: boolean): Promise<string | undefined> {
  try {
    const { data } = await getStorage({ key, encrypt })
    return typeof data === 'string' ? data : undefined
  } catch (error) {
    throw storageError('read', error)
  }
}

function h5Storage(): StoragePort {
  // Taro's H5 storage is synchronous localStorage underneath; a full store throws from setItem.
  return {
    async read(key) {
      try {
        const data: unknown = Taro.getStorageSync(key)
        return typeof data === 'string' && data !== '' ? data : undefined
      } catch (error) {
        throw storageError('read', error)
      }
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
