import bcrypt from 'bcryptjs'
import { bcryptInputOf, hashAdminPassword } from '../src/admin-password'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { SessionResponse } from '../../src/services/api-contract'
import type { HttpClient } from '../src/http-client'
import { loadSecrets } from '../src/secrets'
import { readSettings, SettingsError } from '../src/settings'
import { startTestServer, type TestServer, devAdminPassword } from './test-server'

// SENSITIVE on the server: WeChat identifiers are stored only as keyed hashes, and the admin
// password only as a bcrypt hash of cost 10 or more. docs/sensitive-data.md says why.

/** What WeChat's jscode2session answers for this user: realistic shapes, never stored. */
const WECHAT_USER = {
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL',
  session_key: 'tiihtNczf5v6AKRyjwEUhQ==',
}
const CREDENTIALS = {
  WECHAT_APPID: 'wx0123456789abcdef',
  WECHAT_SECRET: '0123456789abcdef0123456789abcdef',
}
const wechat: HttpClient = {
  async getJson() {
    return { status: 200, body: WECHAT_USER }
  },
}

describe('identifiers stay hashed', () => {
  let server: TestServer
  let session: SessionResponse

  beforeAll(async () => {
    server = await startTestServer({ env: CREDENTIALS, http: wechat })
    session = await server.signInAgreed('081abcDEF')
    // Everything a signed-in user can make the server keep: a consent record and an error
    // report (which, carelessly written, names the user's openid).
    const consent = await server.signed(session, '/v1/me/consent', {
      method: 'POST',
      body: JSON.stringify({ policyVersion: '2026.11.25', decision: 'agreed' }),
    })
    expect(consent.status).toBe(201)
    const report = await server.signed(session, '/v1/monitor/errors', {
      method: 'POST',
      body: JSON.stringify({
        reports: [
          {
            kind: 'error',
            message: `login failed for openid=${WECHAT_USER.openid}`,
            page: `pages/home/index?openid=${WECHAT_USER.openid}`,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    expect(report.status).toBe(202)
  }, 60_000)
  afterAll(async () => server?.close())

  /** Every row of every table, as JSON. */
  function everyRow(): string {
    const tables = server.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all() as Array<{ name: string }>
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'sessions']))
    return JSON.stringify(
      tables.map(({ name }) => [name, server.db.prepare(`SELECT * FROM "${name}"`).all()]),
    )
  }

  /** Every byte of every file in the data folder (the database, its WAL, the replay guard…). */
  function everyFile(): string {
    server.db.pragma('wal_checkpoint(FULL)')
    const dir = server.settings.dataDir
    return (readdirSync(dir, { recursive: true }) as string[])
      .flatMap((name) => {
        try {
          return [readFileSync(join(dir, name)).toString('latin1')]
        } catch {
          return [] // a folder
        }
      })
      .join('\n')
  }

  test.each([
    ['the openid', WECHAT_USER.openid],
    ['the unionid', WECHAT_USER.unionid],
    ['the session_key', WECHAT_USER.session_key],
  ])('%s is in no table, no file and no log line', (_name, value) => {
    expect(everyRow()).not.toContain(value)
    expect(everyFile()).not.toContain(value)
    expect(server.logs.join('\n')).not.toContain(value)
  })

  test('the session credentials are stored as hashes only', () => {
    const rows = everyRow()
    expect(rows).not.toContain(session.token)
    expect(rows).not.toContain(session.signingKey)
    expect(rows).toContain(createHash('sha256').update(session.token).digest('hex'))
  })

  test('the user is known by a keyed hash: without the server secret it cannot be recomputed', () => {
    const users = server.db.prepare('SELECT openid_hmac FROM users').all() as Array<{
      openid_hmac: string
    }>
    expect(users).toHaveLength(1)
    const [{ openid_hmac: stored }] = users
    expect(stored).toMatch(/^[0-9a-f]{64}$/)
    // The scans above read what is there: the hash is found in the rows and the file.
    expect(everyRow()).toContain(stored)
    expect(everyFile()).toContain(stored)
    // An unkeyed hash of an openid could be matched by anyone holding a list of openids.
    for (const unkeyed of [WECHAT_USER.openid, `openid\0${WECHAT_USER.openid}`]) {
      expect(stored).not.toBe(createHash('sha256').update(unkeyed).digest('hex'))
    }
  })

  test('the export shows the user the hash, never the openid', async () => {
    const res = await server.signed(session, '/v1/me/data')
    expect(res.status).toBe(200)
    expect(res.text).not.toContain(WECHAT_USER.openid)
    expect((res.body as { user: { openidHmac: string } }).user.openidHmac).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('the admin password is bcrypt, cost 10 or more', () => {
  test('the development hash (made on first start) is bcrypt, salted, cost >= 10', async () => {
    const server = await startTestServer()
    try {
      const password = devAdminPassword(server)
      const first = loadSecrets(server.settings).adminPasswordHash
      const second = loadSecrets(server.settings).adminPasswordHash
      for (const hash of [first, second]) {
        expect(hash).toMatch(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/)
        expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(10)
        expect(await bcrypt.compare(bcryptInputOf(password.trim()), hash)).toBe(true)
      }
      expect(first).not.toBe(second) // a fresh salt each time: equal passwords, different hashes
    } finally {
      await server.close()
    }
  })

  test('a configured hash signs in; neither it nor the password is stored or logged', async () => {
    const password = 'correct horse battery staple'
    const hash = hashAdminPassword(password, 10)
    const server = await startTestServer({ env: { ADMIN_PASSWORD_HASH: hash } })
    try {
      const login = (candidate: string) =>
        server.request('/v1/admin/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ password: candidate }),
        })
      expect((await login(password)).status).toBe(200)
      expect((await login(`${password} `)).status).toBe(401)
      server.db.pragma('wal_checkpoint(FULL)')
      const stored = readFileSync(join(server.settings.dataDir, 'server.db')).toString('latin1')
      for (const secret of [password, hash]) {
        expect(stored).not.toContain(secret)
        expect(server.logs.join('\n')).not.toContain(secret)
      }
    } finally {
      await server.close()
    }
  })

  // Finding 4a of the security review: bcrypt reads 72 bytes; 24 Chinese characters are 72.
  test('a guess sharing the first 72 bytes of a long passphrase is refused', async () => {
    const passphrase = '我们的运维口令是不能告诉任何人的秘密请务必保管好它谢谢大家一起努力'
    expect(Buffer.byteLength(passphrase)).toBeGreaterThan(72)
    const server = await startTestServer({
      env: { ADMIN_PASSWORD_HASH: hashAdminPassword(passphrase, 10) },
    })
    try {
      const login = async (candidate: string) => {
        const res = await server.request('/v1/admin/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ password: candidate }),
        })
        return [res.status, (res.body as { error?: { code?: string } }).error?.code ?? 'ok']
      }
      const first72Bytes = passphrase.slice(0, 24)
      expect(Buffer.byteLength(first72Bytes)).toBe(72)
      expect(await login(first72Bytes)).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED'])
      expect(await login(`${first72Bytes}错的后半句`)).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED'])
      expect(await login(passphrase)).toEqual([200, 'ok'])
    } finally {
      await server.close()
    }
  })

  const salt = 'a'.repeat(53)
  test.each([
    ['cost 10 (the floor)', `$2b$10$${salt}`, 'accepted'],
    ['cost 12', `$2b$12$${salt}`, 'accepted'],
    ['cost 9', `$2b$09$${salt}`, 'a bcrypt cost of at least 10'],
    ['cost 4', `$2a$04$${salt}`, 'a bcrypt cost of at least 10'],
    ['the password itself', 'hunter2', 'must be a bcrypt hash'],
    ['a SHA-256 digest (fast: not a password hash)', 'ab'.repeat(32), 'must be a bcrypt hash'],
    ['an encrypted password (base64)', 'U2FsdGVkX1+0123456789abcdef==', 'must be a bcrypt hash'],
  ])('ADMIN_PASSWORD_HASH as %s', (_name, value, outcome) => {
    const read = () => readSettings({ ADMIN_PASSWORD_HASH: value })
    if (outcome === 'accepted') {
      expect(read().adminPasswordHash).toBe(value)
    } else {
      expect(read).toThrow(SettingsError)
      expect(read).toThrow(outcome)
    }
  })
})
