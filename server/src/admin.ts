import { createHash, randomBytes } from 'node:crypto'
import { adminPasswordMatches } from './admin-password'
import { ApiError } from './api-error'
import { bearerToken } from './auth'
import { getRow, type Db } from './database'
import { sha256 } from './sessions'

/** Admin tokens live this long; the operator signs in again after. */
export const ADMIN_TOKEN_TTL_MS = 15 * 60 * 1000
/** The most rows one page of `GET /v1/admin/audit` holds (`?limit=`, default 100). */
export const AUDIT_PAGE_MAX = 500
/** The hash the first row of the audit log chains to. */
export const AUDIT_GENESIS = '0'.repeat(64)

/** The longest wait the global sign-in backoff imposes. */
export const ADMIN_LOGIN_MAX_BACKOFF_MS = 15 * 60 * 1000

/** One row of the audit log, as `GET /v1/admin/audit` shows it. */
export interface AuditEntry {
  id: number
  /** When it happened (for a counted row: the first of its refusals). */
  at: string
  /** e.g. 'incident.start', or `${method} ${path}` for an admin path that has no action. */
  action: string
  outcome: 'ok' | 'refused'
  /** The answer's `status`, its error `code` if refused, and what the action noted. */
  detail: Record<string, unknown>
  /** The client's address (request.ip). */
  address: string
  /** `tokenFingerprint` of the live admin token the request carried; "" when it had none. */
  actor: string
  /** How many identical anonymous refusals this row stands for (see `Admin.record`). */
  count: number
  /** sha256 of the previous row's hash and this row's content (`auditHash`). */
  hash: string
}

/** What `Admin.record` writes: one answer of an admin route. */
export interface AuditRecord {
  action: string
  outcome: AuditEntry['outcome']
  detail: Record<string, unknown>
  address: string
  actor: string
}

/** A short name for an admin token in the audit log: 12 hex digits of its SHA-256, never it. */
export function tokenFingerprint(token: string): string {
  return sha256(token).slice(0, 12)
}

/**
 * The hash that chains row `entry` to the row before it (`previous`: that row's hash, or
 * AUDIT_GENESIS for the first): changing, adding or removing a row breaks the chain there.
 */
export function auditHash(previous: string, entry: Omit<AuditEntry, 'hash'>): string {
  const content = [
    entry.id,
    entry.at,
    entry.action,
    entry.outcome,
    JSON.stringify(entry.detail),
    entry.address,
    entry.actor,
    entry.count,
  ]
  return createHash('sha256')
    .update(`${previous}\n${JSON.stringify(content)}`)
    .digest('hex')
}

type StoredAuditRow = Omit<AuditEntry, 'detail'> & { detail: string }
const AUDIT_COLUMNS = 'id, at, action, outcome, detail, address, actor, count, hash'
const parsed = (row: StoredAuditRow): AuditEntry => ({
  ...row,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
})

/**
 * Walks the audit log from its first row: where the chain breaks (`brokenAt`, the first row whose
 * hash does not match the one before it and its own content), or undefined when it holds.
 * Limit: the newest rows removed from the end leave a shorter chain that still holds; compare
 * `rows` and the last hash with a copy kept elsewhere.
 */
export function verifyAuditChain(db: Db): { rows: number; lastHash: string; brokenAt?: number } {
  let previous = AUDIT_GENESIS
  let rows = 0
  for (const row of db
    .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY id`)
    .iterate() as Iterable<StoredAuditRow>) {
    const entry = parsed(row)
    const { hash, ...content } = entry
    if (auditHash(previous, content) !== hash) return { rows, lastHash: previous, brokenAt: row.id }
    previous = hash
    rows++
  }
  return { rows, lastHash: previous }
}

/**
 * Gives every row of the audit log its chain hash, oldest first (a migration: the rows written
 * before the log was chained).
 */
export function chainAuditLog(db: Db): void {
  let previous = AUDIT_GENESIS
  const update = db.prepare('UPDATE audit_log SET hash = ? WHERE id = ?')
  for (const row of db
    .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY id`)
    .all() as StoredAuditRow[]) {
    const { hash: _old, ...content } = parsed(row)
    previous = auditHash(previous, content)
    update.run(previous, row.id)
  }
}

/**
 * Operators: one password, checked against a bcrypt hash (the password itself is never stored
 * or logged), short-lived random tokens stored as SHA-256, and an audit log row for every
 * answer of an admin route, refused ones included (routes/admin.ts `auditAdminAnswers`).
 */
export class Admin {
  private readonly insertToken
  private readonly selectToken
  private readonly insertAudit
  private readonly selectLastAudit
  private readonly selectHashBefore
  private readonly updateAuditCount
  private readonly selectAuditPage
  private readonly deleteExpiredTokens
  // The global backoff (login): failed sign-ins in a row, from any address, and until when
  // every sign-in is refused.
  private failuresInARow = 0
  private waitUntilMs = 0

