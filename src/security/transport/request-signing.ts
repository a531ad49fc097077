/**
 * The request-signing scheme shared by the app (TRANSPORT) and the reference server, which
 * verifies it. This file holds only the agreed strings and rules; each side brings its own
 * HMAC-SHA256 and SHA-256 (crypto-js in the app, node:crypto on the server).
 * The full scheme, with a worked example, is in docs/request-signing.md.
 */

/** Headers a signed request carries (names lower-case, as Node and WeChat deliver them). */
export const SIGNING_HEADERS = {
  /** `Bearer <session token>` from `POST /v1/session`. */
  authorization: 'authorization',
  /** Milliseconds since the Unix epoch, as a decimal string of 13 digits. */
  timestamp: 'x-timestamp',
  /** 16–64 characters of [A-Za-z0-9_-], fresh for every request (e.g. 16 random bytes, hex). */
  nonce: 'x-nonce',
  /** Lower-case hex HMAC-SHA256 of the string to sign, keyed with the session's signing key. */
  signature: 'x-signature',
} as const

/** First line of every string to sign: names the scheme and its version. */
export const SIGNING_SCHEME = 'ANXIN-HMAC-SHA256-V1'

/** The server refuses timestamps further than this from its own clock (either direction). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

/** SHA-256 of zero bytes: the body hash of a request without a body (GET, DELETE). */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

export const TIMESTAMP_PATTERN = /^\d{13}$/
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/
export const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/

export interface SignedParts {
  /** Upper-case HTTP method, e.g. `GET`. */
  method: string
  /** Path and query exactly as sent on the wire, e.g. `/v1/weather?cityId=beijing`. */
  pathWithQuery: string
  /** The `x-timestamp` header value. */
  timestamp: string
  /** The `x-nonce` header value. */
  nonce: string
  /** Lower-case hex SHA-256 of the exact body bytes sent (EMPTY_BODY_SHA256 when none). */
  bodySha256: string
}

/**
 * The string both sides feed to HMAC-SHA256: six lines joined by `\n`, no trailing newline.
 * Everything an attacker could change in transit is in it: method, path, query, body, and the
 * timestamp and nonce that stop replays.
 */
export function stringToSign(parts: SignedParts): string {
  return [
    SIGNING_SCHEME,
    parts.method.toUpperCase(),
    parts.pathWithQuery,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256,
  ].join('\n')
}
