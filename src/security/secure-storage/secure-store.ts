/**
 * STORAGE: encrypted local storage with expiry, for tokens and other sensitive values.
 *
 * What it protects against: other mini programs and web origins (they cannot read this storage
 * anyway), a storage file copied off the device or out of a backup without its key (weapp:
 * WeChat's `encrypt: true` file; H5: localStorage, whose keyring is locked with a key the browser
 * will not export, see keyring-lock.ts), casual inspection of item values (DevTools' Storage
 * panel, a support screenshot; on H5 of the keyring too), and tampering (a changed, truncated or
 * moved value is detected and discarded, never used). Expiry bounds how long a leaked copy stays
 * useful.
 *
 * What it cannot protect against: the key lives on the same device. Someone who controls the
 * device or runs code inside this app (a rooted phone, a malicious SDK, XSS on H5) can read the
 * keyring (weapp) or use the device key (H5) and open everything. It is defence in depth, not a
 * vault: keep secrets that must not be on the device on the server. Per build, in full:
 * docs/storage-and-transport.md.
 *
 * Pure logic: the platform arrives through ports (storage, random bytes, clock, events), so this
 * file runs under plain Node tests. The Taro binding is secure-storage.taro.ts.
 */
import { AppError, isAppError, type AppErrorCode } from '../app-error'
import { checkRandomBytes, toHex, type RandomBytes } from '../secure-random/secure-random'
import {
  deriveKeys,
  IV_BYTES,
  KEY_ID_PATTERN,
  MASTER_KEY_BYTES,
  MASTER_KEY_PATTERN,
  open,
  readHeader,
  seal,
  type EnvelopeKeys,
} from './envelope'

/** Where sealed strings are kept. The adapter maps platform failures to AppError codes. */
export interface StoragePort {
  /**
   * The stored string, or undefined when the key is absent. Throws ERR_STORAGE_UNREADABLE when
   * the key exists but its value cannot be read or is not a string (the store then discards it).
   */
  read(key: string): Promise<string | undefined>
  /** Throws ERR_STORAGE_QUOTA when full (the old value, if any, is kept) or ERR_STORAGE_FAILED. */
  write(key: string, value: string): Promise<void>
  remove(key: string): Promise<void>
  /** Every key in storage (the store only touches its own prefix). */
  keys(): Promise<string[]>
}

/**
 * How the keyring is kept in storage. weapp: as it is (WeChat's `encrypt: true` storage holds it);
 * H5: locked with a non-extractable device key (keyring-lock.ts). A lock's `unlock` throws
 * ERR_TAMPERED (refused: the store discards the keyring), ERR_KEY_LOST (the device key is gone:
 * the store discards the keyring and every item) or anything else (the call fails, nothing is
 * discarded: ERR_KEY_STORE_UNAVAILABLE).
 */
export interface KeyringLock {
  /** The text to store for the keyring's JSON. */
  lock(keyring: string): Promise<string>
  /** The keyring's JSON from what `lock` returned. */
  unlock(stored: string): Promise<string>
  /** Forgets whatever the lock keeps (wipe). */
  forget(): Promise<void>
}

/** The keyring stored as it is: for storage the platform already encrypts (weapp). */
const AS_IT_IS: KeyringLock = {
  lock: async (keyring) => keyring,
  unlock: async (stored) => stored,
  forget: async () => undefined,
}

/** A security-relevant thing that happened; MONITOR turns these into (scrubbed) reports. */
export interface StorageEvent {
  type: 'storage.discarded'
  /** The item's name (never its value). */
  name: string
  /** Why: ERR_TAMPERED, ERR_UNSUPPORTED_VERSION, ERR_STORAGE_UNREADABLE, ERR_KEY_LOST. */
  code: AppErrorCode
}

export interface SecureStoreOptions {
  storage: StoragePort
  randomBytes: RandomBytes
  /** ms since the epoch; tests pass a fake clock. */
  now: () => number
  onEvent?: (event: StorageEvent) => void
  /** Storage keys this store owns start with this (default `secure.`). */
  prefix?: string
  /** How the keyring is kept (default: as it is). */
  keyringLock?: KeyringLock
}

