import type { SecureStore } from '../security/secure-storage/secure-store'
import type { ConsentRequest } from './api-contract'

/**
 * CONSENT: the app's own consent record and the one place the rest of the app asks what the user
 * allowed. Pages, sign-in, location, error reports and analytics call `allows(purpose)` and
 * subscribe to changes; nothing personal happens while it says no.
 *
 * States (a small state machine; every decision is kept with the policy version and the time):
 *   unknown                          never decided (or the record was lost or tampered with)
 *   agreed(version, time, choices)   agreed to the policy `version`; `choices` are separate ones
 *   declined(version, time)          said 不同意: the no-personal-data mode (manual city weather)
 *   withdrawn(version, time)         agreed once, then withdrew: same mode, sealed data wiped
 *
 * Law: PIPL Art. 14 (consent given freely, explicitly, informed; asked again when the purpose or
 * the data change), Art. 15 (withdrawal as easy as consent), Art. 16 (refusing must not cost a
 * service that does not need the data: weather for a chosen city needs none), Art. 23 (providing
 * data to another handler, such as an analytics SDK, needs SEPARATE consent: `choices.analytics`,
 * off unless turned on).
 */
export type ConsentState =
  | { status: 'unknown' }
  | {
      status: 'agreed'
      version: string
      decidedAt: number
      choices: ConsentChoices
      /** The server has recorded this decision (sent when the user is signed in). */
      sent?: boolean
    }
  | { status: 'declined' | 'withdrawn'; version: string; decidedAt: number; sent?: boolean }

/** Choices made separately from agreeing to the policy. */
export interface ConsentChoices {
  /** Usage statistics through WeChat's analytics (a third-party handler): PIPL Art. 23. */
  analytics: boolean
}

/**
 * What the app may do with personal information:
 * - `account`: sign in, and keep data on the server that the privacy center shows and deletes;
 * - `location`: ask for the fuzzy location when the user taps "use my location";
 * - `errorReports`: send scrubbed error reports to our own server;
 * - `analytics`: usage events to WeChat's analytics (needs `choices.analytics` too).
 */
export type ConsentPurpose = 'account' | 'location' | 'errorReports' | 'analytics'

/** The secure-store item of the record (its own store: a sign-out must not erase it). */
export const CONSENT_ITEM = 'record'
/** A decision is kept a year, then asked for again (the secure store's items all expire). */
export const CONSENT_TTL_MS = 365 * 24 * 60 * 60 * 1000

export interface ConsentServiceOptions {
  /** Where the record is sealed. Kept apart from the session's store, which sign-out wipes. */
  store: SecureStore
  /** The policy version the app shows now (policy-version.ts). */
  policyVersion: string
  /** Wipes every other sealed item on the device (a withdrawal: session, queued reports...). */
  wipePersonalData: () => Promise<void>
  /** ms since the epoch. */
  now: () => number
  /** A record could not be saved (the decision still holds for this run). */
  onSaveFailed?: (error: unknown) => void
}

/**
 * The consent record's owner. One instance for the app (app-consent.ts).
 * Reading is async (the record is sealed): `state()` is undefined until `load()` finished.
 */
export class ConsentService {
  private current: ConsentState | undefined
  private loading: Promise<void> | undefined
  private readonly listeners = new Set<(state: ConsentState) => void>()

  constructor(private readonly options: ConsentServiceOptions) {}

  /** The current state, or undefined before the record was read. */
  state(): ConsentState | undefined {
    return this.current
  }

  /** Reads the record once; a missing, expired, unreadable or tampered record reads as unknown. */
  load(): Promise<ConsentState> {
    this.loading ??= this.read().then((state) => {
      // A decision made while the record was being read wins over the record.
      this.current ??= state
      this.notify()
    })
    // The state now, not the one read at launch: decisions may have followed.
    return this.loading.then(() => this.current as ConsentState)
  }

  /**
   * True when the user allowed `purpose` under the CURRENT policy version. False while unknown,
   * declined, withdrawn, or agreed only to an older version (ask again first).
   */
  allows(purpose: ConsentPurpose): boolean {
    const state = this.current
    if (state?.status !== 'agreed' || state.version !== this.options.policyVersion) return false
    return purpose === 'analytics' ? state.choices.analytics : true
  }

  /**
   * Whether the consent dialog should ask now: never decided, or agreed to an older policy
   * version (`changed` is then true: show what changed). A decline is respected, not re-asked:
   * the home page and the privacy center offer a way to reconsider.
   */
  needsDecision(): { ask: boolean; changed: boolean } {
    const state = this.current
    if (state === undefined) return { ask: false, changed: false }
    if (state.status === 'unknown') return { ask: true, changed: false }
    const changed = state.status === 'agreed' && state.version !== this.options.policyVersion
    return { ask: changed, changed }
  }

