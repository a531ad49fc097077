import { AppError } from '../app-error'
import { platformRandomBytes } from '../secure-random/secure-random.taro'
import { createDeviceKeyringLock, type DeviceKeyVault } from './keyring-lock'
import type { KeyringLock } from './secure-store'

/**
 * The H5 build's keyring lock (keyring-lock.ts): the keyring in localStorage is encrypted with a
 * non-extractable AES-GCM key this origin keeps in IndexedDB, one key per store, named after the
 * keyring's storage key (`secure.keyring`, `consent.keyring`). The weapp build takes
 * platform-keyring-lock.ts instead.
 *
 * Without IndexedDB or WebCrypto (a very old browser, a page not served over https, a browser
 * that refuses IndexedDB in private mode) the store FAILS CLOSED with ERR_KEY_STORE_UNAVAILABLE:
 * nothing is sealed, nothing stored is discarded, weather still works, the consent decision lasts
 * for the visit only and signing in is refused. Keeping the keyring in clear instead would bring
 * back the very fault this lock removes.
 */
export function platformKeyringLock(keyringKey: string): KeyringLock | undefined {
  return createDeviceKeyringLock({
    name: keyringKey,
    vault: indexedDbVault,
    subtle: globalThis.crypto?.subtle,
    randomBytes: platformRandomBytes,
  })
}

/** The database and object store that hold device keys (what DevTools' Application tab shows). */
const KEY_DATABASE = 'secure-storage'
const KEY_OBJECT_STORE = 'device-keys'

/**
 * IndexedDB behind the DeviceKeyVault port. A CryptoKey is stored as it is: IndexedDB's structured
 * clone keeps it, non-extractable, across launches (HTML Standard, "StructuredSerialize";
 * Web Cryptography API, CryptoKey's [[Serializable]]). Every failure is
 * ERR_KEY_STORE_UNAVAILABLE.
 */
const indexedDbVault: DeviceKeyVault = {
  get: (name) => inStore('readonly', (store) => store.get(name)),
  put: async (name, key) => {
    await inStore('readwrite', (store) => store.put(key, name))
  },
  delete: async (name) => {
    await inStore('readwrite', (store) => store.delete(name))
  },
}

/** Opens the database (creating it on first use), runs one request, closes the database. */
async function inStore<T>(
  mode: IDBTransactionMode,
  request: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const database = await openDatabase()
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(KEY_OBJECT_STORE, mode)
      const pending = request(transaction.objectStore(KEY_OBJECT_STORE))
      // Resolved once the transaction is committed, not when the request succeeds: a put the
      // browser then rolls back must not count as kept.
      transaction.oncomplete = () => resolve(pending.result)
      transaction.onabort = () => reject(unavailable('the key store refused', transaction.error))
    })
  } catch (error) {
    throw error instanceof AppError ? error : unavailable('the key store failed', error)
  } finally {
    database.close()
  }
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(unavailable('this browser has no IndexedDB'))
      return
    }
    let opening: IDBOpenDBRequest
    try {
      opening = indexedDB.open(KEY_DATABASE, 1)
    } catch (error) {
      reject(unavailable('IndexedDB could not be opened', error))
      return
    }
    opening.onupgradeneeded = () => opening.result.createObjectStore(KEY_OBJECT_STORE)
    opening.onsuccess = () => resolve(opening.result)
    opening.onerror = () => reject(unavailable('IndexedDB could not be opened', opening.error))
    opening.onblocked = () => reject(unavailable('IndexedDB is blocked by another tab'))
  })
}

function unavailable(message: string, cause?: unknown): AppError {
  return new AppError('ERR_KEY_STORE_UNAVAILABLE', message, { cause })
}