export interface SetOptions {
  /** How long the value stays readable, in ms (every item expires; at most MAX_TTL_MS). */
  ttlMs: number
}

export interface SweepResult {
  kept: number
  expired: number
  discarded: number
}

/** Names are short and plain so they can appear in events without leaking anything. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** Long enough for any session or preference; a year is already too long for a token. */
export const MAX_TTL_MS = 400 * 24 * 60 * 60 * 1000

interface Keyring {
  current: string
  keys: Record<string, string>
}

export class SecureStore {
  private readonly storage: StoragePort
  private readonly randomBytes: RandomBytes
  private readonly now: () => number
  private readonly onEvent: (event: StorageEvent) => void
  private readonly itemPrefix: string
  private readonly keyringKey: string
  private readonly keyringLock: KeyringLock
  /** Operations run one after another: a rotation never interleaves with a write. */
  private queue: Promise<unknown> = Promise.resolve()
  /** The keyring once read from storage, with the keys derived from it. */
  private keyring: LoadedKeyring | undefined
  /** Items discarded with a lost keyring, for the next sweep's count. */
  private lostItems = 0

  constructor(options: SecureStoreOptions) {
    const prefix = options.prefix ?? 'secure.'
    this.storage = options.storage
    this.randomBytes = options.randomBytes
    this.now = options.now
    this.onEvent = options.onEvent ?? (() => undefined)
    this.itemPrefix = `${prefix}item.`
    this.keyringKey = `${prefix}keyring`
    this.keyringLock = options.keyringLock ?? AS_IT_IS
  }

