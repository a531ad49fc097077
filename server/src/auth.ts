import type { FastifyRequest } from 'fastify'
import { createHmac, timingSafeEqual } from 'node:crypto'
import {
  EMPTY_BODY_SHA256,
  MAX_CLOCK_SKEW_MS,
  NONCE_PATTERN,
  SIGNATURE_PATTERN,
  SIGNING_HEADERS,
  stringToSign,
  TIMESTAMP_PATTERN,
} from '../../src/security/transport/request-signing'
import { ApiError } from './api-error'
import type { ReplayGuard } from './replay-guard'
import { sha256, type Sessions } from './sessions'

export interface AuthenticatedSession {
  userId: string
  tokenSha256: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `verifySignedRequest` on routes that need (or accept) a session. */
    session: AuthenticatedSession | null
    /** The body exactly as received, kept so its hash can be checked against the signature. */
    rawBody: Buffer | undefined
  }
}

export interface AuthDependencies {
  sessions: Sessions
  replayGuard: ReplayGuard
  now: () => Date
}

/**
 * Checks a signed request (docs/request-signing.md) in the order that gives an attacker the
 * least: session first, then the clock, then the HMAC over the request as received, and only
 * for a valid signature is the nonce spent, so forged requests cannot burn a client's nonces.
 *
 * `optional`: a request with no `authorization` header passes as anonymous (public weather for
 * people who have not signed in); one that has the header is verified fully, never downgraded.
 */
export function verifySignedRequest(
  request: FastifyRequest,
  deps: AuthDependencies,
  { optional = false } = {},
): AuthenticatedSession | null {
  const authorization = header(request, SIGNING_HEADERS.authorization)
  if (request.headers[SIGNING_HEADERS.authorization] === undefined) {
    if (optional) return null
    throw new ApiError(401, 'ERR_AUTH_REQUIRED', 'Sign in first: this route needs a session.')
  }
  const token = bearerToken(authorization)
  if (!token) throw new ApiError(401, 'ERR_SESSION_INVALID', 'The session token is malformed.')

  const session = deps.sessions.find(token)
  if (!session) throw new ApiError(401, 'ERR_SESSION_INVALID', 'Unknown or ended session.')
  const nowMs = deps.now().getTime()
  if (session.expiresAt <= nowMs) {
    throw new ApiError(401, 'ERR_SESSION_EXPIRED', 'The session has expired; sign in again.')
  }

  const timestamp = header(request, SIGNING_HEADERS.timestamp) ?? ''
  const nonce = header(request, SIGNING_HEADERS.nonce) ?? ''
  const signature = header(request, SIGNING_HEADERS.signature) ?? ''
  if (
    !TIMESTAMP_PATTERN.test(timestamp) ||
    !NONCE_PATTERN.test(nonce) ||
    !SIGNATURE_PATTERN.test(signature)
  ) {
    throw new ApiError(
      403,
      'ERR_SIGNATURE_INVALID',
      'x-timestamp, x-nonce and x-signature are required and must be well-formed.',
    )
  }
  if (Math.abs(nowMs - Number(timestamp)) > MAX_CLOCK_SKEW_MS) {
    throw new ApiError(403, 'ERR_CLOCK_SKEW', 'x-timestamp is more than 5 minutes off.')
  }

  const expected = createHmac('sha256', Buffer.from(deps.sessions.signingKeyFor(token), 'hex'))
    .update(
      stringToSign({
        method: request.method,
        pathWithQuery: request.url,
        timestamp,
        nonce,
        bodySha256: request.rawBody ? sha256(request.rawBody) : EMPTY_BODY_SHA256,
      }),
    )
    .digest()
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    throw new ApiError(403, 'ERR_SIGNATURE_INVALID', 'The signature does not match the request.')
  }

  if (!deps.replayGuard.firstUse(session.tokenSha256, nonce, nowMs)) {
    throw new ApiError(403, 'ERR_NONCE_REPLAYED', 'This request was already received.')
  }
  return { userId: session.userId, tokenSha256: session.tokenSha256 }
}

/** The token of an `authorization: Bearer <token>` header (user and admin tokens alike). */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(authorization ?? '')?.[1]
}

/** A single-valued header; repeated headers are treated as malformed (undefined -> refused). */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

/** A route hook that lets only signed requests with a live session through. */
export function requireSession(deps: AuthDependencies) {
  return async (request: FastifyRequest): Promise<void> => {
    request.session = verifySignedRequest(request, deps)
  }
}

/** A route hook for public routes: anonymous is fine, but a presented session must verify. */
export function acceptSession(deps: AuthDependencies) {
  return async (request: FastifyRequest): Promise<void> => {
    request.session = verifySignedRequest(request, deps, { optional: true })
  }
}
