/**
 * The app's one error class. Every failure carries a stable `code` from the union below, so
 * pages decide what to show by code and tests assert codes, never message text.
 * WeChat's `errMsg` strings are turned into codes in adapters, never in pages.
 */
export type AppErrorCode =
  /** A caller passed a value that breaks the contract (empty id, wrong type...). */
  | 'ERR_INVALID_INPUT'
  /** The requested city is not in the city list. */
  | 'ERR_CITY_NOT_FOUND'
  /** The weather source could not answer (network, server, provider). */
  | 'ERR_WEATHER_UNAVAILABLE'
  /** Reading or writing local storage failed (platform error). */
  | 'ERR_STORAGE_FAILED'
  /**
   * A stored item exists but the platform could not hand it over (with either WeChat `encrypt`
   * flag), or it held a value of the wrong type: the secure store discards and reports it.
   */
  | 'ERR_STORAGE_UNREADABLE'
  /** Storage is full (WeChat: 1 MB a key, 10 MB in all; 0.7 / 7.1 MB with `encrypt`). */
  | 'ERR_STORAGE_QUOTA'
  /** A sealed item failed its integrity check (changed, truncated, wrong key): it was discarded. */
  | 'ERR_TAMPERED'
  /** A sealed item's time ran out: it is treated as absent and removed. */
  | 'ERR_EXPIRED'
  /** A sealed item was written by a format version this app does not read: it was discarded. */
  | 'ERR_UNSUPPORTED_VERSION'
  /** The platform has no secure random source; the app refuses to make keys without one. */
  | 'ERR_NO_SECURE_RANDOM'
  /**
   * H5: the browser cannot keep the device key that locks the keyring (no IndexedDB or WebCrypto,
   * or it refused to open): nothing is sealed or opened, and nothing stored is discarded.
   */
  | 'ERR_KEY_STORE_UNAVAILABLE'
  /**
   * H5: the device key that locked the keyring is gone (site data partly cleared): the keyring and
   * every item sealed under it were discarded. A loss, not tampering.
   */
  | 'ERR_KEY_LOST'
  /** A URL that is not https was refused before anything was sent. */
  | 'ERR_INSECURE_URL'
  /** An https URL whose host is not on the allow-list was refused before anything was sent. */
  | 'ERR_HOST_NOT_ALLOWED'
  /** The request did not finish within its timeout. */
  | 'ERR_TIMEOUT'
  /** The request never reached the server (offline, DNS, TLS, refused). */
  | 'ERR_NETWORK'
  /** The server failed (5xx). */
  | 'ERR_SERVER'
  /** The server refused the request (4xx); `details.serverCode` says why. */
  | 'ERR_REQUEST_REJECTED'
  /** The server is asking clients to slow down (429). */
  | 'ERR_RATE_LIMITED'
  /**
   * INCIDENT: the kill switch is on (an open incident or the local lock): the HTTPS client
   * refused the call before sending it. Only the status poll goes out while an incident is open.
   */
  | 'ERR_MAINTENANCE'
  /** The response did not match the API contract. */
  | 'ERR_BAD_RESPONSE'
  /** The session is missing, expired or refused, and signing in again did not help. */
  | 'ERR_SESSION_EXPIRED'
  /** WeChat could not hand out a login code (`wx.login` failed). */
  | 'ERR_LOGIN_FAILED'
  /** The user has not agreed to the use this needs (services/consent.ts): nothing was done. */
  | 'ERR_CONSENT_REQUIRED'
  /** Location permission is off (`scope.userFuzzyLocation` false, or the browser's denied). */
  | 'ERR_LOCATION_DENIED'
  /** The location could not be had (no signal, the platform failed, a prompt dismissed). */
  | 'ERR_LOCATION_UNAVAILABLE'
  /** No location within the time allowed. */
  | 'ERR_LOCATION_TIMEOUT'
  /** A location was found, but no city of the list is near enough to stand for it. */
  | 'ERR_NO_CITY_NEARBY'
  /**
   * The system clipboard did not take the text: on weapp the user refused WeChat's privacy
   * authorization or WeChat failed; in a browser the page may not write the clipboard.
   */
  | 'ERR_COPY_FAILED'

/** Facts about a failure that are safe to show, log and report: never bodies or credentials. */
export interface AppErrorDetails {
  /** HTTP status of a rejected response. */
  status?: number
  /** The server's stable error code, e.g. `ERR_SIGNATURE_INVALID`. */
  serverCode?: string
}

export class AppError extends Error {
  readonly code: AppErrorCode
  readonly details: AppErrorDetails

  constructor(
    code: AppErrorCode,
    message: string,
    options?: { cause?: unknown; details?: AppErrorDetails },
  ) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.details = options?.details ?? {}
    if (options && 'cause' in options) {
      // Kept for debugging; never shown to the user and never sent anywhere as-is.
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false })
    }
  }
}

/** True when `error` is an AppError, optionally with the given code. */
export function isAppError(error: unknown, code?: AppErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code)
}