  /** Seals `value` under `name` with a fresh IV. Throws ERR_STORAGE_QUOTA when it does not fit. */
  async set(name: string, value: string, options: SetOptions): Promise<void> {
    checkName(name)
    if (typeof value !== 'string') {
      throw new AppError('ERR_INVALID_INPUT', 'secure storage holds strings (serialise first)')
    }
    const ttl = options?.ttlMs
    if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_MS) {
      throw new AppError('ERR_INVALID_INPUT', `ttlMs must be a whole number in 1..${MAX_TTL_MS}`)
    }
    return this.serial(async () => {
      const keys = await this.currentKeys()
      await this.writeSealed(name, value, keys, this.now() + ttl)
    })
  }

  /**
   * The value, or undefined when absent or expired (an expired item is removed).
   * A tampered or unreadable item is removed, reported through `onEvent`, and the call throws
   * ERR_TAMPERED / ERR_UNSUPPORTED_VERSION / ERR_STORAGE_UNREADABLE so the caller can react (for
   * a session: sign in anew). See `isDiscarded`.
   */
  async get(name: string): Promise<string | undefined> {
    checkName(name)
    return this.serial(async () => {
      const result = await this.openItem(name)
      if (result.kind === 'failed') throw result.error
      return result.kind === 'ok' ? result.value : undefined
    })
  }

  /** Removes one item (absent is fine). */
  async remove(name: string): Promise<void> {
    checkName(name)
    return this.serial(() => this.storage.remove(this.itemPrefix + name))
  }

  /** Run at launch: removes every expired or unreadable item (reporting the unreadable ones). */
  sweep(): Promise<SweepResult> {
    return this.serial(async () => {
      await this.loadedKeyring() // first: a lost keyring takes its items with it
      const result: SweepResult = { kept: 0, expired: 0, discarded: this.lostItems }
      this.lostItems = 0
      for (const name of await this.itemNames()) {
        const opened = await this.openItem(name)
        if (opened.kind === 'ok') result.kept++
        else if (opened.kind === 'expired') result.expired++
        else if (opened.kind === 'failed') result.discarded++
      }
      return result
    })
  }

  /**
   * Makes a new master key and re-seals every live item with it (keeping each expiry). The old
   * key stays in the keyring until every item is re-sealed, so an interruption loses nothing.
   */
  rotateKey(): Promise<void> {
    return this.serial(async () => {
      await this.currentKeys()
      const live: Array<{ name: string; value: string; expiresAt: number }> = []
      for (const name of await this.itemNames()) {
        const opened = await this.openItem(name)
        if (opened.kind === 'ok') live.push({ name, ...opened })
      }
      const fresh = await this.makeKey()
      const both = await this.saveKeyring(fresh.keyId, {
        ...(this.keyring as LoadedKeyring).raw,
        [fresh.keyId]: fresh.raw,
      })
      const keys = both.keys.get(fresh.keyId) as EnvelopeKeys
      for (const item of live) await this.writeSealed(item.name, item.value, keys, item.expiresAt)
      await this.saveKeyring(fresh.keyId, { [fresh.keyId]: fresh.raw })
    })
  }

  /**
   * Logout and consent withdrawal: removes every item, the keys, and the lock's device key (H5).
   * Nothing is recoverable.
   */
  wipe(): Promise<void> {
    return this.serial(async () => {
      for (const name of await this.itemNames()) await this.storage.remove(this.itemPrefix + name)
      await this.storage.remove(this.keyringKey)
      this.keyring = undefined
      await this.keyringLock.forget()
    })
  }

  // --- inside -------------------------------------------------------------------------------

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async itemNames(): Promise<string[]> {
    return (await this.storage.keys())
      .filter((key) => key.startsWith(this.itemPrefix))
      .map((key) => key.slice(this.itemPrefix.length))
  }

  private async writeSealed(name: string, value: string, keys: EnvelopeKeys, expiresAt: number) {
    const iv = checkRandomBytes(await this.randomBytes(IV_BYTES), IV_BYTES)
    await this.storage.write(this.itemPrefix + name, seal(value, keys, { name, expiresAt, iv }))
  }

  private async openItem(
    name: string,
  ): Promise<
    | { kind: 'ok'; value: string; expiresAt: number }
    | { kind: 'absent' | 'expired' }
    | { kind: 'failed'; error: AppError }
  > {
    // Reading never makes a key: without a keyring every item is simply unreadable.
    const keyring = await this.loadedKeyring()
    let envelope: string | undefined
    try {
      envelope = await this.storage.read(this.itemPrefix + name)
    } catch (error) {
      // The platform holds the key but cannot hand the value over (or it is not a string):
      // discarded like a tampered item. Any other storage failure goes to the caller.
      if (!isAppError(error, 'ERR_STORAGE_UNREADABLE')) throw error
      return this.discard(name, error)
    }
    if (envelope === undefined) return { kind: 'absent' }
    try {
      const { keyId, expiresAt } = readHeader(envelope)
      const keys = keyring.keys.get(keyId)
      if (!keys) {
        throw new AppError('ERR_TAMPERED', 'the item was sealed with a key this install lacks')
      }
      return { kind: 'ok', value: open(envelope, keys, { name, now: this.now() }), expiresAt }
    } catch (error) {
      if (isAppError(error, 'ERR_EXPIRED')) {
        await this.storage.remove(this.itemPrefix + name)
        return { kind: 'expired' }
      }
      return this.discard(
        name,
        isAppError(error)
          ? error
          : new AppError('ERR_TAMPERED', 'the item could not be read', { cause: error }),
      )
    }
  }

  /** Removes an item that cannot be trusted or read, and reports it (its name, never its value). */
  private async discard(
    name: string,
    error: AppError,
  ): Promise<{ kind: 'failed'; error: AppError }> {
    await this.storage.remove(this.itemPrefix + name)
    this.onEvent({ type: 'storage.discarded', name, code: error.code })
    return { kind: 'failed', error }
  }

  /** The current key, loading the keyring or making the first key on first use. */
  private async currentKeys(): Promise<EnvelopeKeys> {
    const keyring = await this.loadedKeyring()
    const keys = keyring.current === undefined ? undefined : keyring.keys.get(keyring.current)
    if (keys) return keys
    const fresh = await this.makeKey()
    const saved = await this.saveKeyring(fresh.keyId, { [fresh.keyId]: fresh.raw })
    return saved.keys.get(fresh.keyId) as EnvelopeKeys
  }

  private async loadedKeyring(): Promise<LoadedKeyring> {
    if (!this.keyring) this.keyring = await this.readKeyring()
    return this.keyring
  }

  private async readKeyring(): Promise<LoadedKeyring> {
    let parsed: Keyring | undefined
    try {
      const stored = await this.storage.read(this.keyringKey)
      if (stored === undefined) return withDerivedKeys(undefined, {})
      parsed = parseKeyring(await this.keyringLock.unlock(stored))
    } catch (error) {
      if (isAppError(error, 'ERR_KEY_LOST')) return this.discardLostKeyring()
      // Unreadable, or a locked keyring that does not open: handled below like a damaged one.
      // Anything else (storage failed, no key store) fails the call and discards nothing.
      if (!isAppError(error, 'ERR_STORAGE_UNREADABLE') && !isAppError(error, 'ERR_TAMPERED')) {
        throw error
      }
    }
    if (!parsed) {
      // Without a readable keyring no item can be opened: they are discarded when read.
      this.onEvent({ type: 'storage.discarded', name: 'keyring', code: 'ERR_TAMPERED' })
      await this.storage.remove(this.keyringKey)
      return withDerivedKeys(undefined, {})
    }
    return withDerivedKeys(parsed.current, parsed.keys)
  }

  /**
   * The device key that locked the keyring is gone (H5: site data partly cleared), so no item can
   * be opened: the keyring and every item go now, reported as ERR_KEY_LOST. A loss, not
   * tampering: the kill switch counts only ERR_TAMPERED.
   */
  private async discardLostKeyring(): Promise<LoadedKeyring> {
    await this.storage.remove(this.keyringKey)
    this.onEvent({ type: 'storage.discarded', name: 'keyring', code: 'ERR_KEY_LOST' })
    for (const name of await this.itemNames()) {
      await this.storage.remove(this.itemPrefix + name)
      this.onEvent({ type: 'storage.discarded', name, code: 'ERR_KEY_LOST' })
      this.lostItems++
    }
    return withDerivedKeys(undefined, {})
  }

  private async makeKey() {
    const master = checkRandomBytes(await this.randomBytes(MASTER_KEY_BYTES), MASTER_KEY_BYTES)
    const keyId = toHex(checkRandomBytes(await this.randomBytes(4), 4))
    return { keyId, raw: toHex(master) }
  }

  private async saveKeyring(current: string, raw: Record<string, string>): Promise<LoadedKeyring> {
    const record: Keyring = { current, keys: raw }
    await this.storage.write(this.keyringKey, await this.keyringLock.lock(JSON.stringify(record)))
    this.keyring = withDerivedKeys(current, raw)
    return this.keyring
  }
}

