import type {
  ConsentRecord,
  ConsentRequest,
  ErasureReceipt,
  ErrorReportTextField,
  MyDataExport,
} from '../../src/services/api-contract'
import { ApiError } from './api-error'
import { forgetOnDisk, getRow, type Db } from './database'
import { forgetGroupsWithoutReports } from './monitor'

type ExportedReport = MyDataExport['errorReports'][number]

/**
 * The signed-in user's rights over what the server holds: record consent decisions, export
 * everything, erase everything. Everything about a user hangs off their row, so the export
 * reads the same tables the erasure empties (a test checks both against the schema).
 */
export class MyData {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /**
   * Records a decision. A withdrawal also deletes what was collected on the strength of the
   * consent and is not needed any more: the user's error reports (PIPL Art. 47: personal
   * information is deleted when consent is withdrawn). The decision itself, and the account it
   * belongs to, are kept to show what the user decided and when, until the user erases them
   * (DELETE /v1/me). Both happen in one transaction; the groups left without reports forget
   * their text in it too, and the deleted bytes are then cleared from the disk (`forgetOnDisk`).
   */
  recordConsent(userId: string, request: ConsentRequest): ConsentRecord {
    const now = this.now()
    // The user's decision keeps the time they made it (the privacy center shows the same); a
    // device clock ahead of ours cannot place it after its arrival.
    const stated = Date.parse(request.decidedAt ?? '')
    const decidedAt = new Date(Math.min(Number.isNaN(stated) ? Infinity : stated, now.getTime()))
    const record: ConsentRecord = {
      policyVersion: request.policyVersion,
      decision: request.decision,
      decidedAt: decidedAt.toISOString(),
      recordedAt: now.toISOString(),
    }
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO consents (user_id, policy_version, decision, decided_at, recorded_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(userId, record.policyVersion, record.decision, record.decidedAt, record.recordedAt)
      if (record.decision === 'withdrawn') {
        this.db.prepare('DELETE FROM error_reports WHERE user_id = ?').run(userId)
        forgetGroupsWithoutReports(this.db)
      }
    })()
    if (record.decision === 'withdrawn') forgetOnDisk(this.db)
    return record
  }

  export(userId: string): MyDataExport {
    const db = this.db
    const user = getRow<MyDataExport['user']>(
      db.prepare(
        'SELECT id, created_at AS createdAt, openid_hmac AS openidHmac FROM users WHERE id = ?',
      ),
      userId,
    )
    // The session that got us here was erased with its user (a concurrent DELETE /v1/me).
    if (!user) throw new ApiError(401, 'ERR_SESSION_INVALID', 'Unknown or ended session.')
    const consents = db
      .prepare(
        `SELECT policy_version AS policyVersion, decision, decided_at AS decidedAt,
                COALESCE(recorded_at, decided_at) AS recordedAt
           FROM consents WHERE user_id = ? ORDER BY id`,
      )
      .all(userId) as ConsentRecord[]
    const sessions = (
      db
        .prepare(
          'SELECT created_at AS createdAt, expires_at AS expiresAt FROM sessions WHERE user_id = ? ORDER BY created_at',
        )
        .all(userId) as Array<{ createdAt: string; expiresAt: number }>
    ).map((row) => ({ createdAt: row.createdAt, expiresAt: new Date(row.expiresAt).toISOString() }))
    // Which fields were cut on arrival is stored as a list like "message,stack".
    type StoredReport = Omit<ExportedReport, 'truncatedFields'> & { truncatedFields: string }
    const errorReports: ExportedReport[] = (
      db
        .prepare(
          `SELECT kind, message, stack, page, app_version AS appVersion,
                  base_library AS baseLibrary, platform, occurred_at AS occurredAt, count,
                  received_at AS receivedAt, truncated_fields AS truncatedFields
             FROM error_reports WHERE user_id = ? ORDER BY id`,
        )
        .all(userId) as StoredReport[]
    ).map((row) => ({
      ...row,
      truncatedFields: row.truncatedFields
        ? (row.truncatedFields.split(',') as ErrorReportTextField[])
        : [],
    }))
    return { exportedAt: this.now().toISOString(), user, consents, sessions, errorReports }
  }

  /**
   * Erase the user and everything linked to them, in one transaction. Error groups keep their
   * counts: they are aggregates that no longer point to anyone; a group none of whose reports is
   * kept forgets its text (`forgetGroupsWithoutReports`). Then the deleted bytes are cleared
   * from the disk: zeroed in the file (`secure_delete`), the write-ahead log truncated
   * (`forgetOnDisk`).
   */
  erase(userId: string): ErasureReceipt {
    const db = this.db
    const receipt = db.transaction((): ErasureReceipt => {
      const count = (table: string) =>
        getRow<{ n: number }>(
          db.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`),
          userId,
        )?.n ?? 0
      const erased = {
        users: 0,
        sessions: count('sessions'),
        consents: count('consents'),
        errorReports: count('error_reports'),
      }
      erased.users = db.prepare('DELETE FROM users WHERE id = ?').run(userId).changes
      forgetGroupsWithoutReports(db)
      return { erased }
    })()
    forgetOnDisk(db)
    return receipt
  }
}
