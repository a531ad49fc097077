import { randomBytes } from 'node:crypto'
import { AppError } from '../../../src/security/app-error'
import {
  createDeviceKeyringLock,
  type DeviceKeyVault,
} from '../../../src/security/secure-storage/keyring-lock'
import { SecureStore, type StorageEvent } from '../../../src/security/secure-storage/secure-store'
import { createMemoryStorage } from './memory-storage'
import { codeOfAsync } from './error-code'

// STORAGE on H5: the keyring locked with a non-extractable WebCrypto key (Node 20's
// globalThis.crypto.subtle is the same Web Cryptography API the browser has). IndexedDB is not in
// Node: the vault port is a Map here, and the browser binding is walked in e2e/weather-journey.
const HOUR = 60 * 60 * 1000
const subtle = globalThis.crypto.subtle
const random = async (length: number) => new Uint8Array(randomBytes(length))

function createMemoryVault() {
  const kept = new Map<string, unknown>()
  let available = true
  const check = () => {
    if (!available) throw new AppError('ERR_KEY_STORE_UNAVAILABLE', 'simulated: no IndexedDB')
  }
  const vault: DeviceKeyVault = {
    async get(name) {
      check()
      return kept.get(name)
    },
    async put(name, key) {
      check()
      kept.set(name, key)
    },
    async delete(name) {
      check()
      kept.delete(name)
    },
  }
  return {
    vault,
    kept,
    setAvailable(value: boolean) {
      available = value
    },
  }
}

function lockOver(vault: DeviceKeyVault, name = 'secure.keyring') {
  return createDeviceKeyringLock({ name, vault, subtle, randomBytes: random })
}

const KEYRING = JSON.stringify({ current: '3f9a0c12', keys: { '3f9a0c12': 'ab'.repeat(32) } })

