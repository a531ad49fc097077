import * as crypto from 'node:crypto'
import { createHash, createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { getRow, type Db } from './database'

/** What `POST /v1/session` hands the app. The token and signing key are shown exactly once. */
export interface IssuedSession {
  token: string
  /** Hex of 32 bytes: the HMAC-SHA256 key for request signing (docs/request-signing.md). */
  signingKey: string
  expiresAt: string
}

export interface FoundSession {
  tokenSha256: string
  userId: string
  expiresAt: number
}

/** Signing keys kept in memory, by token hash (see `signingKeyBytes`). */
const SIGNING_KEY_CACHE_SIZE = 10_000

/**
 * Users and their sessions. What the database holds is useless to someone who copies it:
 * - users are keyed by HMAC-SHA256(server secret, openid), never the openid itself;
 * - a session is stored as the SHA-256 of its token (a 256-bit random value, so a plain hash
 *   cannot be brute-forced);
 * - the signing key is not stored at all: it is HMAC-SHA256(server secret, token), recomputed
 *   from the token the request presents.
 */
export class Sessions {
  private readonly findUser
  private readonly insertUser
  private readonly insertSession
  private readonly selectSession
  private readonly selectSessions
  private readonly deleteSession
  private readonly deleteExpired
  private readonly deleteAllExpired
  private readonly signingKeys = new Map<string, KeyObject>()

  constructor(
    db: Db,
    private readonly secret: Buffer,
    private readonly ttlSeconds: number,
    private readonly now: () => Date,
  ) {
    this.findUser = db.prepare('SELECT id FROM users WHERE openid_hmac = ?')
    this.insertUser = db.prepare('INSERT INTO users (id, openid_hmac, created_at) VALUES (?, ?, ?)')
    this.insertSession = db.prepare(
      'INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    )
    this.selectSession = db.prepare(
      `SELECT token_sha256 AS tokenSha256, user_id AS userId, expires_at AS expiresAt
         FROM sessions WHERE token_sha256 = ?`,
    )
    this.selectSessions = db.prepare(
      `SELECT token_sha256 AS tokenSha256, user_id AS userId, expires_at AS expiresAt
         FROM sessions WHERE token_sha256 IN (SELECT value FROM json_each(?))`,
    )
    this.deleteSession = db.prepare('DELETE FROM sessions WHERE token_sha256 = ?')
    this.deleteExpired = db.prepare('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?')
    this.deleteAllExpired = db.prepare('DELETE FROM sessions WHERE expires_at <= ?')
  }

  /** Deletes every expired session, whoever it belongs to; returns how many (app.ts's timer). */
  pruneExpired(): number {
    return Number(this.deleteAllExpired.run(this.now().getTime()).changes)
  }

  /** The HMAC under which an openid is stored (also what tests search the database for). */
  openidHmac(openid: string): string {
    return createHmac('sha256', this.secret).update(`openid\0${openid}`).digest('hex')
  }

  /** Start a session for a WeChat user, creating the user row on first sign-in. */
  signIn(openid: string): IssuedSession {
    const openidHmac = this.openidHmac(openid)
    const now = this.now()
    const existing = getRow<{ id: string }>(this.findUser, openidHmac)
    const userId = existing?.id ?? `usr-${randomUUID()}`
    if (!existing) this.insertUser.run(userId, openidHmac, now.toISOString())
    // Expired sessions are of no use to anyone: they are not kept (data minimisation).
    else this.deleteExpired.run(userId, now.getTime())

    const token = randomBytes(32).toString('base64url')
    const expiresAt = now.getTime() + this.ttlSeconds * 1000
    this.insertSession.run(sha256(token), userId, now.toISOString(), expiresAt)
    return {
      token,
      signingKey: this.signingKeyFor(token),
      expiresAt: new Date(expiresAt).toISOString(),
    }
  }

  /** The session a token belongs to (expired ones included: the caller decides). */
  find(token: string): FoundSession | undefined {
    return getRow<FoundSession>(this.selectSession, sha256(token))
  }

  /**
   * The sessions of several token hashes, read in one statement (expired ones included: the
   * caller decides). Unknown or ended ones are absent from the map.
   */
  findMany(tokenSha256s: string[]): Map<string, FoundSession> {
    const found = new Map<string, FoundSession>()
    if (tokenSha256s.length === 1) {
      // The usual batch: one busy session (a statement's get() is cheaper than its all()).
      const row = getRow<FoundSession>(this.selectSession, tokenSha256s[0])
      if (row) found.set(row.tokenSha256, row)
      return found
    }
    if (tokenSha256s.length === 0) return found
    for (const row of this.selectSessions.all(JSON.stringify(tokenSha256s)) as FoundSession[]) {
      const { tokenSha256, userId, expiresAt } = row
      found.set(tokenSha256, { tokenSha256, userId, expiresAt })
    }
    return found
  }

  signingKeyFor(token: string): string {
    return this.deriveSigningKey(token).toString('hex')
  }

  /**
   * The signing key, ready for HMAC. It is a pure function of the server secret and the token,
   * so keys of live sessions are kept in memory by token hash (`keepSigningKey`) instead of
   * derived on every request. Whether a session is live is never cached: it is read from the
   * database for every request (auth.ts), so a kept key lets nothing through that the database
   * refuses.
   */
  signingKeyObject(token: string, tokenSha256: string): KeyObject {
    return this.signingKeys.get(tokenSha256) ?? createSecretKey(this.deriveSigningKey(token))
  }

  /** Keep a live session's key (only those: made-up tokens must not crowd real ones out). */
  keepSigningKey(tokenSha256: string, key: KeyObject): void {
    if (this.signingKeys.has(tokenSha256)) return
    if (this.signingKeys.size >= SIGNING_KEY_CACHE_SIZE) {
      // Oldest first: a Map iterates in insertion order.
      this.signingKeys.delete(this.signingKeys.keys().next().value as string)
    }
    this.signingKeys.set(tokenSha256, key)
  }

  private deriveSigningKey(token: string): Buffer {
    return createHmac('sha256', this.secret).update(`signing-key\0${token}`).digest()
  }

  /** Log out: the token stops working at once. */
  end(tokenSha256: string): void {
    this.deleteSession.run(tokenSha256)
    this.signingKeys.delete(tokenSha256)
  }
}

/** Node's one-shot hash (20.12 and later), several times cheaper than a Hash object. */
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash

export function sha256(text: string | Buffer): string {
  return oneShotHash
    ? oneShotHash('sha256', text, 'hex')
    : createHash('sha256').update(text).digest('hex')
}
