import bcrypt from 'bcryptjs'
import { randomBytes } from 'node:crypto'
import { ApiError } from './api-error'
import { bearerToken } from './auth'
import { getRow, type Db } from './database'
import { sha256 } from './sessions'

/** Admin tokens live this long; the operator signs in again after. */
export const ADMIN_TOKEN_TTL_MS = 15 * 60 * 1000

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

  constructor(
    db: Db,
    private readonly passwordHash: string,
    private readonly now: () => Date,
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
    this.selectAudit = db.prepare(
      'SELECT id, at, action, outcome, detail FROM audit_log ORDER BY id DESC LIMIT ?',
    )
  }

  /** Check the password (bcrypt, constant time); on success a token valid for 15 minutes. */
  async login(password: string): Promise<{ token: string; expiresAt: string }> {
    const ok = await bcrypt.compare(password, this.passwordHash)
    if (!ok) {
      this.audit('admin.login', 'refused', {})
      throw new ApiError(401, 'ERR_ADMIN_LOGIN_FAILED', 'Wrong admin password.')
    }
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const expiresAt = now.getTime() + ADMIN_TOKEN_TTL_MS
    this.insertToken.run(sha256(token), now.toISOString(), expiresAt)
    this.audit('admin.login', 'ok', {})
    return { token, expiresAt: new Date(expiresAt).toISOString() }
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
