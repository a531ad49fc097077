import { randomBytes } from 'node:crypto'
import { SecureStore } from '../../src/security/secure-storage/secure-store'
import {
  CONSENT_ITEM,
  ConsentService,
  parseConsentState,
  type ConsentPurpose,
  type ConsentState,
} from '../../src/services/consent'
import { createMemoryStorage } from './security/memory-storage'

// CONSENT: the record's state machine over a real sealed store (real crypto, in-memory storage).
const VERSION = '2026.12.1'
const PURPOSES: ConsentPurpose[] = ['account', 'location', 'errorReports', 'analytics']

function setup(policyVersion = VERSION) {
  const memory = createMemoryStorage()
  const clock = { now: Date.UTC(2026, 11, 1, 2, 0, 0) }
  const wiped: string[] = []
  const store = () =>
    new SecureStore({
      storage: memory.port,
      randomBytes: async (length) => new Uint8Array(randomBytes(length)),
      now: () => clock.now,
      prefix: 'consent.',
    })
  const make = (version = policyVersion) =>
    new ConsentService({
      store: store(),
      policyVersion: version,
      wipePersonalData: async () => {
        wiped.push('wiped')
      },
      now: () => clock.now,
    })
  return { memory, clock, wiped, make, consent: make() }
}

const allowed = (consent: ConsentService) => PURPOSES.filter((p) => consent.allows(p))

test('before the record is read nothing is allowed and nothing is asked', () => {
  const { consent } = setup()
  expect(consent.state()).toBeUndefined()
  expect(allowed(consent)).toEqual([])
  expect(consent.needsDecision()).toEqual({ ask: false, changed: false })
})

test('a first launch is unknown: ask, allow nothing', async () => {
  const { consent } = setup()
  expect(await consent.load()).toEqual({ status: 'unknown' })
  expect(consent.needsDecision()).toEqual({ ask: true, changed: false })
  expect(allowed(consent)).toEqual([])
})

test('agreeing allows everything but analytics, which is a separate choice', async () => {
  const { consent, clock } = setup()
  await consent.load()
  await consent.agree({ analytics: false })
  expect(consent.state()).toEqual({
    status: 'agreed',
    version: VERSION,
    decidedAt: clock.now,
    choices: { analytics: false },
  })
  expect(allowed(consent)).toEqual(['account', 'location', 'errorReports'])
  await consent.setChoices({ analytics: true })
  expect(allowed(consent)).toEqual(PURPOSES)
  expect(consent.needsDecision().ask).toBe(false)
})

test('the decision is sealed and survives a restart; storage holds no readable record', async () => {
  const { consent, make, memory } = setup()
  await consent.load()
  await consent.agree({ analytics: true })
  const stored = [...memory.items.entries()]
  expect(stored.map(([key]) => key).sort()).toEqual(['consent.item.record', 'consent.keyring'])
  expect(JSON.stringify(stored)).not.toMatch(/agreed|analytics|2026\.12\.1/)
  const restarted = make()
  expect((await restarted.load()).status).toBe('agreed')
  expect(restarted.allows('analytics')).toBe(true)
})

test('declining is remembered, allows nothing and is not asked again', async () => {
  const { consent, make, wiped } = setup()
  await consent.load()
  await consent.decline()
  expect(consent.state()?.status).toBe('declined')
  expect(wiped).toEqual([]) // nothing had been agreed: nothing to wipe
  const restarted = make()
  await restarted.load()
  expect(restarted.state()?.status).toBe('declined')
  expect(restarted.needsDecision()).toEqual({ ask: false, changed: false })
  expect(allowed(restarted)).toEqual([])
})

test('withdrawing wipes the sealed personal data and allows nothing', async () => {
  const { consent, wiped } = setup()
  await consent.load()
  await consent.agree({ analytics: true })
  await consent.withdraw()
  expect(wiped).toEqual(['wiped'])
  expect(consent.state()?.status).toBe('withdrawn')
  expect(allowed(consent)).toEqual([])
})

test('declining an updated policy after agreeing is a withdrawal', async () => {
  const { consent, wiped } = setup()
  await consent.load()
  await consent.agree({ analytics: false })
  await consent.decline()
  expect(consent.state()?.status).toBe('withdrawn')
  expect(wiped).toEqual(['wiped'])
})

test('a new policy version asks again, says it changed, and allows nothing until agreed', async () => {
  const { consent, make } = setup('2026.11.1')
  await consent.load()
  await consent.agree({ analytics: true })
  const updated = make('2026.12.1')
  await updated.load()
  expect(updated.needsDecision()).toEqual({ ask: true, changed: true })
  expect(allowed(updated)).toEqual([])
  await updated.agree({ analytics: false })
  expect(updated.needsDecision()).toEqual({ ask: false, changed: false })
  expect(allowed(updated)).toEqual(['account', 'location', 'errorReports'])
})

