/**
 * Every error the reference API answers is JSON `{ error: { code, message } }` with a stable
 * `code` from this union. Clients and tests branch on the code, never on the message.
 */
export type ApiErrorCode =
  /** The request does not match the route's schema (types, unknown fields, sizes). */
  | 'ERR_VALIDATION'
  /** No such route. */
  | 'ERR_NOT_FOUND'
  /** No city with that id. */
  | 'ERR_CITY_NOT_FOUND'
  /** Coordinates with more than two decimals: the server refuses more precision than it needs. */
  | 'ERR_COORDINATES_TOO_PRECISE'
  /** The body is larger than the route accepts. */
  | 'ERR_BODY_TOO_LARGE'
  /** The body is not valid JSON, or not JSON at all. */
  | 'ERR_BAD_BODY'
  /** Too many requests from this client; retry after the `retry-after` header. */
  | 'ERR_RATE_LIMITED'
  /** A browser origin that is not allowed by settings. */
  | 'ERR_ORIGIN_NOT_ALLOWED'
  /** Anything unexpected. Details are logged (redacted), never sent. */
  | 'ERR_INTERNAL'

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string }
}
