import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

export type Db = Database.Database

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
  migrate(db)
  return db
}

const MIGRATIONS: string[] = [
  `CREATE TABLE incidents (
     id TEXT PRIMARY KEY,
     message TEXT NOT NULL,
     started_at TEXT NOT NULL,
     ended_at TEXT,
     retry_after_seconds INTEGER NOT NULL DEFAULT 300
   )`,
]

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i])
      db.pragma(`user_version = ${i + 1}`)
    })()
  }
}

export interface OpenIncident {
  id: string
  message: string
  startedAt: string
  retryAfterSeconds: number
}

// Compiled once per database: the kill switch runs this query on every response.
const openIncidentQueries = new WeakMap<Db, Database.Statement>()

/** The incident currently open, if any (the kill switch reads this on every request). */
export function currentIncident(db: Db): OpenIncident | undefined {
  let query = openIncidentQueries.get(db)
  if (!query) {
    query = db.prepare(
      `SELECT id, message, started_at AS startedAt, retry_after_seconds AS retryAfterSeconds
         FROM incidents WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1`,
    )
    openIncidentQueries.set(db, query)
  }
  return query.get() as OpenIncident | undefined
}
