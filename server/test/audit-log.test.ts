import { runAuditLogCli } from '../src/audit-log-cli'
import { startTestServer, testClock, type TestServer, devAdminPassword } from './test-server'

// Security review (data) finding 2: every answer of /v1/admin/* is audited (success and every
// refusal, whatever the status), with the client's address and a fingerprint of the admin
// token (never the token); repeated anonymous refusals are counted, not written one by one;
// the log is paged, and chained by hashes that `npm run audit-log -- verify` checks.
const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let password: string

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: { ADMIN_LOGINS_PER_MINUTE: '4', RATE_LIMIT_PER_MINUTE: '100000' },
  })
  password = devAdminPassword(server)
}, 60_000)
afterAll(async () => server?.close())

interface Row {
  id: number
  action: string
  outcome: string
  detail: string
  address: string
  actor: string
  count: number
  hash: string
}
const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const rows = () => server.db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Row[]
const lastRow = () => rows().at(-1)!
const admin = (path: string, token?: string, options: { method?: string; body?: string } = {}) =>
  server.request(path, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: options.body,
  })
let token: string

describe('every admin answer is audited, with address and token fingerprint', () => {
  test('a sign-in: the row names the address and the fingerprint of the token it issued', async () => {
    const res = await admin('/v1/admin/login', undefined, {
      method: 'POST',
      body: JSON.stringify({ password }),
    })
    expect(res.status).toBe(200)
    token = (res.body as { token: string }).token
    const row = lastRow()
    expect(row).toMatchObject({ action: 'admin.login', outcome: 'ok', address: '127.0.0.1' })
    expect(JSON.parse(row.detail)).toMatchObject({
      status: 200,
      tokenFingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
    })
    // A fingerprint, never the token.
    expect(JSON.stringify(rows())).not.toContain(token)
  })

  test.each<[string, () => Promise<{ status: number; body: unknown }>, string, number, string]>([
    [
      'a validation failure with a valid token',
      () =>
        admin('/v1/admin/incidents', token, {
          method: 'POST',
          body: JSON.stringify({ message: '' }),
        }),
      'incident.start',
      400,
      'ERR_VALIDATION',
    ],
    [
      'a body that is not JSON',
      () =>
        server.request('/v1/admin/incidents', {
          method: 'POST',
          headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
          body: 'x',
        }),
      'incident.start',
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'an unknown admin path',
      () => admin('/v1/admin/users', token),
      'GET /v1/admin/users',
      404,
      'ERR_NOT_FOUND',
    ],
    [
      'a wrong method',
      () => admin('/v1/admin/audit', token, { method: 'DELETE' }),
      'DELETE /v1/admin/audit',
      405,
      'ERR_METHOD_NOT_ALLOWED',
    ],
    [
      'no open incident to end',
      () => admin('/v1/admin/incidents/end', token, { method: 'POST', body: '{}' }),
      'incident.end',
      409,
      'ERR_NO_OPEN_INCIDENT',
    ],
    [
      'no token',
      () => admin('/v1/admin/incidents'),
      'incidents.list',
      401,
      'ERR_ADMIN_AUTH_REQUIRED',
    ],
  ])(
    '%s -> one row with the status and the code',
    async (_name, call, action, status, errorCode) => {
      const before = rows().length
      const res = await call()
      expect([res.status, code(res.body)]).toEqual([status, errorCode])
      expect(rows()).toHaveLength(before + 1)
      const row = lastRow()
      expect(row).toMatchObject({ action, outcome: 'refused', address: '127.0.0.1', count: 1 })
      expect(JSON.parse(row.detail)).toMatchObject({ status, code: errorCode })
      // Signed-in refusals name the operator's token by its fingerprint; anonymous ones, nobody.
      expect(row.actor).toMatch(status === 401 ? /^$/ : /^[0-9a-f]{12}$/)
    },
  )

  test('a rate-limited sign-in (429) is audited too', async () => {
    const attempts: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await admin('/v1/admin/login', undefined, {
        method: 'POST',
        body: JSON.stringify({ password: 'wrong' }),
      })
      attempts.push(res.status)
    }
    expect(attempts).toContain(429)
    const limited = rows().filter((row) => JSON.parse(row.detail).code === 'ERR_RATE_LIMITED')
    expect(limited).toEqual([
      expect.objectContaining({ action: 'admin.login', outcome: 'refused' }),
    ])
  })
})