describe('the device keyring lock', () => {
  test('locks the keyring so the stored text holds no key, and opens it again', async () => {
    const { vault } = createMemoryVault()
    const lock = lockOver(vault)
    const stored = await lock.lock(KEYRING)
    expect(stored).toMatch(/^k1\.[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/=]+$/)
    expect(stored).not.toContain('abab')
    expect(stored).not.toContain('3f9a0c12')
    expect(await lock.unlock(stored)).toBe(KEYRING)
    // A fresh IV every time: the same keyring never locks to the same text.
    expect(await lock.lock(KEYRING)).not.toBe(stored)
  })

  test('the device key can be used but never read out', async () => {
    const { vault, kept } = createMemoryVault()
    await lockOver(vault).lock(KEYRING)
    const key = kept.get('secure.keyring') as CryptoKey
    expect(key.extractable).toBe(false)
    expect(key.algorithm).toEqual({ name: 'AES-GCM', length: 256 })
    expect([...key.usages].sort()).toEqual(['decrypt', 'encrypt'])
    await expect(subtle.exportKey('raw', key)).rejects.toThrow()
    await expect(subtle.exportKey('jwk', key)).rejects.toThrow()
  })

  test('the next launch opens it with the key the vault kept', async () => {
    const { vault } = createMemoryVault()
    const stored = await lockOver(vault).lock(KEYRING)
    expect(await lockOver(vault).unlock(stored)).toBe(KEYRING)
  })

  test('every changed character and every cut is refused: ERR_TAMPERED', async () => {
    const { vault } = createMemoryVault()
    const lock = lockOver(vault)
    const stored = await lock.lock(KEYRING)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    for (let i = 3; i < stored.length; i++) {
      if (stored[i] === '.' || stored[i] === '=') continue
      const other = alphabet[(alphabet.indexOf(stored[i]) + 1) % 64]
      const changed = stored.slice(0, i) + other + stored.slice(i + 1)
      expect([i, await codeOfAsync(() => lock.unlock(changed))]).toEqual([i, 'ERR_TAMPERED'])
    }
    for (const cut of [0, 3, 10, stored.length - 5, stored.length - 1]) {
      expect(await codeOfAsync(() => lock.unlock(stored.slice(0, cut)))).toBe('ERR_TAMPERED')
    }
  })

  test.each([
    ['a plain keyring (an older build, or one written in by hand)', KEYRING],
    ['an empty string', ''],
    ['another version', 'k2.AAAAAAAAAAAAAAAA.AAAA'],
    ['an IV of the wrong length', 'k1.AAAA.AAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('%s is refused: ERR_TAMPERED', async (_what, stored) => {
    const { vault } = createMemoryVault()
    const lock = lockOver(vault)
    await lock.lock(KEYRING) // a device key exists
    expect(await codeOfAsync(() => lock.unlock(stored))).toBe('ERR_TAMPERED')
  })

  test('a keyring locked by another browser does not open here: ERR_TAMPERED', async () => {
    const stored = await lockOver(createMemoryVault().vault).lock(KEYRING)
    const here = lockOver(createMemoryVault().vault)
    await here.lock(KEYRING)
    expect(await codeOfAsync(() => here.unlock(stored))).toBe('ERR_TAMPERED')
  })

  test('a lost device key is ERR_KEY_LOST, not tampering', async () => {
    const { vault, kept } = createMemoryVault()
    const stored = await lockOver(vault).lock(KEYRING)
    kept.clear() // the user cleared IndexedDB but not localStorage
    expect(await codeOfAsync(() => lockOver(vault).unlock(stored))).toBe('ERR_KEY_LOST')
  })

  test('a key that could be read out is never used, and is replaced', async () => {
    const { vault, kept } = createMemoryVault()
    const readable = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, [
      'encrypt',
      'decrypt',
    ])
    kept.set('secure.keyring', readable)
    const lock = lockOver(vault)
    expect(await codeOfAsync(() => lock.unlock('k1.AAAAAAAAAAAAAAAA.AAAA'))).toBe('ERR_KEY_LOST')
    const stored = await lock.lock(KEYRING)
    expect((kept.get('secure.keyring') as CryptoKey).extractable).toBe(false)
    expect(await lock.unlock(stored)).toBe(KEYRING)
    kept.set('secure.keyring', { type: 'secret', not: 'a key' }) // a damaged record
    expect(await codeOfAsync(() => lock.unlock(stored))).toBe('ERR_KEY_LOST')
    expect(kept.has('secure.keyring')).toBe(false)
  })

  test('each store has its own device key', async () => {
    const { vault, kept } = createMemoryVault()
    const consentLocked = await lockOver(vault, 'consent.keyring').lock(KEYRING)
    await lockOver(vault, 'secure.keyring').lock(KEYRING)
    expect([...kept.keys()].sort()).toEqual(['consent.keyring', 'secure.keyring'])
    expect(await codeOfAsync(() => lockOver(vault, 'secure.keyring').unlock(consentLocked))).toBe(
      'ERR_TAMPERED',
    )
  })

  test('no vault or no WebCrypto: every call fails closed with ERR_KEY_STORE_UNAVAILABLE', async () => {
    const memory = createMemoryVault()
    const stored = await lockOver(memory.vault).lock(KEYRING)
    memory.setAvailable(false)
    const lock = lockOver(memory.vault)
    expect(await codeOfAsync(() => lock.lock(KEYRING))).toBe('ERR_KEY_STORE_UNAVAILABLE')
    expect(await codeOfAsync(() => lock.unlock(stored))).toBe('ERR_KEY_STORE_UNAVAILABLE')
    expect(await codeOfAsync(() => lock.forget())).toBe('ERR_KEY_STORE_UNAVAILABLE')
    const noCrypto = createDeviceKeyringLock({
      name: 'secure.keyring',
      vault: createMemoryVault().vault,
      subtle: undefined,
      randomBytes: random,
    })
    expect(await codeOfAsync(() => noCrypto.lock(KEYRING))).toBe('ERR_KEY_STORE_UNAVAILABLE')
    expect(await codeOfAsync(() => noCrypto.unlock(stored))).toBe('ERR_KEY_STORE_UNAVAILABLE')
  })

  test('a broken random source is ERR_NO_SECURE_RANDOM, never a weak IV', async () => {
    const lock = createDeviceKeyringLock({
      name: 'secure.keyring',
      vault: createMemoryVault().vault,
      subtle,
      randomBytes: async () => new Uint8Array(4),
    })
    expect(await codeOfAsync(() => lock.lock(KEYRING))).toBe('ERR_NO_SECURE_RANDOM')
  })

  test('forget deletes the device key', async () => {
    const { vault, kept } = createMemoryVault()
    const lock = lockOver(vault)
    const stored = await lock.lock(KEYRING)
    await lock.forget()
    expect(kept.size).toBe(0)
    expect(await codeOfAsync(() => lock.unlock(stored))).toBe('ERR_KEY_LOST')
  })
})

