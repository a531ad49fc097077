/**
 * TRANSPORT: the app's half of request signing (the server verifies; docs/request-signing.md).
 * crypto-js through its per-algorithm entry points; the nonce's bytes come from the platform's
 * secure source, never from crypto-js or Math.random.
 */
import Hex from 'crypto-js/enc-hex'
import Utf8 from 'crypto-js/enc-utf8'
import HmacSHA256 from 'crypto-js/hmac-sha256'
import SHA256 from 'crypto-js/sha256'
import { AppError } from '../app-error'
import { SIGNING_HEADERS, stringToSign } from './request-signing'

const SIGNING_KEY_PATTERN = /^[0-9a-f]{64}$/

export interface SignInput {
  method: string
  pathWithQuery: string
  /** The exact body string that will be sent ('' for none). */
  body: string
  /** ms since the epoch, on the server's clock as best known. */
  timestamp: number
  /** 16–64 characters of [A-Za-z0-9_-], fresh for this request. */
  nonce: string
  /** The session's signing key: 64 lower-case hex characters (32 bytes). */
  signingKey: string
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of `body`. */
export function bodySha256(body: string): string {
  return Hex.stringify(SHA256(Utf8.parse(body)))
}

/** The x-timestamp, x-nonce and x-signature headers for one request. */
export function signatureHeaders(input: SignInput): Record<string, string> {
  if (!SIGNING_KEY_PATTERN.test(input.signingKey)) {
    throw new AppError('ERR_INVALID_INPUT', 'a signing key is 64 lower-case hex characters')
  }
  const timestamp = String(Math.floor(input.timestamp))
  const text = stringToSign({
    method: input.method,
    pathWithQuery: input.pathWithQuery,
    timestamp,
    nonce: input.nonce,
    bodySha256: bodySha256(input.body),
  })
  return {
    [SIGNING_HEADERS.timestamp]: timestamp,
    [SIGNING_HEADERS.nonce]: input.nonce,
    [SIGNING_HEADERS.signature]: Hex.stringify(HmacSHA256(text, Hex.parse(input.signingKey))),
  }
}