describe('the log cannot be flushed from view', () => {
  test('150 anonymous refusals in a minute are one row with a count; incident.start stays in the first page', async () => {
    const opened = await admin('/v1/admin/incidents', token, {
      method: 'POST',
      body: JSON.stringify({ message: '维护中' }),
    })
    expect(opened.status).toBe(201)
    const before = rows().length
    for (let i = 0; i < 150; i++) expect((await admin('/v1/admin/error-groups')).status).toBe(401)
    expect(rows()).toHaveLength(before + 1)
    expect(lastRow()).toMatchObject({
      action: 'error-groups.list',
      outcome: 'refused',
      actor: '',
      count: 150,
    })
    const page = await admin('/v1/admin/audit', token)
    const entries = (page.body as { entries: Array<{ action: string; outcome: string }> }).entries
    expect(entries.map((e) => `${e.action}:${e.outcome}`)).toContain('incident.start:ok')
    await admin('/v1/admin/incidents/end', token, { method: 'POST', body: '{}' })
  })

  test('the audit API pages: ?limit= and ?before=<id>, newest first, to the very first row', async () => {
    const seen: number[] = []
    let path = '/v1/admin/audit?limit=3'
    for (;;) {
      const res = await admin(path, token)
      expect(res.status).toBe(200)
      const { entries, next } = res.body as { entries: Array<{ id: number }>; next?: number }
      seen.push(...entries.map((e) => e.id))
      if (next === undefined) break
      path = `/v1/admin/audit?limit=3&before=${next}`
    }
    expect(seen[seen.length - 1]).toBe(1)
    expect(seen).toEqual([...seen].sort((a, b) => b - a))
    expect(new Set(seen).size).toBe(seen.length)
  })

  test.each([['limit=0'], ['limit=501'], ['before=x'], ['limit=2&sort=asc']])(
    '?%s -> 400 ERR_VALIDATION, audited',
    async (query) => {
      const res = await admin(`/v1/admin/audit?${query}`, token)
      expect([res.status, code(res.body)]).toEqual([400, 'ERR_VALIDATION'])
      expect(lastRow()).toMatchObject({ action: 'audit.list', outcome: 'refused' })
    },
  )
})

describe('the log is tamper-evident', () => {
  test('npm run audit-log -- verify: the chain holds; a changed row breaks it there', () => {
    const env = { DATA_DIR: server.settings.dataDir, PORT: '8443' }
    const intact = runAuditLogCli(['verify'], env)
    expect(intact.exitCode).toBe(0)
    expect(intact.output).toMatch(/chain holds/)
    const victim = rows().find((row) => row.action === 'incident.start' && row.outcome === 'ok')!
    server.db
      .prepare('UPDATE audit_log SET detail = ? WHERE id = ?')
      .run('{"status":201}', victim.id)
    const changed = runAuditLogCli(['verify'], env)
    expect(changed.exitCode).toBe(1)
    expect(changed.output).toContain(`row ${victim.id}`)
    server.db.prepare('UPDATE audit_log SET detail = ? WHERE id = ?').run(victim.detail, victim.id)
    expect(runAuditLogCli(['verify'], env).exitCode).toBe(0)
    // A row taken out breaks the chain at the next one.
    const middle = rows()[2]
    server.db.prepare('DELETE FROM audit_log WHERE id = ?').run(middle.id)
    const removed = runAuditLogCli(['verify'], env)
    expect(removed.exitCode).toBe(1)
    expect(removed.output).toContain(`row ${rows()[2].id}`)
    expect(runAuditLogCli(['nonsense'], env).exitCode).toBe(2)
  })
})
