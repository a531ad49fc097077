import Database from 'libsql'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ADMIN_TOKEN_LIFETIME_MS,
  DATA_INVENTORY,
  SESSION_LIFETIME_MS,
  type Place,
} from '../../src/services/data-inventory'
import { ADMIN_TOKEN_TTL_MS } from '../src/admin'
import { openDatabase } from '../src/database'
import { NONCE_MEMORY_MS, ReplayGuard } from '../src/replay-guard'
import { readSettings } from '../src/settings'

// POLICY on the server: every column of every table the server creates is accounted for by a
// datum of the data inventory (personal or not, with its purpose and retention), and every
// column the inventory names exists. A migration that adds a column fails here until the
// inventory (and so the privacy policy) says what it holds.

type ServerTable = Extract<Place, { kind: 'server-table' }>

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'inventory-schema-'))
  // The files exactly as the server makes them on first start.
  openDatabase(join(dir, 'server.db')).close()
  new ReplayGuard(join(dir, 'replay.db')).close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `database.table.column` for every column of every table in the file. */
function schemaColumns(database: ServerTable['database']): string[] {
  const db = new Database(join(dir, database), { readonly: true })
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as Array<{ name: string }>
    return tables.flatMap(({ name }) =>
      (db.prepare(`PRAGMA table_info(${name})`).all() as Array<{ name: string }>).map(
        (column) => `${database}.${name}.${column.name}`,
      ),
    )
  } finally {
    db.close()
  }
}

/** The same, from the inventory, with the datum that accounts for each. */
function inventoryColumns(): Map<string, string> {
  const columns = new Map<string, string>()
  for (const datum of DATA_INVENTORY.data) {
    for (const place of datum.where) {
      if (place.kind !== 'server-table') continue
      for (const column of place.columns) {
        const key = `${place.database}.${place.table}.${column}`
        expect({ column: key, datum: columns.get(key) ?? datum.id }).toEqual({
          column: key,
          datum: datum.id, // one datum per column: a column is not two things
        })
        columns.set(key, datum.id)
      }
    }
  }
  return columns
}

test.each<ServerTable['database']>(['server.db', 'replay.db'])(
  'every column of %s is classified by the inventory, and the inventory names no column that is not there',
  (database) => {
    const actual = schemaColumns(database)
    expect(actual.length).toBeGreaterThan(0)
    const declared = [...inventoryColumns().keys()].filter((k) => k.startsWith(`${database}.`))
    expect(actual.filter((column) => !declared.includes(column))).toEqual([])
    expect(declared.filter((column) => !actual.includes(column))).toEqual([])
  },
)

test('personal columns: every table holding a user id, a session or an openid hash is personal', () => {
  const columns = inventoryColumns()
  const category = (id: string) => DATA_INVENTORY.data.find((d) => d.id === id)?.category
  for (const [column, id] of columns) {
    if (
      /\.(user_id|openid_hmac|token_sha256|session)$/.test(column) &&
      !column.includes('admin_')
    ) {
      expect({ column, category: category(id) }).toEqual({ column, category: 'personal' })
    }
  }
})

test('the retention the inventory states is what the server enforces', () => {
  const defaults = readSettings({ DATA_DIR: dir })
  const byId = (id: string) => DATA_INVENTORY.data.find((d) => d.id === id)
  expect(defaults.sessionTtlSeconds * 1000).toBe(SESSION_LIFETIME_MS)
  expect(byId('server-sessions')?.retention.ms).toBe(SESSION_LIFETIME_MS)
  expect(byId('session')?.retention.ms).toBe(SESSION_LIFETIME_MS)
  expect(ADMIN_TOKEN_TTL_MS).toBe(ADMIN_TOKEN_LIFETIME_MS)
  expect(byId('admin-tokens')?.retention.ms).toBe(ADMIN_TOKEN_TTL_MS)
  expect(byId('spent-nonces')?.retention.ms).toBe(NONCE_MEMORY_MS)
})
