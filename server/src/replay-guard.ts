import Database from 'libsql'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MAX_CLOCK_SKEW_MS } from '../../src/security/transport/request-signing'

/**
 * Remembers every (session, nonce) pair for as long as its timestamp could still be accepted,
 * so a captured request cannot be sent twice. The pairs live in their own SQLite file: they are
 * written on every signed request, so this file trades the main database's fsync-per-commit
 * (`synchronous=FULL`) for speed (`NORMAL`: they survive a process crash, and at worst the last
 * moments before a power cut are forgotten). Several processes on one machine share the file.
 */
export class ReplayGuard {
  private readonly db: Database.Database
  private readonly insert
  private readonly prune
  private writesSincePrune = 0

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(`CREATE TABLE IF NOT EXISTS nonces (
      session TEXT NOT NULL,
      nonce TEXT NOT NULL,
      seen_at INTEGER NOT NULL,
      PRIMARY KEY (session, nonce)
    ) WITHOUT ROWID`)
    this.insert = this.db.prepare(
      'INSERT OR IGNORE INTO nonces (session, nonce, seen_at) VALUES (?, ?, ?)',
    )
    this.prune = this.db.prepare('DELETE FROM nonces WHERE seen_at < ?')
  }

  /** True the first time a nonce is seen for a session; false for a replay. */
  firstUse(session: string, nonce: string, nowMs: number): boolean {
    if (++this.writesSincePrune >= 1000) {
      this.writesSincePrune = 0
      // A nonce older than twice the skew window can no longer pass the timestamp check.
      this.prune.run(nowMs - 2 * MAX_CLOCK_SKEW_MS)
    }
    return this.insert.run(session, nonce, nowMs).changes === 1
  }

  close(): void {
    this.db.close()
  }
}
