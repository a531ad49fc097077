import { randomBytes } from 'node:crypto'
import { AppError } from '../../../src/security/app-error'
import {
  MAX_TTL_MS,
  SecureStore,
  type StorageEvent,
} from '../../../src/security/secure-storage/secure-store'
import { createMemoryStorage } from './memory-storage'
import { codeOfAsync } from './error-code'

// STORAGE: the store over an in-memory port with WeChat's quota rule, real crypto, a fake clock.
const HOUR = 60 * 60 * 1000

function setup(options: { itemLimitBytes?: number } = {}) {
  const memory = createMemoryStorage(options)
  const clock = { now: Date.UTC(2026, 10, 26, 8, 0, 0) }
  const events: StorageEvent[] = []
  const make = () =>
    new SecureStore({
      storage: memory.port,
      randomBytes: async (length) => new Uint8Array(randomBytes(length)),
      now: () => clock.now,
      onEvent: (event) => events.push(event),
    })
  return { memory, clock, events, store: make(), make }
}

test('a value is stored sealed and read back', async () => {
  const { store, memory } = setup()
  await store.set('session', 'token-abc-123', { ttlMs: HOUR })
  expect(await store.get('session')).toBe('token-abc-123')
  const stored = memory.items.get('secure.item.session') as string
  expect(stored).toMatch(/^v1\./)
  expect(stored).not.toContain('token-abc-123')
  expect(JSON.parse(memory.items.get('secure.keyring') as string).keys).toBeDefined()
})

test('an absent item reads as undefined', async () => {
  expect(await setup().store.get('nothing')).toBeUndefined()
})

test('an expired item reads as undefined and is removed', async () => {
  const { store, memory, clock, events } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  clock.now += HOUR
  expect(await store.get('session')).toBeUndefined()
  expect(memory.items.has('secure.item.session')).toBe(false)
  expect(events).toEqual([]) // expiry is normal, not an incident
})

test('a tampered item throws ERR_TAMPERED once, is reported and removed', async () => {
  const { store, memory, events } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  const stored = memory.items.get('secure.item.session') as string
  memory.items.set('secure.item.session', stored.slice(0, -1) + (stored.endsWith('0') ? '1' : '0'))
  expect(await codeOfAsync(() => store.get('session'))).toBe('ERR_TAMPERED')
  expect(events).toEqual([{ type: 'storage.discarded', name: 'session', code: 'ERR_TAMPERED' }])
  expect(memory.items.has('secure.item.session')).toBe(false)
  expect(await store.get('session')).toBeUndefined()
})

test('the launch sweep removes expired and unreadable items and keeps the rest', async () => {
  const { store, memory, clock, events } = setup()
  await store.set('keep', 'a', { ttlMs: 2 * HOUR })
  await store.set('old', 'b', { ttlMs: HOUR })
  await store.set('changed', 'c', { ttlMs: 2 * HOUR })
  const changed = memory.items.get('secure.item.changed') as string
  memory.items.set('secure.item.changed', changed.replace(/\.[^.]+$/, '.' + '0'.repeat(64)))
  memory.items.set('secure.item.future', 'v9.whatever')
  memory.items.set('secure.item.garbage', '{"token":"plain"}')
  memory.items.set('weather.selectedCityId', 'beijing') // not ours: untouched
  clock.now += HOUR

  expect(await store.sweep()).toEqual({ kept: 1, expired: 1, discarded: 3 })
  expect([...memory.items.keys()].sort()).toEqual([
    'secure.item.keep',
    'secure.keyring',
    'weather.selectedCityId',
  ])
  expect(events.map((event) => `${event.name}:${event.code}`).sort()).toEqual([
    'changed:ERR_TAMPERED',
    'future:ERR_UNSUPPORTED_VERSION',
    'garbage:ERR_TAMPERED',
  ])
  expect(await store.get('keep')).toBe('a')
})

test('a write that does not fit fails with ERR_STORAGE_QUOTA and the old value survives', async () => {
  const { store } = setup({ itemLimitBytes: 4096 })
  await store.set('profile', 'small', { ttlMs: HOUR })
  expect(await codeOfAsync(() => store.set('profile', 'x'.repeat(5000), { ttlMs: HOUR }))).toBe(
    'ERR_STORAGE_QUOTA',
  )
  expect(await store.get('profile')).toBe('small')
})

test('key rotation re-seals every live item under a new key, keeping each expiry', async () => {
  const { store, memory, clock } = setup()
  await store.set('a', 'first', { ttlMs: HOUR })
  await store.set('b', 'second', { ttlMs: 2 * HOUR })
  const before = JSON.parse(memory.items.get('secure.keyring') as string)
  const envelopeA = memory.items.get('secure.item.a') as string

  await store.rotateKey()

  const after = JSON.parse(memory.items.get('secure.keyring') as string)
  expect(Object.keys(after.keys)).toEqual([after.current])
  expect(after.current).not.toBe(before.current)
  expect(memory.items.get('secure.item.a')).not.toBe(envelopeA)
  expect((memory.items.get('secure.item.a') as string).split('.')[1]).toBe(after.current)
  expect(await store.get('a')).toBe('first')
  // The expiries were kept: a stays until its hour is up, b for two.
  clock.now += HOUR
  expect(await store.get('a')).toBeUndefined()
  expect(await store.get('b')).toBe('second')
})

