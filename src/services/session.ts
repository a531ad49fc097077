import { AppError, isAppError } from '../security/app-error'
import { isDiscarded, type SecureStore } from '../security/secure-storage/secure-store'
import type {
  Credentials,
  CredentialsProvider,
  HttpsClient,
} from '../security/transport/https-client'
import { signatureHeaders } from '../security/transport/sign-request'
import { API_ROUTES, type SessionResponse } from './api-contract'

/** The secure-store item that holds the session (token, signing key, expiry), sealed. */
export const SESSION_ITEM = 'session'
/** Sign in again this long before the session ends, so no request races the expiry. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000

interface StoredSession extends Credentials {
  /** On the device's clock, ms since the epoch. */
  expiresAt: number
}

export interface SessionState {
  signedIn: boolean
  /** When the session ends (device clock, ms), when signed in. */
  expiresAt?: number
}

export interface SessionServiceOptions {
  client: HttpsClient
  store: SecureStore
  /** A fresh one-time login code (wx.login on weapp). */
  login: () => Promise<string>
  apiOrigin: string
  now: () => number
  /** Whether the user allows an account (consent.ts `allows('account')`); sign-in checks it. */
  consented?: () => boolean
}

/**
 * Plain device storage (not personal: one flag) that app-session.ts keeps: the user signed out,
 * or deleted their data, by choice, so nothing signs in again on its own. Cleared by their next
 * sign-in.
 */
export const SIGNED_OUT_KEY = 'session.signedOut'

/**
 * The session lifecycle (TRANSPORT + STORAGE): `wx.login` -> `POST /v1/session` -> token, signing
 * key and expiry sealed in the secure store. Signed calls get credentials here; shortly before
 * expiry they are renewed; when the server refuses them the client asks for one renewal (never a
 * loop). Sign-out ends the server session and wipes the secure store, keys included.
 */
export class SessionService implements CredentialsProvider {
  private session: StoredSession | undefined
  private loaded = false
  private signingIn: Promise<StoredSession> | undefined

  constructor(private readonly options: SessionServiceOptions) {
    options.client.useCredentials(this, signatureHeaders)
  }

  async state(): Promise<SessionState> {
    const session = await this.load()
    return session ? { signedIn: true, expiresAt: session.expiresAt } : { signedIn: false }
  }

  /**
   * Signs in now (a user action, e.g. in the privacy center). ERR_CONSENT_REQUIRED when the user
   * has not agreed to an account; else the login's and the client's codes.
   */
  async signIn(): Promise<SessionState> {
    const session = await this.renew()
    return { signedIn: true, expiresAt: (session as StoredSession).expiresAt }
  }

  async current(): Promise<Credentials> {
    const session = await this.load()
    if (session && session.expiresAt - REFRESH_MARGIN_MS > this.options.now()) return session
    return this.renew()
  }

  /** One sign-in at a time: calls that need a session while one is being made share it. */
  renew(): Promise<Credentials> {
    this.signingIn ??= this.createSession().finally(() => {
      this.signingIn = undefined
    })
    return this.signingIn
  }

  /**
   * Ends the session on the server (best effort: offline, it simply expires there) and wipes the
   * secure store and its keys on the device (always). Resolves with what the server did:
   * `ended` (it confirmed, or already had no such session), `refused` (it answered with an error:
   * `status` and its `serverCode`), or `unreachable` (no answer: offline, timeout).
   */
  async signOut(): Promise<ServerSignOut> {
    let server: ServerSignOut = { outcome: 'ended' }
    const session = await this.load()
    if (session) {
      try {
        await this.options.client.call({
          method: 'DELETE',
          url: this.options.apiOrigin + API_ROUTES.session,
          signed: true,
          renewSession: false,
          parse: () => undefined,
        })
      } catch (error) {
        // Availability over certainty: the device forgets the session regardless, and the
        // server drops it at expiry. The caller tells the user which of the outcomes happened.
        if (!isAppError(error)) throw error
        server = signOutFailure(error)
      }
    }
    await this.forget()
    return server
  }

  /**
   * Forgets the session on the device only: the secure store and its keys are wiped, nothing is
   * sent. For when the server's half is already gone (the user's data was erased there) or
   * cannot be reached.
   */
  async forget(): Promise<void> {
    this.session = undefined
    this.loaded = true
    await this.options.store.wipe()
  }

