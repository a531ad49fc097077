import bcrypt from 'bcryptjs'
import { createHash, randomBytes } from 'node:crypto'
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

  constructor(
    private readonly db: Db,
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
      `INSERT INTO audit_log (${AUDIT_COLUMNS})
       VALUES (@id, @at, @action, @outcome, @detail, @address, @actor, @count, @hash)`,
    )
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
   * Checks the password (bcrypt, constant time); on success a token valid for 15 minutes.
   * Throws ApiError 401 ERR_ADMIN_LOGIN_FAILED. (The route audits the answer either way.)
   */
  async login(password: string): Promise<{ token: string; expiresAt: string }> {
    const ok = await bcrypt.compare(password, this.passwordHash)
    if (!ok) throw new ApiError(401, 'ERR_ADMIN_LOGIN_FAILED', 'Wrong admin password.')
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const expiresAt = now.getTime() + ADMIN_TOKEN_TTL_MS
    this.insertToken.run(sha256(token), now.toISOString(), expiresAt)
    return { token, expiresAt: new Date(expiresAt).toISOString() }
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
