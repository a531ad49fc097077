import type { Page } from 'playwright-core'
import { deriveKeys, open, readHeader } from '../../src/security/secure-storage/envelope'

/** Everything the page's origin keeps where a script, a copied profile or DevTools can read it. */
export interface StoredByOrigin {
  /** localStorage, sessionStorage and cookies, as [where, name, value] text. */
  text: Array<[string, string, string]>
  /** Every IndexedDB record: text for plain values, a description for CryptoKeys. */
  indexedDb: Array<{ where: string; text?: string; cryptoKey?: DeviceKeyFacts }>
}

export interface DeviceKeyFacts {
  extractable: boolean
  algorithm: string
  /** What `crypto.subtle.exportKey('raw', key)` answered: 'refused', or the bytes (base64). */
  exported: string
}

/**
 * Reads, inside the page, every value its origin stores: localStorage, sessionStorage, cookies
 * and every record of every IndexedDB database (CryptoKeys are described and asked to export).
 */
export function readStoredByOrigin(page: Page): Promise<StoredByOrigin> {
  return page.evaluate(async () => {
    const text: Array<[string, string, string]> = []
    for (const [where, storage] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ] as const) {
      for (const key of Object.keys(storage)) text.push([where, key, storage.getItem(key) ?? ''])
    }
    text.push(['cookie', '', document.cookie])
    const indexedDb: StoredByOrigin['indexedDb'] = []
    const done = <T>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
    for (const { name } of await indexedDB.databases()) {
      const database = await done(indexedDB.open(name as string))
      for (const storeName of Array.from(database.objectStoreNames)) {
        const store = database.transaction(storeName).objectStore(storeName)
        const keys = await done(store.getAllKeys())
        const values = await done(store.getAll())
        for (const [i, value] of values.entries()) {
          const where = `${name}/${storeName}/${String(keys[i])}`
          if (value instanceof CryptoKey) {
            const exported = await crypto.subtle.exportKey('raw', value).then(
              (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))),
              () => 'refused',
            )
            const { extractable, algorithm } = value
            indexedDb.push({
              where,
              cryptoKey: { extractable, algorithm: algorithm.name, exported },
            })
          } else {
            indexedDb.push({ where, text: JSON.stringify(value) })
          }
        }
      }
      database.close()
    }
    return { text, indexedDb }
  })
}

/**
 * The master keys of the keyring stored under `keyringKey`, found as any script running on the
 * origin could find them: by USING the device key kept in IndexedDB (it cannot be read out, but
 * it decrypts). This is the limit the docs state: XSS can open everything while it runs.
 */
export function masterKeysUsingDeviceKey(page: Page, keyringKey: string): Promise<string[]> {
  return page.evaluate(async (name) => {
    const done = <T>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
    const database = await done(indexedDB.open('secure-storage'))
    if (!database.objectStoreNames.contains('device-keys')) return []
    const key = await done(
      database.transaction('device-keys').objectStore('device-keys').get(name) as IDBRequest<
        CryptoKey | undefined
      >,
    )
    database.close()
    const stored = JSON.parse(localStorage.getItem(name) ?? '{}').data as string
    const [, iv, ciphertext] = stored.split('.')
    const bytes = (base64: string) => Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes(iv) },
      key as CryptoKey,
      bytes(ciphertext),
    )
    return Object.values(JSON.parse(new TextDecoder().decode(plain)).keys) as string[]
  }, keyringKey)
}

/**
 * Every stored value searched for something that could be a master key (64 hex characters, or
 * base64 of 32 bytes) and each tried on the sealed item `itemName` (its envelope in `envelope`).
 * Returns the candidates that open it: none, when no key is stored in a readable form.
 */
export function storedKeysThatOpen(
  stored: StoredByOrigin,
  envelope: string,
  itemName: string,
): string[] {
  const everything = [
    ...stored.text.map(([, name, value]) => `${name} ${value}`),
    ...stored.indexedDb.map((record) => record.text ?? record.cryptoKey?.exported ?? ''),
  ].join('\n')
  const hex = everything.match(/[0-9a-f]{64}/gi) ?? []
  const fromBase64 = (everything.match(/[A-Za-z0-9+/_-]{43}=?/g) ?? [])
    .map((text) =>
      Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64'),
    )
    .filter((bytes) => bytes.length === 32)
    .map((bytes) => bytes.toString('hex'))
  const { keyId } = readHeader(envelope)
  return [...new Set([...hex.map((text) => text.toLowerCase()), ...fromBase64])].filter(
    (candidate) => {
      try {
        open(envelope, deriveKeys(keyId, candidate), { name: itemName, now: Date.now() })
        return true
      } catch {
        return false
      }
    },
  )
}