  constructor(
    private readonly db: Db,
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
      `INSERT INTO audit_log (${AUDIT_COLUMNS})
       VALUES (@id, @at, @action, @outcome, @detail, @address, @actor, @count, @hash)`,
    )
    this.deleteExpiredTokens = db.prepare('DELETE FROM admin_tokens WHERE expires_at <= ?')
    this.selectLastAudit = db.prepare(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT 1`,
    )
    this.selectHashBefore = db.prepare(
      `SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1`,
    )
    this.updateAuditCount = db.prepare('UPDATE audit_log SET count = ?, hash = ? WHERE id = ?')
    this.selectAuditPage = db.prepare(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`,
    )
  }

  /**
   * Check the password (bcrypt over an HMAC of it, constant time: admin-password.ts); on
   * success a token valid for 15 minutes. Throws ERR_ADMIN_LOGIN_FAILED (401) for a wrong
   * password, and ERR_ADMIN_LOGIN_BACKOFF (429, an `AdminLoginBackoff` with
   * `retryAfterSeconds`) while the global backoff lasts. (The route audits the answer either way.)
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
    if (waitMs > 0) throw new AdminLoginBackoff(Math.ceil(waitMs / 1000))
    const ok = await adminPasswordMatches(password, this.passwordHash)
    if (!ok) {
      this.failuresInARow += 1
      const over = this.failuresInARow - this.failuresBeforeBackoff
      if (over >= 0) {
        const backoffMs = Math.min(ADMIN_LOGIN_MAX_BACKOFF_MS, 1000 * 2 ** Math.min(over, 30))
        this.waitUntilMs = this.now().getTime() + backoffMs
      }
      throw new ApiError(401, 'ERR_ADMIN_LOGIN_FAILED', 'Wrong admin password.')
    }
    this.failuresInARow = 0
    this.waitUntilMs = 0
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const expiresAt = now.getTime() + ADMIN_TOKEN_TTL_MS
    this.insertToken.run(sha256(token), now.toISOString(), expiresAt)
    return { token, expiresAt: new Date(expiresAt).toISOString() }
  }

  /** Deletes every expired admin token; returns how many (app.ts's timer). */
  pruneExpiredTokens(): number {
    return Number(this.deleteExpiredTokens.run(this.now().getTime()).changes)
  }

  /** Throws ApiError 401 ERR_ADMIN_AUTH_REQUIRED unless the header holds a live admin token. */
  verify(authorization: string | undefined): void {
    if (!this.actorOf(authorization)) {
      throw new ApiError(401, 'ERR_ADMIN_AUTH_REQUIRED', 'Admin sign-in required.')
    }
  }

  /** The `tokenFingerprint` of the live admin token in the header, or "" (none, or not live). */
  actorOf(authorization: string | undefined): string {
    const token = bearerToken(authorization)
    const row = token ? getRow<{ expiresAt: number }>(this.selectToken, sha256(token)) : undefined
    return token && row && row.expiresAt > this.now().getTime() ? tokenFingerprint(token) : ''
  }

  /**
   * Writes one audit row, chained to the one before it. An anonymous refusal (`actor` "") that
   * repeats the newest row (same address, action, outcome and detail, in the same minute) raises
   * that row's `count` instead, so a flood of refused calls cannot push the operators' own rows
   * out of view. Limit: refusals from two addresses taking turns write a row each (the per-address
   * rate limit bounds them); every row stays reachable through the pages of `auditLog`.
   */
  record(entry: AuditRecord): void {
    const at = this.now().toISOString()
    const detail = JSON.stringify(entry.detail)
    this.db.transaction(() => {
      const last = getRow<StoredAuditRow>(this.selectLastAudit)
      if (
        last &&
        entry.actor === '' &&
        entry.outcome === 'refused' &&
        last.actor === '' &&
        last.outcome === 'refused' &&
        last.action === entry.action &&
        last.address === entry.address &&
        last.detail === detail &&
        last.at.slice(0, 16) === at.slice(0, 16)
      ) {
        const previous = getRow<{ hash: string }>(this.selectHashBefore, last.id)?.hash
        const counted = { ...parsed(last), count: last.count + 1 }
        const { hash: _old, ...content } = counted
        this.updateAuditCount.run(
          counted.count,
          auditHash(previous ?? AUDIT_GENESIS, content),
          last.id,
        )
        return
      }
      const content = { id: (last?.id ?? 0) + 1, at, ...entry, count: 1 }
      const hash = auditHash(last?.hash ?? AUDIT_GENESIS, content)
      this.insertAudit.run({ ...content, detail, hash })
    })()
  }

  /**
   * One page of the audit log, newest first: up to `limit` rows older than row `before` (all
   * rows when absent). `next` is the `before` of the following page, absent once a page holds
   * fewer than `limit` rows (a full last page is followed by an empty one).
   */
  auditLog(options: { before?: number; limit?: number } = {}): {
    entries: AuditEntry[]
    next?: number
  } {
    const limit = options.limit ?? 100
    const entries = (
      this.selectAuditPage.all(options.before ?? Number.MAX_SAFE_INTEGER, limit) as StoredAuditRow[]
    ).map(parsed)
    return entries.length === limit ? { entries, next: entries[limit - 1].id } : { entries }
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