  /** The user agreed to the current policy, with their separate choices. */
  agree(choices: ConsentChoices): Promise<void> {
    return this.decide({
      status: 'agreed',
      version: this.options.policyVersion,
      decidedAt: this.options.now(),
      choices: { analytics: choices?.analytics === true },
    })
  }

  /** Turns a separate choice on or off (only meaningful once agreed; ignored otherwise). */
  setChoices(choices: ConsentChoices): Promise<void> {
    const state = this.current
    if (state?.status !== 'agreed') return Promise.resolve()
    // The server records agreement and withdrawal only: a changed choice stays on the device.
    return this.decide({ ...state, choices: { analytics: choices?.analytics === true } })
  }

  /**
   * 不同意. When the user had agreed before (declining an updated policy), it is a withdrawal:
   * sealed personal data is wiped first. Either way the app continues without personal data.
   */
  async decline(): Promise<void> {
    if (this.current?.status === 'agreed') return this.withdraw()
    return this.decide(this.ended('declined'))
  }

  /**
   * Withdraws consent: wipes every sealed item (session, keys...) and records the withdrawal.
   * The caller ends the server session first (app-session.ts), while it can still sign a call.
   */
  async withdraw(): Promise<void> {
    const withdrawn = this.ended('withdrawn')
    this.current = withdrawn
    this.notify()
    await this.options.wipePersonalData()
    await this.save(withdrawn)
  }

  /**
   * The decision the server should record (`POST /v1/me/consent`) and has not confirmed yet, or
   * undefined. A decline is never sent: nobody is signed in then.
   */
  unsent(): ConsentRequest | undefined {
    const state = this.current
    if (state?.status !== 'agreed' && state?.status !== 'withdrawn') return undefined
    if (state.sent) return undefined
    // The time the user decided, which the privacy center shows: the server keeps the same.
    const decidedAt = new Date(state.decidedAt).toISOString()
    return { policyVersion: state.version, decision: state.status, decidedAt }
  }

  /** The server recorded the current decision (made at `decidedAt`). */
  async markSent(decidedAt: number): Promise<void> {
    const state = this.current
    if (state?.status === 'unknown' || !state || state.decidedAt !== decidedAt) return
    this.current = { ...state, sent: true }
    await this.save(this.current)
  }

  /** The server no longer holds the decision (the user's data was erased there): send it again. */
  async markUnsent(): Promise<void> {
    const state = this.current
    if (state?.status !== 'agreed' && state?.status !== 'withdrawn') return
    this.current = { ...state, sent: false }
    await this.save(this.current)
  }

  /** Calls `listener` on every change (and once the record is read); returns the unsubscribe. */
  subscribe(listener: (state: ConsentState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  // --- inside -------------------------------------------------------------------------------

  private ended(status: 'declined' | 'withdrawn'): ConsentState {
    return { status, version: this.options.policyVersion, decidedAt: this.options.now() }
  }

  private async decide(state: ConsentState): Promise<void> {
    this.current = state
    this.notify()
    await this.save(state)
  }

  private async save(state: ConsentState): Promise<void> {
    try {
      await this.options.store.set(CONSENT_ITEM, JSON.stringify(state), { ttlMs: CONSENT_TTL_MS })
    } catch (error) {
      // The decision holds for this run; the next launch finds no record and asks again.
      this.options.onSaveFailed?.(error)
    }
  }

  private async read(): Promise<ConsentState> {
    let text: string | undefined
    try {
      text = await this.options.store.get(CONSENT_ITEM)
    } catch {
      // Tampered or unreadable (the store discarded and reported it), or storage failed: every
      // failure is handled the same safe way, by asking again.
      return { status: 'unknown' }
    }
    const state = text === undefined ? undefined : parseConsentState(text)
    if (text !== undefined && !state) await this.options.store.remove(CONSENT_ITEM)
    return state ?? { status: 'unknown' }
  }

  private notify(): void {
    const state = this.current
    if (state) for (const listener of [...this.listeners]) listener(state)
  }
}

const VERSION_PATTERN = /^[0-9A-Za-z.-]{1,20}$/

/** A stored record, checked field by field; undefined when it is not one. */
export function parseConsentState(text: string): ConsentState | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const { status, version, decidedAt, choices, sent } = (value ?? {}) as Record<string, unknown>
  if (status === 'unknown') return { status }
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) return undefined
  if (typeof decidedAt !== 'number' || !Number.isFinite(decidedAt)) return undefined
  if (sent !== undefined && typeof sent !== 'boolean') return undefined
  if (status === 'declined' || status === 'withdrawn') return { status, version, decidedAt, sent }
  const analytics = (choices as Record<string, unknown> | null | undefined)?.analytics
  if (status !== 'agreed' || typeof analytics !== 'boolean') return undefined
  return { status, version, decidedAt, choices: { analytics }, sent }
}
