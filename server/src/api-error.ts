/**
 * Every error the reference API answers is JSON `{ error: { code, message } }` with a stable
 * `code` from this union. Clients and tests branch on the code, never on the message.
 */
export type ApiErrorCode =
  /** The request does not match the route's schema (types, unknown fields, sizes). */
  | 'ERR_VALIDATION'
  /** No such route. */
  | 'ERR_NOT_FOUND'
  /** The path exists but not with this method (405); the `Allow` header lists the ones it takes. */
  | 'ERR_METHOD_NOT_ALLOWED'
  /** No city with that id. */
  | 'ERR_CITY_NOT_FOUND'
  /** Coordinates with more than two decimals: the server refuses more precision than it needs. */
  | 'ERR_COORDINATES_TOO_PRECISE'
  /** The body is larger than the route accepts. */
  | 'ERR_BODY_TOO_LARGE'
  /** The body says it is JSON (`content-type: application/json`) but does not parse. */
  | 'ERR_BAD_BODY'
  /**
   * Valid JSON holding a key that could change an object's prototype (`__proto__` anywhere, or
   * `constructor` holding `prototype`): refused wherever it sits.
   */
  | 'ERR_FORBIDDEN_KEY'
  /** A body that is not declared as JSON (text/plain, a form, no content-type...): send JSON. */
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  /**
   * The URL's path or query is not valid percent-encoding of UTF-8 (`%FF`, `%G1`, a cut
   * sequence): encode it with encodeURIComponent.
   */
  | 'ERR_BAD_URL'
  /** The URL is longer than the server reads (414): send less in the query. */
  | 'ERR_URI_TOO_LONG'
  /** The request's headers are larger than the server reads (431). */
  | 'ERR_HEADERS_TOO_LARGE'
  /** Not valid HTTP (answered before any route runs; the connection is closed). */
  | 'ERR_BAD_REQUEST'
  /** The request (headers and body) did not arrive within REQUEST_TIMEOUT_MS; closed. */
  | 'ERR_REQUEST_TIMEOUT'
  /** Too many requests from this client; retry after the `retry-after` header. */
  | 'ERR_RATE_LIMITED'
  /** Too many error reports from this user or address; retry after the `retry-after` header. */
  | 'ERR_REPORT_BUDGET_EXCEEDED'
  /** Too many failed admin sign-ins lately, from any address; retry after `retry-after`. */
  | 'ERR_ADMIN_LOGIN_BACKOFF'
  /** A browser origin that is not allowed by settings. */
  | 'ERR_ORIGIN_NOT_ALLOWED'
  /** A route that needs a session got no `authorization: Bearer <token>`. */
  | 'ERR_AUTH_REQUIRED'
  /** The session token is unknown (never issued, logged out, or its user erased). */
  | 'ERR_SESSION_INVALID'
  /** The session token has expired: log in again. */
  | 'ERR_SESSION_EXPIRED'
  /** Signing headers missing or malformed, or the HMAC does not match the request as received. */
  | 'ERR_SIGNATURE_INVALID'
  /** `x-timestamp` is more than 5 minutes from the server's clock. */
  | 'ERR_CLOCK_SKEW'
  /** This nonce was already used with this session: a replayed request. */
  | 'ERR_NONCE_REPLAYED'
  /** WeChat (or the development stand-in) did not accept the login code. */
  | 'ERR_LOGIN_CODE_INVALID'
  /** WeChat's login service could not be reached or answered something unexpected. */
  | 'ERR_WECHAT_UNAVAILABLE'
  /** The configured weather provider failed or answered something unexpected. */
  | 'ERR_WEATHER_UPSTREAM'
  /**
   * Error reports from a user whose latest consent decision on record is not 'agreed' (none yet,
   * or a withdrawal), 403: the whole batch is refused and nothing of it is kept. The app sends
   * the decision (`POST /v1/me/consent`) right after sign-in, before any report.
   */
  | 'ERR_CONSENT_REQUIRED'
  /** An admin route without a valid, unexpired admin token. */
  | 'ERR_ADMIN_AUTH_REQUIRED'
  /** Wrong admin password. */
  | 'ERR_ADMIN_LOGIN_FAILED'
  /** An incident is already open; end it first. */
  | 'ERR_INCIDENT_ALREADY_OPEN'
  /** There is no open incident to end. */
  | 'ERR_NO_OPEN_INCIDENT'
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