test('an interrupted rotation loses nothing: the old key stays until every item is re-sealed', async () => {
  const { store, memory, make } = setup()
  await store.set('a', 'first', { ttlMs: HOUR })
  await store.set('b', 'second', { ttlMs: HOUR })
  memory.failWritesAfter(2) // keyring with both keys, then item a; item b's write "crashes"
  expect(await codeOfAsync(() => store.rotateKey())).toBe('ERR_STORAGE_FAILED')
  memory.failWritesAfter(Infinity)
  const nextLaunch = make()
  expect(await nextLaunch.get('a')).toBe('first')
  expect(await nextLaunch.get('b')).toBe('second')
})

test('wipe removes every item and the keys; the next write makes a new key', async () => {
  const { store, memory } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  memory.items.set('weather.selectedCityId', 'beijing')
  const keyId = JSON.parse(memory.items.get('secure.keyring') as string).current
  await store.wipe()
  expect([...memory.items.keys()]).toEqual(['weather.selectedCityId'])
  expect(await store.get('session')).toBeUndefined()
  await store.set('session', 'y', { ttlMs: HOUR })
  expect(JSON.parse(memory.items.get('secure.keyring') as string).current).not.toBe(keyId)
})

test('a damaged keyring is reported and its items are discarded, not trusted', async () => {
  const { store, memory, make, events } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  memory.items.set('secure.keyring', '{"current":"zz","keys":{}}')
  const nextLaunch = make()
  expect(await nextLaunch.sweep()).toEqual({ kept: 0, expired: 0, discarded: 1 })
  expect(events.map((event) => event.name)).toEqual(['keyring', 'session'])
  await nextLaunch.set('session', 'y', { ttlMs: HOUR })
  expect(await nextLaunch.get('session')).toBe('y')
})

test('an item the platform cannot hand over is discarded and reported like a tampered one', async () => {
  const { store, memory, events } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  memory.unreadable.add('secure.item.session')
  expect(await codeOfAsync(() => store.get('session'))).toBe('ERR_STORAGE_UNREADABLE')
  expect(memory.items.has('secure.item.session')).toBe(false)
  expect(events).toEqual([
    { type: 'storage.discarded', name: 'session', code: 'ERR_STORAGE_UNREADABLE' },
  ])
  expect(await store.get('session')).toBeUndefined()
})

test('the launch sweep discards unreadable items too', async () => {
  const { store, memory } = setup()
  await store.set('a', '1', { ttlMs: HOUR })
  await store.set('b', '2', { ttlMs: HOUR })
  memory.unreadable.add('secure.item.b')
  expect(await store.sweep()).toEqual({ kept: 1, expired: 0, discarded: 1 })
})

test('an unreadable keyring is reported like a damaged one; its items are discarded', async () => {
  const { store, memory, events, make } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  memory.unreadable.add('secure.keyring')
  const fresh = make()
  expect(await codeOfAsync(() => fresh.get('session'))).toBe('ERR_TAMPERED')
  expect(events.map((event) => event.name)).toEqual(['keyring', 'session'])
  void store
})

test('a failing platform is not mistaken for a bad item: ERR_STORAGE_FAILED, nothing removed', async () => {
  const { store, memory, events } = setup()
  await store.set('session', 'x', { ttlMs: HOUR })
  memory.failingReads.add('secure.item.session')
  expect(await codeOfAsync(() => store.get('session'))).toBe('ERR_STORAGE_FAILED')
  expect(memory.items.has('secure.item.session')).toBe(true)
  expect(events).toEqual([])
})

test('writes that race on first use share one key', async () => {
  const { store, make } = setup()
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => store.set(`item-${i}`, `value ${i}`, { ttlMs: HOUR })),
  )
  const nextLaunch = make()
  for (let i = 0; i < 10; i++) expect(await nextLaunch.get(`item-${i}`)).toBe(`value ${i}`)
})

describe('a broken random source stops the write; nothing weak is stored', () => {
  test.each<[string, (length: number) => Promise<Uint8Array>]>([
    ['short', async () => new Uint8Array(3)],
    ['not bytes', async (length) => Array.from({ length }) as unknown as Uint8Array],
    ['rejects', async () => Promise.reject(new AppError('ERR_NO_SECURE_RANDOM', 'none'))],
  ])('%s', async (_label, random) => {
    const memory = createMemoryStorage()
    const store = new SecureStore({ storage: memory.port, randomBytes: random, now: Date.now })
    expect(await codeOfAsync(() => store.set('session', 'x', { ttlMs: HOUR }))).toBe(
      'ERR_NO_SECURE_RANDOM',
    )
    expect(memory.items.size).toBe(0)
  })
})

describe('bad input', () => {
  const { store } = setup()
  test.each<[string, () => Promise<unknown>]>([
    ['empty name', () => store.set('', 'x', { ttlMs: HOUR })],
    ['upper-case name', () => store.set('Session', 'x', { ttlMs: HOUR })],
    ['path in name', () => store.set('../keyring', 'x', { ttlMs: HOUR })],
    ['65-character name', () => store.set('a'.repeat(65), 'x', { ttlMs: HOUR })],
    ['number name', () => store.get(7 as unknown as string)],
    ['no ttl', () => store.set('a', 'x', {} as { ttlMs: number })],
    ['zero ttl', () => store.set('a', 'x', { ttlMs: 0 })],
    ['negative ttl', () => store.set('a', 'x', { ttlMs: -1 })],
    ['fractional ttl', () => store.set('a', 'x', { ttlMs: 1.5 })],
    ['too long a ttl', () => store.set('a', 'x', { ttlMs: MAX_TTL_MS + 1 })],
    ['object value', () => store.set('a', { token: 'x' } as unknown as string, { ttlMs: HOUR })],
  ])('%s -> a rejected promise with ERR_INVALID_INPUT', async (_label, run) => {
    // Rejected, not thrown: callers that only attach .catch() still see it.
    await expect(run()).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' })
  })
})
