import { randomBytes } from 'node:crypto'
import { adminPasswordMatches } from './admin-password'
import { ApiError } from './api-error'
import { bearerToken } from './auth'
import { getRow, type Db } from './database'
import { sha256 } from './sessions'

/** Admin tokens live this long; the operator signs in again after. */
export const ADMIN_TOKEN_TTL_MS = 15 * 60 * 1000

/** The longest wait the global sign-in backoff imposes. */
export const ADMIN_LOGIN_MAX_BACKOFF_MS = 15 * 60 * 1000

export interface AuditEntry {
  id: number
  at: string
  action: string
  outcome: 'ok' | 'refused'
  detail: Record<string, unknown>
}

/**
 * Operators: one password, checked against a bcrypt hash (the password itself is never stored
 * or logged), short-lived random tokens stored as SHA-256, and an audit log row for every
 * admin action, refused ones included.
 */
export class Admin {
  private readonly insertToken
  private readonly selectToken
  private readonly insertAudit
  private readonly selectAudit
  private readonly deleteExpiredTokens
  // The global backoff (login): failed sign-ins in a row, from any address, and until when
  // every sign-in is refused.
  private failuresInARow = 0
  private waitUntilMs = 0

  constructor(
    db: Db,
    private readonly passwordHash: string,
    private readonly now: () => Date,
    /** Failed sign-ins in a row before the backoff starts (ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF). */
    private readonly failuresBeforeBackoff = 10,
  ) {
    this.insertToken = db.prepare(
      'INSERT INTO admin_tokens (token_sha256, created_at, expires_at) VALUES (?, ?, ?)',
    )
    this.selectToken = db.prepare(
      'SELECT expires_at AS expiresAt FROM admin_tokens WHERE token_sha256 = ?',
    )
    this.insertAudit = db.prepare(
      'INSERT INTO audit_log (at, action, outcome, detail) VALUES (?, ?, ?, ?)',
    )
    this.deleteExpiredTokens = db.prepare('DELETE FROM admin_tokens WHERE expires_at <= ?')
    this.selectAudit = db.prepare(
      'SELECT id, at, action, outcome, detail FROM audit_log ORDER BY id DESC LIMIT ?',
    )
  }

  /**
   * Check the password (bcrypt, constant time); on success a token valid for 15 minutes.
   * Throws ERR_ADMIN_LOGIN_FAILED (401) for a wrong password, and ERR_ADMIN_LOGIN_BACKOFF (429,
   * an `AdminLoginBackoff` with `retryAfterSeconds`) while the global backoff lasts.
   *
   * The per-address limit does not stop an attacker with many addresses, so failures are also
   * counted for the whole server: from the `failuresBeforeBackoff`-th failure in a row, every
   * sign-in, from anywhere and with any password, is refused for 1 s, then 2 s, 4 s, ... up to
   * 15 minutes per failure; a success resets the count. An attacker can hold the operator's
   * sign-in back this way (denial of service) but can no longer guess quickly; the operator
   * still has `npm run incident`, which works on the database without signing in.
   */
  async login(password: string): Promise<{ token: string; expiresAt: string }> {
    const waitMs = this.waitUntilMs - this.now().getTime()
    if (waitMs > 0) {
      this.audit('admin.login', 'refused', { reason: 'backoff' })
      throw new AdminLoginBackoff(Math.ceil(waitMs / 1000))
    }
    const ok = await adminPasswordMatches(password, this.passwordHash)
    if (!ok) {
      this.failuresInARow += 1
      const over = this.failuresInARow - this.failuresBeforeBackoff
      if (over >= 0) {
        const backoffMs = Math.min(ADMIN_LOGIN_MAX_BACKOFF_MS, 1000 * 2 ** Math.min(over, 30))
        this.waitUntilMs = this.now().getTime() + backoffMs
      }
      this.audit('admin.login', 'refused', {})
      throw new ApiError(401, 'ERR_ADMIN_LOGIN_FAILED', 'Wrong admin password.')
    }
    this.failuresInARow = 0
    this.waitUntilMs = 0
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const expiresAt = now.getTime() + ADMIN_TOKEN_TTL_MS
    this.insertToken.run(sha256(token), now.toISOString(), expiresAt)
    this.audit('admin.login', 'ok', {})
    return { token, expiresAt: new Date(expiresAt).toISOString() }
  }

  /** Deletes every expired admin token; returns how many (app.ts's timer). */
  pruneExpiredTokens(): number {
    return Number(this.deleteExpiredTokens.run(this.now().getTime()).changes)
  }

  /** Throws ERR_ADMIN_AUTH_REQUIRED unless the header holds a live admin token. */
  verify(authorization: string | undefined, action: string): void {
    const token = bearerToken(authorization)
    const row = token ? getRow<{ expiresAt: number }>(this.selectToken, sha256(token)) : undefined
    if (!row || row.expiresAt <= this.now().getTime()) {
      this.audit(action, 'refused', { reason: row ? 'expired token' : 'no valid token' })
      throw new ApiError(401, 'ERR_ADMIN_AUTH_REQUIRED', 'Admin sign-in required.')
    }
  }

  audit(action: string, outcome: AuditEntry['outcome'], detail: Record<string, unknown>): void {
    this.insertAudit.run(this.now().toISOString(), action, outcome, JSON.stringify(detail))
  }

  auditLog(limit = 100): AuditEntry[] {
    return (
      this.selectAudit.all(limit) as Array<Omit<AuditEntry, 'detail'> & { detail: string }>
    ).map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }))
  }
}

/** 429 ERR_ADMIN_LOGIN_BACKOFF: too many failed sign-ins lately, from any address. */
export class AdminLoginBackoff extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'ERR_ADMIN_LOGIN_BACKOFF',
      `Too many failed admin sign-ins; retry in ${retryAfterSeconds} s.`,
    )
  }
}
