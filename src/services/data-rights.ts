import { AppError, isAppError, type AppErrorCode } from '../security/app-error'
import { apiClient } from './api-client'
import { API_ROUTES, type ErasureReceipt, type MyDataExport } from './api-contract'
import { consent } from './app-consent'
import { rememberSignedOut, session } from './app-session'
import { forgetSelectedCity } from './city-preference'
import { secureStore } from './device-store'
import { forgetKeptWeather } from './weather-cache'
import { monitor } from './app-monitor'
import { API_ORIGIN } from './settings'

/**
 * POLICY: the user's rights over their data, from the privacy center (PIPL Art. 45: to see and
 * copy; Art. 47: to delete). Both need a session: the server knows a user only by it.
 */

/**
 * Everything the server holds about the signed-in user (`GET /v1/me/data`), checked to be an
 * export before it is shown. Errors: ERR_SESSION_EXPIRED (not signed in, or the session was
 * refused), ERR_BAD_RESPONSE, else the client's codes (ERR_NETWORK, ERR_TIMEOUT, ERR_SERVER...).
 */
export async function exportMyData(): Promise<MyDataExport> {
  if (!(await session.state()).signedIn) {
    throw new AppError('ERR_SESSION_EXPIRED', 'exporting needs a session')
  }
  return apiClient.call({
    method: 'GET',
    url: API_ORIGIN + API_ROUTES.myData,
    signed: true,
    parse: parseExport,
  })
}

/** What a deletion did, for the receipt the privacy center shows. */
export interface DeletionReceipt {
  /** When the device's part finished (device clock, ms). */
  at: number
  /** The device: sealed items and keys, the chosen city and the kept weather are gone. */
  device: 'erased'
  /**
   * The server: `erased` with its counts; `not-signed-in` (nothing to erase there from this
   * device: it knows a user only by a session); `pending` when it could not be reached or refused
   * (`code` says which): what it holds stays until it is erased (sign in and delete again) or
   * expires under the policy's retention.
   */
  server:
    | { outcome: 'erased'; erased: ErasureReceipt['erased'] }
    | { outcome: 'not-signed-in' }
    | { outcome: 'pending'; code: AppErrorCode }
}

/**
 * Deletes the user's data: first on the server (`DELETE /v1/me`, signed: the user row and
 * everything linked to it, in one transaction), then on the device, always, even offline: the
 * session and every sealed item with their keys, the chosen city and the kept weather. The
 * consent record stays: it is the user's decision about this device, not data about them.
 * Never throws for the server's part: the receipt says what happened there.
 */
export async function deleteMyData(now: () => number = Date.now): Promise<DeletionReceipt> {
  let server: DeletionReceipt['server'] = { outcome: 'not-signed-in' }
  if ((await session.state()).signedIn) {
    try {
      const receipt = await apiClient.call({
        method: 'DELETE',
        url: API_ORIGIN + API_ROUTES.me,
        signed: true,
        renewSession: false,
        parse: parseErasure,
      })
      server = { outcome: 'erased', erased: receipt.erased }
      // The server's copy of the consent decision went with the user: send it at the next sign-in.
      await consent.markUnsent()
    } catch (error) {
      server = { outcome: 'pending', code: isAppError(error) ? error.code : 'ERR_NETWORK' }
    }
  }
  // The session ends on the device only: its server half went with the user (erased), or the
  // server cannot be reached (pending), where it expires. Nothing more is sent.
  await session.forget()
  // Nothing signs in again on its own (an error report would recreate the account).
  rememberSignedOut(true)
  await secureStore.wipe()
  forgetSelectedCity()
  forgetKeptWeather()
  monitor.clear()
  return { at: now(), device: 'erased', server }
}

function parseExport(body: unknown): MyDataExport {
  const value = body as Partial<MyDataExport> | null
  if (
    !value ||
    typeof value.exportedAt !== 'string' ||
    typeof value.user !== 'object' ||
    !Array.isArray(value.consents) ||
    !Array.isArray(value.sessions) ||
    !Array.isArray(value.errorReports)
  ) {
    throw new AppError('ERR_BAD_RESPONSE', 'not an export of my data')
  }
  return value as MyDataExport
}

function parseErasure(body: unknown): ErasureReceipt {
  const erased = (body as Partial<ErasureReceipt> | null)?.erased
  const counts = ['users', 'sessions', 'consents', 'errorReports'] as const
  if (!erased || !counts.every((name) => Number.isInteger(erased[name]))) {
    throw new AppError('ERR_BAD_RESPONSE', 'not an erasure receipt')
  }
  return { erased }
}