interface LoadedKeyring {
  current: string | undefined
  /** As stored: key id -> master key (hex). */
  raw: Record<string, string>
  /** Derived from `raw`, never stored. */
  keys: Map<string, EnvelopeKeys>
}

function withDerivedKeys(current: string | undefined, raw: Record<string, string>): LoadedKeyring {
  const keys = new Map(Object.entries(raw).map(([keyId, hex]) => [keyId, deriveKeys(keyId, hex)]))
  return { current, raw, keys }
}

/** True for the errors with which the store says "that item was bad, so I discarded it". */
export function isDiscarded(error: unknown): boolean {
  return DISCARD_CODES.some((code) => isAppError(error, code))
}
const DISCARD_CODES = ['ERR_TAMPERED', 'ERR_UNSUPPORTED_VERSION', 'ERR_STORAGE_UNREADABLE'] as const

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new AppError(
      'ERR_INVALID_INPUT',
      'an item name is 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
    )
  }
}

function parseKeyring(stored: string): Keyring | undefined {
  try {
    const value = JSON.parse(stored) as Partial<Keyring>
    if (typeof value?.current !== 'string' || typeof value.keys !== 'object' || !value.keys) {
      return undefined
    }
    const entries = Object.entries(value.keys)
    const valid = entries.every(
      ([keyId, raw]) =>
        KEY_ID_PATTERN.test(keyId) && typeof raw === 'string' && MASTER_KEY_PATTERN.test(raw),
    )
    if (!valid || !(value.current in value.keys)) return undefined
    return { current: value.current, keys: value.keys as Record<string, string> }
  } catch {
    return undefined
  }
}