describe('a secure store whose keyring is locked (the H5 build)', () => {
  function setup() {
    const memory = createMemoryStorage()
    const vault = createMemoryVault()
    const events: StorageEvent[] = []
    const make = () =>
      new SecureStore({
        storage: memory.port,
        randomBytes: random,
        now: () => Date.UTC(2026, 10, 26, 8, 0, 0),
        onEvent: (event) => events.push(event),
        keyringLock: lockOver(vault.vault),
      })
    return { memory, vault, events, make, store: make() }
  }

  test('storage holds no key in clear; the next launch opens the items', async () => {
    const { memory, vault, store, make } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    await store.set('other', 'x', { ttlMs: HOUR })
    const keyring = memory.items.get('secure.keyring') as string
    expect(keyring).toMatch(/^k1\./)
    // The master key, found as any code on the origin could: by using the device key.
    const { keys } = JSON.parse(await lockOver(vault.vault).unlock(keyring)) as {
      keys: Record<string, string>
    }
    const [master] = Object.values(keys)
    expect(master).toMatch(/^[0-9a-f]{64}$/)
    const everything = [...memory.items.entries()].flat().join('\n')
    expect(everything).not.toContain(master)
    expect(everything).not.toContain(Buffer.from(master, 'hex').toString('base64'))
    const nextLaunch = make()
    expect(await nextLaunch.sweep()).toEqual({ kept: 2, expired: 0, discarded: 0 })
    expect(await nextLaunch.get('session')).toBe('token-abc')
  })

  test('rotation re-locks the keyring and keeps every item', async () => {
    const { memory, store, make } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    const before = memory.items.get('secure.keyring')
    await store.rotateKey()
    expect(memory.items.get('secure.keyring')).not.toBe(before)
    expect(await make().get('session')).toBe('token-abc')
  })

  test('a lost device key discards the keyring and every item, reported as ERR_KEY_LOST', async () => {
    const { memory, vault, events, store, make } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    await store.set('other', 'x', { ttlMs: HOUR })
    memory.items.set('weather.selectedCityId', 'beijing')
    vault.kept.clear()
    const nextLaunch = make()
    expect(await nextLaunch.sweep()).toEqual({ kept: 0, expired: 0, discarded: 2 })
    expect(events).toEqual([
      { type: 'storage.discarded', name: 'keyring', code: 'ERR_KEY_LOST' },
      { type: 'storage.discarded', name: 'session', code: 'ERR_KEY_LOST' },
      { type: 'storage.discarded', name: 'other', code: 'ERR_KEY_LOST' },
    ])
    expect([...memory.items.keys()]).toEqual(['weather.selectedCityId'])
    expect(await nextLaunch.get('session')).toBeUndefined()
    // The store works again at once, under a new device key.
    await nextLaunch.set('session', 'token-new', { ttlMs: HOUR })
    expect(await make().get('session')).toBe('token-new')
  })

  test('a lost device key found by a read (before any sweep) reads as absent', async () => {
    const { vault, events, store, make } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    vault.kept.clear()
    expect(await make().get('session')).toBeUndefined()
    expect(events.map((event) => event.code)).toEqual(['ERR_KEY_LOST', 'ERR_KEY_LOST'])
  })

  test('a plain keyring written in beside a device key is not trusted: ERR_TAMPERED', async () => {
    const { memory, events, store, make } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    memory.items.set('secure.keyring', KEYRING)
    expect(await codeOfAsync(() => make().get('session'))).toBe('ERR_TAMPERED')
    expect(events.map((event) => [event.name, event.code])).toEqual([
      ['keyring', 'ERR_TAMPERED'],
      ['session', 'ERR_TAMPERED'],
    ])
  })

  test('a plain keyring left by a build before the lock is discarded cleanly: ERR_KEY_LOST', async () => {
    // What an H5 install made before this change holds: items under a plain keyring, no device key.
    const memory = createMemoryStorage()
    const events: StorageEvent[] = []
    const options = {
      storage: memory.port,
      randomBytes: random,
      now: () => Date.UTC(2026, 10, 26, 8, 0, 0),
      onEvent: (event: StorageEvent) => events.push(event),
    }
    await new SecureStore(options).set('session', 'token-abc', { ttlMs: HOUR })
    const vault = createMemoryVault()
    const upgraded = new SecureStore({ ...options, keyringLock: lockOver(vault.vault) })
    expect(await upgraded.sweep()).toEqual({ kept: 0, expired: 0, discarded: 1 })
    // Not tampering: the kill switch's local lock counts ERR_TAMPERED only.
    expect(events.map((event) => [event.name, event.code])).toEqual([
      ['keyring', 'ERR_KEY_LOST'],
      ['session', 'ERR_KEY_LOST'],
    ])
    expect(memory.items.size).toBe(0)
    await upgraded.set('session', 'token-new', { ttlMs: HOUR })
    expect(memory.items.get('secure.keyring')).toMatch(/^k1\./)
  })

  test('no IndexedDB or WebCrypto: nothing sealed, nothing discarded, ERR_KEY_STORE_UNAVAILABLE', async () => {
    const { memory, vault, events, store, make } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    const before = new Map(memory.items)
    vault.setAvailable(false)
    const nextLaunch = make()
    expect(await codeOfAsync(() => nextLaunch.sweep())).toBe('ERR_KEY_STORE_UNAVAILABLE')
    expect(await codeOfAsync(() => nextLaunch.get('session'))).toBe('ERR_KEY_STORE_UNAVAILABLE')
    expect(await codeOfAsync(() => nextLaunch.set('new', 'x', { ttlMs: HOUR }))).toBe(
      'ERR_KEY_STORE_UNAVAILABLE',
    )
    expect(memory.items).toEqual(before)
    expect(events).toEqual([])
    // Back (the browser let IndexedDB open again): everything is still there.
    vault.setAvailable(true)
    expect(await nextLaunch.get('session')).toBe('token-abc')
  })

  test('a first launch without IndexedDB writes nothing at all', async () => {
    const { memory, vault, store } = setup()
    vault.setAvailable(false)
    expect(await codeOfAsync(() => store.set('session', 'x', { ttlMs: HOUR }))).toBe(
      'ERR_KEY_STORE_UNAVAILABLE',
    )
    expect(memory.items.size).toBe(0)
  })

  test('wipe removes the items, the keyring and the device key', async () => {
    const { memory, vault, store } = setup()
    await store.set('session', 'token-abc', { ttlMs: HOUR })
    await store.wipe()
    expect(memory.items.size).toBe(0)
    expect(vault.kept.size).toBe(0)
  })
})
