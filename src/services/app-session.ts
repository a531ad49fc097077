import Taro from '@tarojs/taro'
import { apiClient } from './api-client'
import { API_ROUTES } from './api-contract'
import { consent } from './app-consent'
import { secureStore } from './device-store'
import { loginCode } from './platform-login'
import { SessionService, SIGNED_OUT_KEY, type ServerSignOut, type SessionState } from './session'
import { API_ORIGIN } from './settings'

/**
 * The app's one session: signs in with a WeChat login code, keeps the credentials sealed in the
 * secure store, and gives the HTTPS client what it needs to sign calls. The privacy center signs
 * in and out; the error monitor (app-monitor.ts) signs in to send reports, unless the user signed
 * out by choice. Sign-in needs consent to an account (consent.ts).
 */
export const session = new SessionService({
  client: apiClient,
  store: secureStore,
  login: loginCode,
  apiOrigin: API_ORIGIN,
  now: () => Date.now(),
  consented: () => consent.allows('account'),
})

/** Signs in, then hands the server the consent decision it has not recorded yet. */
export async function signIn(): Promise<SessionState> {
  const state = await session.signIn()
  rememberSignedOut(false)
  await syncConsentWithServer()
  return state
}

/**
 * The user's own 退出登录: ends the session, and remembers the choice so that nothing signs in
 * again on its own (error reports wait until the user signs in: app-monitor.ts).
 */
export async function signOut(): Promise<ServerSignOut> {
  const server = await session.signOut()
  rememberSignedOut(true)
  return server
}

/** True when the user ended the session themselves (see SIGNED_OUT_KEY). */
export function signedOutByChoice(): boolean {
  try {
    return Taro.getStorageSync(SIGNED_OUT_KEY) === true
  } catch {
    return true // unreadable: do not sign in on the user's behalf
  }
}

/** Records (or clears) that the user signed out by choice. Never throws. */
export function rememberSignedOut(signedOut: boolean): void {
  try {
    if (signedOut) Taro.setStorageSync(SIGNED_OUT_KEY, true)
    else Taro.removeStorageSync(SIGNED_OUT_KEY)
  } catch {
    // Storage refused: at worst an error report signs in again; it never blocks the user.
  }
}

/**
 * Withdraws consent (PIPL Art. 15): the server records the withdrawal while the session can
 * still sign the call, the session ends (on the server, best effort) and every sealed item on the
 * device is wiped. The app goes back to the no-personal-data mode.
 */
export async function withdrawConsent(): Promise<void> {
  await consent.withdraw()
  await syncConsentWithServer()
}

/**
 * Resolves once the server has been sent the consent decision it has not recorded yet (if the
 * user is signed in): error reports go after it, since the server takes them only with an
 * 'agreed' on record. Never sends twice what it already confirmed; a failed send stays unsent.
 */
export function consentOnServer(): Promise<void> {
  return syncConsentWithServer()
}

/**
 * The server said it has no consent on record (its copy went with an erasure, or an earlier
 * send failed unnoticed): marks the decision unsent and sends it again.
 */
export async function resendConsent(): Promise<void> {
  await consent.markUnsent()
  await syncConsentWithServer()
}

// CONSENT with the server: while the user is signed in, every decision is sent
// (`POST /v1/me/consent`), once; a decision that no longer allows an account ends the session.
// One sync at a time, in order.
let syncing: Promise<void> = Promise.resolve()

function syncConsentWithServer(): Promise<void> {
  syncing = syncing.then(syncOnce, syncOnce)
  return syncing
}

async function syncOnce(): Promise<void> {
  if (!(await session.state()).signedIn) return
  const decision = consent.unsent()
  const state = consent.state()
  if (decision && state && state.status !== 'unknown') {
    try {
      await apiClient.call({
        method: 'POST',
        url: API_ORIGIN + API_ROUTES.consent,
        body: decision,
        signed: true,
        renewSession: false,
        parse: () => undefined,
      })
      await consent.markSent(state.decidedAt)
    } catch {
      // Offline or refused: it stays unsent, and goes with the next change or sign-in.
    }
  }
  if (!consent.allows('account')) await session.signOut()
}

consent.subscribe(() => void syncConsentWithServer())
void syncConsentWithServer()
