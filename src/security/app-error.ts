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
  /** Reading or writing local storage failed (quota, platform error). */
  | 'ERR_STORAGE_FAILED'

export class AppError extends Error {
  readonly code: AppErrorCode

  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown }) {
    super(message)
    this.name = 'AppError'
    this.code = code
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
