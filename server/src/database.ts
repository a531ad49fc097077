import Database from 'libsql'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { chainAuditLog } from './admin'
import { forgetGroupsWithoutReports, shapeOf } from './monitor'

/**
 * The SQLite driver is `libsql`: better-sqlite3's synchronous API with SQLite underneath, whose
 * binary ships in the npm registry for every common platform, so `npm ci` compiles nothing.
 * Two differences from better-sqlite3 matter here, and the helpers below hide both:
 * `Statement.get()` adds an enumerable `_metadata` (timings) to the row it returns, and
 * `db.pragma(x, { simple: true })` returns that row instead of the bare value.
 */
export type Db = Database.Database
export type Statement = Database.Statement

/**
 * The first row a statement returns, or undefined: the row's own columns only (libsql's timing
 * field removed, so rows can be sent as JSON or spread without carrying it along).
 */
export function getRow<T extends object>(
  statement: Statement,
  ...params: unknown[]
): T | undefined {
  const row = statement.get(...params) as (T & { _metadata?: unknown }) | undefined
  if (row === undefined) return undefined
  const { _metadata, ...columns } = row
  return columns as T
}

/** The value of a pragma such as `user_version` or `journal_mode`. */
export function pragmaValue(db: Db, name: string): unknown {
  const row = getRow<Record<string, unknown>>(db.prepare(`PRAGMA ${name}`))
  return row === undefined ? undefined : Object.values(row)[0]
}

/**
 * The server's only state: one SQLite file in WAL mode. Several server processes can share it
 * on one machine; behind a load balancer, point them at one shared database instead.
 */
export function openDatabase(file: string): Db {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // FULL: a write acknowledged to a client survives a power cut, not just a process crash.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  // Deleted rows are overwritten with zeros, not just marked free: what an erasure deletes is
  // not left readable in the file (with `forgetOnDisk`, not in the write-ahead log either).
  db.pragma('secure_delete = ON')
  migrate(db)
  return db
}

/**
 * After an erasure or a withdrawal: copies the write-ahead log into the file and truncates the
 * log to zero bytes, so the older versions of the deleted rows it still held are gone too (the
 * file's own copies were zeroed by `secure_delete`). Limit: if another connection is reading at
 * that moment, SQLite cannot finish and the log keeps them until the next checkpoint that can.
 * Returns whether the checkpoint finished.
 */
export function forgetOnDisk(db: Db): boolean {
  const row = getRow<{ busy: number }>(db.prepare('PRAGMA wal_checkpoint(TRUNCATE)'))
  return row?.busy === 0
}

/** A schema change in SQL, or a data change that needs code. Each runs once, in order. */
const MIGRATIONS: Array<string | ((db: Db) => void)> = [
  `CREATE TABLE incidents (
     id TEXT PRIMARY KEY,
     message TEXT NOT NULL,
     started_at TEXT NOT NULL,
     ended_at TEXT,
     retry_after_seconds INTEGER NOT NULL DEFAULT 300
   )`,
  // Users are known only by an HMAC of their openid; everything else about them hangs off the
  // user row and goes with it (ON DELETE CASCADE) when they erase their data.
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     openid_hmac TEXT NOT NULL UNIQUE,
     created_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     token_sha256 TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX sessions_by_user ON sessions(user_id);
   CREATE TABLE consents (
     id INTEGER PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     policy_version TEXT NOT NULL,
     decision TEXT NOT NULL CHECK (decision IN ('agreed', 'withdrawn')),
     decided_at TEXT NOT NULL
   );
   CREATE INDEX consents_by_user ON consents(user_id);
   CREATE TABLE error_groups (
     fingerprint TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     message TEXT NOT NULL,
     top_frame TEXT NOT NULL,
     first_seen TEXT NOT NULL,
     last_seen TEXT NOT NULL,
     count INTEGER NOT NULL
   );
   CREATE TABLE error_reports (
     id INTEGER PRIMARY KEY,
     fingerprint TEXT NOT NULL REFERENCES error_groups(fingerprint),
     user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
     kind TEXT NOT NULL,
     message TEXT NOT NULL,
     stack TEXT NOT NULL,
     page TEXT NOT NULL,
     app_version TEXT NOT NULL,
     occurred_at TEXT NOT NULL,
     received_at TEXT NOT NULL
   );
   CREATE INDEX error_reports_by_user ON error_reports(user_id);
   CREATE TABLE admin_tokens (
     token_sha256 TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     action TEXT NOT NULL,
     outcome TEXT NOT NULL,
     detail TEXT NOT NULL
   );`,
  // Over-long report fields are cut on arrival, not refused; the row says which were cut.
  `ALTER TABLE error_reports ADD COLUMN truncated_fields TEXT NOT NULL DEFAULT ''`,
  // Where a report came from (WeChat's base library version, e.g. "3.7.1"; the platform, e.g.
  // "ios"), and how many times it happened on the device before it was sent. Rows stored
  // before this migration get "", "" and 1: what a report without these fields means.
  `ALTER TABLE error_reports ADD COLUMN base_library TEXT NOT NULL DEFAULT '';
   ALTER TABLE error_reports ADD COLUMN platform TEXT NOT NULL DEFAULT '';
   ALTER TABLE error_reports ADD COLUMN count INTEGER NOT NULL DEFAULT 1;`,
  // The error groups list counts each group's kept reports and their distinct users.
  `CREATE INDEX error_reports_by_fingerprint ON error_reports(fingerprint);`,
  // When the operator expects an incident to end (`--retry-after`); NULL when they did not say.
  `ALTER TABLE incidents ADD COLUMN expected_end_at TEXT;`,
  // A consent decision keeps the time the user made it (decided_at, from the device) and the
  // time it reached the server; rows from before this were recorded on arrival (NULL: the same).
  `ALTER TABLE consents ADD COLUMN recorded_at TEXT;`,
  // Error groups used to keep their first report's own text, even after that user's reports were
  // erased; they now keep the shape their reports share, and nothing once none is kept.
  (db) => {
    const groups = db.prepare(
      'SELECT fingerprint, message, top_frame AS topFrame FROM error_groups',
    )
    const update = db.prepare(
      'UPDATE error_groups SET message = ?, top_frame = ? WHERE fingerprint = ?',
    )
    for (const group of groups.all() as Array<{
      fingerprint: string
      message: string
      topFrame: string
    }>) {
      update.run(shapeOf(group.message), shapeOf(group.topFrame), group.fingerprint)
    }
    forgetGroupsWithoutReports(db)
  },
  // The audit log says who: the client's address and the fingerprint of the admin token (""
  // when none was live); counts repeated anonymous refusals; and chains each row to the one
  // before it by a hash (admin.ts `auditHash`), given here to the rows written before.
  `ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT '';
   ALTER TABLE audit_log ADD COLUMN actor TEXT NOT NULL DEFAULT '';
   ALTER TABLE audit_log ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';`,
  chainAuditLog,
]

function migrate(db: Db): void {
  const version = pragmaValue(db, 'user_version') as number
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      const migration = MIGRATIONS[i]
      if (typeof migration === 'string') db.exec(migration)
      else migration(db)
      db.pragma(`user_version = ${i + 1}`)
    })()
  }
}
