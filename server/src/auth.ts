import type { FastifyReply, FastifyRequest } from 'fastify'
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto'
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

/** A signed request checked as far as it can be without the database, waiting for its batch. */
interface PendingCheck {
  tokenSha256: string
  /** The session's signing key, derived from the token (kept in memory if the session is live). */
  signingKey: KeyObject
  nowMs: number
  /** Why it fails once its session is found live, if it does: the checks after the session's. */
  failure?: ApiError
  timestamp: number
  nonce: string
  settle: (session: AuthenticatedSession) => void
  fail: (error: unknown) => void
}

/**
 * Checks a signed request (docs/request-signing.md). The answer follows the order that gives an
 * attacker the least: session first (unknown, then expired), then well-formed headers, the
 * clock, the HMAC over the request as received; and only for a valid signature is the nonce
 * spent, so forged requests cannot burn a client's nonces.
 *
 * How it runs: what needs no database is done at once (the HMAC needs only the signing key,
 * which is derived from the token, not read); the request then waits, at most two turns of the
 * event loop, for one batch to do the rest for every signed request read meanwhile: one
 * statement reads their sessions (nothing about a session is cached: a logout or erasure
 * committed before the batch is seen by it), and one transaction spends the nonces of those
 * whose session is live and whose signature is valid (replay-guard.ts). Each request then gets
 * its own answer, as if it had been checked alone.
 *
 * `optional`: a request with no `authorization` header passes as anonymous (public weather for
 * people who have not signed in); one that has the header is verified fully, never downgraded.
 */
export function verifySignedRequest(
  request: FastifyRequest,
  deps: AuthDependencies,
  { optional = false } = {},
): Promise<AuthenticatedSession | null> {
  if (request.headers[SIGNING_HEADERS.authorization] === undefined) {
    if (optional) return Promise.resolve(null)
    return Promise.reject(
      new ApiError(401, 'ERR_AUTH_REQUIRED', 'Sign in first: this route needs a session.'),
    )
  }
  const token = bearerToken(header(request, SIGNING_HEADERS.authorization))
  if (!token) {
    return Promise.reject(
      new ApiError(401, 'ERR_SESSION_INVALID', 'The session token is malformed.'),
    )
  }
  const tokenSha256 = sha256(token)
  const signingKey = deps.sessions.signingKeyObject(token, tokenSha256)
  const nowMs = deps.now().getTime()
  const timestamp = header(request, SIGNING_HEADERS.timestamp) ?? ''
  const nonce = header(request, SIGNING_HEADERS.nonce) ?? ''
  const signature = header(request, SIGNING_HEADERS.signature) ?? ''
  let failure: ApiError | undefined
  if (
    !TIMESTAMP_PATTERN.test(timestamp) ||
    !NONCE_PATTERN.test(nonce) ||
    !SIGNATURE_PATTERN.test(signature)
  ) {
    failure = new ApiError(
      403,
      'ERR_SIGNATURE_INVALID',
      'x-timestamp, x-nonce and x-signature are required and must be well-formed.',
    )
  } else if (Math.abs(nowMs - Number(timestamp)) > MAX_CLOCK_SKEW_MS) {
    failure = new ApiError(403, 'ERR_CLOCK_SKEW', 'x-timestamp is more than 5 minutes off.')
  } else {
    const expected = createHmac('sha256', signingKey)
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
      failure = new ApiError(
        403,
        'ERR_SIGNATURE_INVALID',
        'The signature does not match the request.',
      )
    }
  }
  return new Promise((settle, fail) =>
    batchFor(deps).add({
      tokenSha256,
      signingKey,
      nowMs,
      failure,
      timestamp: Number(timestamp),
      nonce,
      settle,
      fail,
    }),
  )
}

/** The signed requests waiting for their batch, for one server (one set of dependencies). */
class SignedRequestBatch {
  private pending: PendingCheck[] = []

  constructor(private readonly deps: AuthDependencies) {}

  add(check: PendingCheck): void {
    // setImmediate runs after the turn's I/O, so every request read in this turn joins the
    // batch; the flush waits for one turn more, so those read in the next one join it too. A busy
    // server then spends each transaction on more requests (about 10 instead of 7 with 10
    // clients); an idle one loses only a turn that does not wait (an immediate is pending).
    if (this.pending.push(check) === 1) setImmediate(() => setImmediate(() => this.flush()))
  }

  private flush(): void {
    const batch = this.pending
    this.pending = []
    let answers: Array<AuthenticatedSession | ApiError>
    try {
      answers = this.check(batch)
    } catch (error) {
      // The database failed: no request of the batch is let through (500).
      for (const entry of batch) entry.fail(error)
      return
    }
    batch.forEach((entry, i) => {
      const answer = answers[i]
      if (answer instanceof ApiError) entry.fail(answer)
      else entry.settle(answer)
    })
  }

  private check(batch: PendingCheck[]): Array<AuthenticatedSession | ApiError> {
    const sessions = this.deps.sessions.findMany([...new Set(batch.map((e) => e.tokenSha256))])
    const answers = new Array<AuthenticatedSession | ApiError>(batch.length)
    const spending: number[] = []
    batch.forEach((entry, i) => {
      const session = sessions.get(entry.tokenSha256)
      if (!session) {
        answers[i] = new ApiError(401, 'ERR_SESSION_INVALID', 'Unknown or ended session.')
      } else if (session.expiresAt <= entry.nowMs) {
        answers[i] = new ApiError(
          401,
          'ERR_SESSION_EXPIRED',
          'The session has expired; sign in again.',
        )
      } else if (entry.failure) {
        answers[i] = entry.failure
      } else {
        this.deps.sessions.keepSigningKey(entry.tokenSha256, entry.signingKey)
        answers[i] = { userId: session.userId, tokenSha256: session.tokenSha256 }
        spending.push(i)
      }
    })
    const fresh = this.deps.replayGuard.spend(
      spending.map((i) => ({
        session: batch[i].tokenSha256,
        nonce: batch[i].nonce,
        timestamp: batch[i].timestamp,
      })),
      batch[batch.length - 1].nowMs,
    )
    spending.forEach((i, k) => {
      if (!fresh[k]) {
        answers[i] = new ApiError(403, 'ERR_NONCE_REPLAYED', 'This request was already received.')
      }
    })
    return answers
  }
}

const batches = new WeakMap<AuthDependencies, SignedRequestBatch>()

function batchFor(deps: AuthDependencies): SignedRequestBatch {
  let batch = batches.get(deps)
  if (!batch) batches.set(deps, (batch = new SignedRequestBatch(deps)))
  return batch
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
  return sessionHook(deps, false)
}

/** A route hook for public routes: anonymous is fine, but a presented session must verify. */
export function acceptSession(deps: AuthDependencies) {
  return sessionHook(deps, true)
}

/** (A callback hook: an anonymous request goes on at once, without waiting for a promise.) */
function sessionHook(deps: AuthDependencies, optional: boolean) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    if (optional && request.headers[SIGNING_HEADERS.authorization] === undefined) {
      request.session = null
      return done()
    }
    verifySignedRequest(request, deps, { optional }).then((session) => {
      request.session = session
      done()
    }, done)
  }
}
