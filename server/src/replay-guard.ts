import Database from 'libsql'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MAX_CLOCK_SKEW_MS } from '../../src/security/transport/request-signing'
import { getRow } from './database'

/** One verified request's claim on its nonce. */
export interface NonceUse {
  /** SHA-256 of the session token. */
  session: string
  nonce: string
  /** The request's signed `x-timestamp`, ms. */
  timestamp: number
}

/**
 * Spent nonces are forgotten once their timestamp is this far behind the clock: twice the skew
 * the signature check accepts, so a request they could still match is refused by its timestamp.
 */
export const NONCE_MEMORY_MS = 2 * MAX_CLOCK_SKEW_MS

/** Most rows one INSERT statement writes. */
const INSERT_CHUNK = 16

/** How often, at most, forgotten nonces are deleted. */
const PRUNE_EVERY_MS = 10_000

/**
 * Remembers every nonce spent by a verified request for as long as that request's timestamp
 * could still be accepted, so a captured request cannot be sent twice. The nonces live in their
 * own SQLite file: they are written on every signed request, so this file trades the main
 * database's fsync-per-commit (`synchronous=FULL`) for speed (`NORMAL`: they survive a process
 * crash, and at worst the last moments before a power cut are forgotten). Several processes on
 * one machine share the file.
 *
 * A nonce is spent together with the timestamp it was signed with, the rule of OAuth 1.0
 * (RFC 5849, 3.3): a replay is the same signed request, so it carries the same timestamp and
 * nonce and is refused; a nonce is forgotten only when its timestamp is past the clock check, so
 * a replay of it is refused with ERR_CLOCK_SKEW instead. Keying the table by timestamp first is
 * what makes a spend cheap: new rows land together at the end of the B-tree (a few pages written
 * per commit instead of one random page per row), and forgetting is a range delete at its start.
 *
 * `spend` takes a whole batch (the signed requests of a turn or two of the event loop, auth.ts) and
 * records it in one transaction: a transaction costs several times a row.
 */
export class ReplayGuard {
  private readonly db: Database.Database
  private readonly insert
  private readonly prune
  private readonly begin
  private readonly commit
  private readonly rollback
  /** Before timestamps were kept: nonces by (session, nonce), consulted until they age out. */
  private legacy: { seen: Database.Statement; prune: Database.Statement } | undefined
  private nextPruneAt = 0
  private readonly insertStatements: Database.Statement[] = []

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(`CREATE TABLE IF NOT EXISTS spent_nonces (
      signed_at INTEGER NOT NULL,
      session TEXT NOT NULL,
      nonce TEXT NOT NULL,
      PRIMARY KEY (signed_at, session, nonce)
    ) WITHOUT ROWID`)
    this.insert = this.db.prepare(
      'INSERT OR IGNORE INTO spent_nonces (signed_at, session, nonce) VALUES (?, ?, ?)',
    )
    this.prune = this.db.prepare('DELETE FROM spent_nonces WHERE signed_at < ?')
    // Takes the write lock at once: no other process can spend a nonce in between.
    this.begin = this.db.prepare('BEGIN IMMEDIATE')
    this.commit = this.db.prepare('COMMIT')
    this.rollback = this.db.prepare('ROLLBACK')
    const legacyTable = getRow(
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'nonces'"),
    )
    if (legacyTable) {
      this.legacy = {
        seen: this.db.prepare('SELECT 1 FROM nonces WHERE session = ? AND nonce = ?'),
        prune: this.db.prepare('DELETE FROM nonces WHERE seen_at < ?'),
      }
    }
  }

  /**
   * Spends each nonce of the batch, in order, in one transaction: true where it was unspent,
   * false for a replay (including the same nonce twice in the batch: the second is refused).
   * Nothing is answered before the transaction commits; if it fails, the error is thrown and
   * none of the batch is accepted.
   */
  spend(uses: NonceUse[], nowMs: number): boolean[] {
    const fresh = new Array<boolean>(uses.length).fill(false)
    // The same request twice in one batch: only its first copy can be fresh.
    const keys = new Set<string>()
    const candidates: number[] = []
    uses.forEach(({ session, nonce, timestamp }, i) => {
      const key = `${timestamp}\n${session}\n${nonce}`
      if (!keys.has(key)) {
        keys.add(key)
        candidates.push(i)
      }
    })
    if (candidates.length === 0) return fresh
    this.begin.run()
    try {
      if (this.insertAll(uses, candidates)) {
        for (const i of candidates) fresh[i] = true
      } else {
        // Some nonce was spent before (a replay): undo, and spend them one by one to know which.
        this.rollback.run()
        this.begin.run()
        for (const i of candidates) {
          const { session, nonce, timestamp } = uses[i]
          fresh[i] = this.insert.run(timestamp, session, nonce).changes === 1
        }
      }
      if (this.legacy) {
        for (const i of candidates) {
          if (fresh[i] && getRow(this.legacy.seen, uses[i].session, uses[i].nonce)) fresh[i] = false
        }
      }
      if (nowMs >= this.nextPruneAt) {
        this.nextPruneAt = nowMs + PRUNE_EVERY_MS
        this.prune.run(nowMs - NONCE_MEMORY_MS)
        this.pruneLegacy(nowMs)
      }
      this.commit.run()
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run()
      throw error
    }
    return fresh
  }

  /**
   * Inserts the candidates with as few statements as possible (one per INSERT_CHUNK rows: a
   * statement costs several times a row); false as soon as one of them was already there.
   */
  private insertAll(uses: NonceUse[], candidates: number[]): boolean {
    for (let from = 0; from < candidates.length; from += INSERT_CHUNK) {
      const chunk = candidates.slice(from, from + INSERT_CHUNK)
      const values: Array<string | number> = []
      for (const i of chunk) values.push(uses[i].timestamp, uses[i].session, uses[i].nonce)
      if (this.insertMany(chunk.length).run(values).changes !== chunk.length) return false
    }
    return true
  }

  /** `INSERT OR IGNORE` of `rows` rows in one statement, prepared once per size. */
  private insertMany(rows: number): Database.Statement {
    let statement = this.insertStatements[rows]
    if (!statement) {
      const placeholders = Array.from({ length: rows }, () => '(?, ?, ?)').join(', ')
      statement = this.insertStatements[rows] = this.db.prepare(
        `INSERT OR IGNORE INTO spent_nonces (signed_at, session, nonce) VALUES ${placeholders}`,
      )
    }
    return statement
  }

  /** The old table is dropped once nothing in it could still be replayed. */
  private pruneLegacy(nowMs: number): void {
    if (!this.legacy) return
    this.legacy.prune.run(nowMs - NONCE_MEMORY_MS)
    if (!getRow(this.db.prepare('SELECT 1 FROM nonces LIMIT 1'))) {
      this.legacy = undefined
      this.db.exec('DROP TABLE nonces')
    }
  }

  close(): void {
    this.db.close()
  }
}
