import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, pragmaValue } from '../src/database'
import { Incidents } from '../src/incidents'
import { readSettings } from '../src/settings'
import { loadTls } from '../src/tls'

// Zero set-up: the first start makes a certificate and a database in the data folder;
// later starts reuse them.
let dataDir: string
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'anxin-first-start-'))
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

test('a self-signed certificate for localhost and 127.0.0.1 is made once, its key private', async () => {
  const settings = readSettings({ DATA_DIR: dataDir })
  const first = await loadTls(settings)
  expect(first.selfSigned).toBe(true)
  expect(first.cert).toContain('BEGIN CERTIFICATE')
  expect(statSync(join(dataDir, 'tls', 'dev-key.pem')).mode & 0o777).toBe(0o600)
  const { X509Certificate } = await import('node:crypto')
  const x509 = new X509Certificate(first.cert)
  expect(x509.subjectAltName).toContain('IP Address:127.0.0.1')
  expect(x509.subjectAltName).toContain('DNS:localhost')
  const second = await loadTls(settings)
  expect(second.cert).toBe(first.cert)
}, 60_000)

test('configured certificate files are used as they are', async () => {
  const made = await loadTls(readSettings({ DATA_DIR: dataDir }))
  const settings = readSettings({
    DATA_DIR: join(dataDir, 'other'),
    TLS_CERT_FILE: join(dataDir, 'tls', 'dev-cert.pem'),
    TLS_KEY_FILE: join(dataDir, 'tls', 'dev-key.pem'),
  })
  const loaded = await loadTls(settings)
  expect(loaded.selfSigned).toBe(false)
  expect(loaded.cert).toBe(made.cert)
}, 60_000)

test('the database is created in WAL mode and keeps its data across reopening', () => {
  const file = join(dataDir, 'server.db')
  const db = openDatabase(file)
  expect(pragmaValue(db, 'journal_mode')).toBe('wal')
  // 2 = FULL: an acknowledged write survives a power cut, not just a process crash.
  expect(pragmaValue(db, 'synchronous')).toBe(2)
  expect(pragmaValue(db, 'foreign_keys')).toBe(1)
  db.prepare('INSERT INTO incidents (id, message, started_at) VALUES (?, ?, ?)').run(
    'inc-9',
    '维护',
    '2026-11-25T00:00:00Z',
  )
  db.close()
  const again = openDatabase(file)
  expect(new Incidents(again).current()).toEqual({
    id: 'inc-9',
    message: '维护',
    startedAt: '2026-11-25T00:00:00Z',
    retryAfterSeconds: 300,
  })
  again.close()
})