test('a tampered record is discarded and the user is asked again', async () => {
  const { consent, make, memory } = setup()
  await consent.load()
  await consent.agree({ analytics: true })
  const key = 'consent.item.record'
  const sealed = memory.items.get(key) as string
  memory.items.set(key, sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA'))
  const restarted = make()
  expect(await restarted.load()).toEqual({ status: 'unknown' })
  expect(allowed(restarted)).toEqual([])
})

test('failing storage reads as unknown (ask again), never as agreed', async () => {
  const { make, memory } = setup()
  memory.failingReads.add('consent.keyring')
  memory.failingReads.add('consent.item.record')
  const consent = make()
  expect(await consent.load()).toEqual({ status: 'unknown' })
})

test('a decision that cannot be saved still holds for this run and is reported', async () => {
  const { memory, clock } = setup()
  const failures: unknown[] = []
  const consent = new ConsentService({
    store: new SecureStore({
      storage: memory.port,
      randomBytes: async (length) => new Uint8Array(randomBytes(length)),
      now: () => clock.now,
    }),
    policyVersion: VERSION,
    wipePersonalData: async () => undefined,
    now: () => clock.now,
    onSaveFailed: (error) => failures.push(error),
  })
  await consent.load()
  memory.failWritesAfter(0)
  await consent.agree({ analytics: false })
  expect(consent.allows('account')).toBe(true)
  expect(failures).toHaveLength(1)
})

test('subscribers hear the record once read, and every decision', async () => {
  const { consent } = setup()
  const heard: string[] = []
  consent.subscribe((state) => heard.push(state.status))
  await consent.load()
  await consent.agree({ analytics: false })
  await consent.withdraw()
  expect(heard).toEqual(['unknown', 'agreed', 'withdrawn'])
})

test('a decision made while the record is being read wins over the record', async () => {
  const { consent } = setup()
  const loading = consent.load()
  await consent.decline()
  expect((await loading).status).toBe('declined')
})

test('the server is sent agreement and withdrawal once each, never a decline, with the time the user decided', async () => {
  const { consent, clock } = setup()
  await consent.load()
  await consent.decline()
  expect(consent.unsent()).toBeUndefined()
  await consent.agree({ analytics: false })
  const agreedAt = new Date(clock.now).toISOString()
  clock.now += 120_000 // signed in two minutes later: the decision keeps its own time
  expect(consent.unsent()).toEqual({
    policyVersion: VERSION,
    decision: 'agreed',
    decidedAt: agreedAt,
  })
  const state = consent.state() as Extract<ConsentState, { decidedAt: number }>
  await consent.markSent(state.decidedAt)
  expect(consent.unsent()).toBeUndefined()
  await consent.setChoices({ analytics: true }) // a device-only choice: nothing new to send
  expect(consent.unsent()).toBeUndefined()
  await consent.withdraw()
  expect(consent.unsent()).toEqual({
    policyVersion: VERSION,
    decision: 'withdrawn',
    decidedAt: new Date(clock.now).toISOString(),
  })
})

// Bad input: what a stored record may hold. Anything else is not a record (ask again).
test.each<[string, string]>([
  ['not JSON', '{agreed'],
  ['null', 'null'],
  ['an array', '[]'],
  ['an unknown status', JSON.stringify({ status: 'maybe', version: VERSION, decidedAt: 1 })],
  ['no version', JSON.stringify({ status: 'declined', decidedAt: 1 })],
  ['a version with spaces', JSON.stringify({ status: 'declined', version: '1 0', decidedAt: 1 })],
  [
    'a too long version',
    JSON.stringify({ status: 'declined', version: '1'.repeat(21), decidedAt: 1 }),
  ],
  ['a text time', JSON.stringify({ status: 'declined', version: VERSION, decidedAt: 'today' })],
  ['agreed without choices', JSON.stringify({ status: 'agreed', version: VERSION, decidedAt: 1 })],
  [
    'analytics as text',
    JSON.stringify({
      status: 'agreed',
      version: VERSION,
      decidedAt: 1,
      choices: { analytics: 'yes' },
    }),
  ],
  [
    'sent as text',
    JSON.stringify({ status: 'withdrawn', version: VERSION, decidedAt: 1, sent: 'yes' }),
  ],
])('a stored %s is not a consent record', (_, text) => {
  expect(parseConsentState(text)).toBeUndefined()
})

test('a record that is not one is removed and reads as unknown', async () => {
  const { make, clock, memory } = setup()
  const store = new SecureStore({
    storage: memory.port,
    randomBytes: async (length) => new Uint8Array(randomBytes(length)),
    now: () => clock.now,
    prefix: 'consent.',
  })
  await store.set(CONSENT_ITEM, '{"status":"agreed"}', { ttlMs: 1000 })
  const consent = make()
  expect(await consent.load()).toEqual({ status: 'unknown' })
  expect(memory.items.has('consent.item.record')).toBe(false)
})

test('load() answers the state now, not the one read at launch', async () => {
  const { consent } = setup()
  await consent.load()
  await consent.decline()
  expect((await consent.load()).status).toBe('declined')
})

test('after the server erased the user, the decision is sent again at the next sign-in', async () => {
  const { consent } = setup()
  await consent.load()
  await consent.agree({ analytics: false })
  const state = consent.state() as Extract<ConsentState, { decidedAt: number }>
  await consent.markSent(state.decidedAt)
  expect(consent.unsent()).toBeUndefined()
  await consent.markUnsent()
  expect(consent.unsent()).toMatchObject({ policyVersion: VERSION, decision: 'agreed' })
})