  // --- inside -------------------------------------------------------------------------------

  private async load(): Promise<StoredSession | undefined> {
    if (!this.loaded) {
      this.session = await this.readStored()
      this.loaded = true
    }
    if (this.session && this.session.expiresAt <= this.options.now()) this.session = undefined
    return this.session
  }

  private async readStored(): Promise<StoredSession | undefined> {
    let text: string | undefined
    try {
      text = await this.options.store.get(SESSION_ITEM)
    } catch (error) {
      // A tampered or unreadable session was discarded and reported by the store: sign in afresh.
      if (isDiscarded(error)) return undefined
      throw error
    }
    if (text === undefined) return undefined
    const stored = parseStoredSession(text)
    // Sealed by this app, so a mismatch means an older app version wrote it: start afresh.
    if (!stored) await this.options.store.remove(SESSION_ITEM)
    return stored
  }

  private async createSession(): Promise<StoredSession> {
    // CONSENT: no login code is asked for, and nothing is sent, without consent to an account.
    if (this.options.consented && !this.options.consented()) {
      throw new AppError('ERR_CONSENT_REQUIRED', 'signing in needs consent to an account')
    }
    const code = await this.options.login()
    const started = this.options.now()
    const answer = await this.options.client.call({
      method: 'POST',
      url: this.options.apiOrigin + API_ROUTES.session,
      body: { code },
      parse: parseSessionResponse,
    })
    const serverTime = Date.parse(answer.serverTime)
    this.options.client.syncClock(serverTime)
    // The server's lifetime, counted on the device's clock from when we asked.
    const lifetimeMs = Date.parse(answer.expiresAt) - serverTime
    const session: StoredSession = {
      token: answer.token,
      signingKey: answer.signingKey,
      expiresAt: started + lifetimeMs,
    }
    try {
      await this.options.store.set(SESSION_ITEM, JSON.stringify(session), { ttlMs: lifetimeMs })
    } catch (cause) {
      // Full storage, and (H5) a browser that cannot keep the keyring's device key, keep their
      // codes: the user can do something about either.
      const kept = ['ERR_STORAGE_QUOTA', 'ERR_KEY_STORE_UNAVAILABLE'] as const
      throw new AppError(
        kept.find((code) => isAppError(cause, code)) ?? 'ERR_STORAGE_FAILED',
        'signed in, but the session could not be kept on this device',
        { cause },
      )
    }
    this.session = session
    this.loaded = true
    return session
  }
}

function parseStoredSession(text: string): StoredSession | undefined {
  try {
    const value = JSON.parse(text) as Partial<StoredSession>
    const valid =
      typeof value.token === 'string' &&
      typeof value.signingKey === 'string' &&
      typeof value.expiresAt === 'number'
    return valid ? (value as StoredSession) : undefined
  } catch {
    return undefined
  }
}

/** What the server made of a sign-out (the device is wiped whatever it says). */
export type ServerSignOut =
  | { outcome: 'ended' }
  | { outcome: 'refused'; status: number; serverCode?: string }
  | { outcome: 'unreachable' }

function signOutFailure(error: AppError): ServerSignOut {
  const { status, serverCode } = error.details
  // The server no longer knows the session: it is as ended as it can be.
  if (error.code === 'ERR_SESSION_EXPIRED') return { outcome: 'ended' }
  if (status !== undefined) return { outcome: 'refused', status, serverCode }
  return { outcome: 'unreachable' }
}

/**
 * Checks a `POST /v1/session` answer before anything stores it: the token and signing key must
 * have the server's formats and the times must be real and in order. Throws on any mismatch.
 */
export function parseSessionResponse(body: unknown): SessionResponse {
  const value = (body ?? {}) as Partial<Record<keyof SessionResponse, unknown>>
  const { token, signingKey, expiresAt, serverTime } = value
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) {
    throw new Error('token missing or malformed')
  }
  if (typeof signingKey !== 'string' || !/^[0-9a-f]{64}$/.test(signingKey)) {
    throw new Error('signingKey missing or malformed')
  }
  if (typeof expiresAt !== 'string' || typeof serverTime !== 'string') {
    throw new Error('expiresAt and serverTime must be ISO dates')
  }
  if (!(Date.parse(expiresAt) > Date.parse(serverTime))) {
    throw new Error('expiresAt must be a date after serverTime')
  }
  return { token, signingKey, expiresAt, serverTime }
}
