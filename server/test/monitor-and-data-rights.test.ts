import type { ErrorReport, SessionResponse } from '../../src/services/api-contract'
import { getRow } from '../src/database'
import { startTestServer, testClock, type TestServer } from './test-server'

const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let session: SessionResponse

beforeAll(async () => {
  server = await startTestServer({ clock, env: { MONITOR_BATCHES_PER_MINUTE: '5' } })
  session = await server.signIn('code-monitor')
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const report = (overrides: Partial<ErrorReport> = {}): ErrorReport => ({
  kind: 'error',
  message: "TypeError: Cannot read properties of undefined (reading 'city')",
  stack: 'TypeError: x\n    at onLoad (pages/home/index.js:12:34)\n    at r (taro.js:1:2)',
  page: 'pages/home/index',
  appVersion: '0.1.0',
  occurredAt: '2026-11-25T06:29:00.000Z',
  ...overrides,
})
const send = (s: SessionResponse, reports: unknown) =>
  server.signed(s, '/v1/monitor/errors', { method: 'POST', body: JSON.stringify({ reports }) })

describe('POST /v1/monitor/errors', () => {
  test('a batch is scrubbed, grouped by fingerprint, and on disk before the answer', async () => {
    const res = await send(session, [
      report(),
      report({ stack: 'TypeError: x\n    at onLoad (pages/home/index.js:99:1)' }),
      report({
        kind: 'unhandledrejection',
        message: '请求失败 13812345678 zhang@example.com lat=39.9042 token=abcdef123456',
        stack: undefined,
      }),
    ])
    expect(res.status).toBe(202)
    const receipt = res.body as { accepted: number; fingerprints: string[] }
    expect(receipt.accepted).toBe(3)
    // Same message and frame, different line numbers: one group.
    expect(receipt.fingerprints[0]).toBe(receipt.fingerprints[1])
    expect(receipt.fingerprints[2]).not.toBe(receipt.fingerprints[0])

    const rows = server.db.prepare('SELECT message FROM error_reports ORDER BY id').all() as Array<{
      message: string
    }>
    expect(rows).toHaveLength(3)
    expect(rows[2].message).toBe('请求失败 [phone] [email] lat=[redacted] token=[redacted]')
    const group = server.db
      .prepare('SELECT count FROM error_groups WHERE fingerprint = ?')
      .get(receipt.fingerprints[0]) as { count: number }
    expect(group.count).toBe(2)
  })

  // A body that is not a batch at all is refused whole.
  test.each([
    ['no reports', 400, 'ERR_VALIDATION', { reports: [] }],
    ['21 reports', 400, 'ERR_VALIDATION', { reports: Array.from({ length: 21 }, () => report()) }],
    ['reports is not a list', 400, 'ERR_VALIDATION', { reports: report() }],
    ['no reports field', 400, 'ERR_VALIDATION', { report: [report()] }],
    ['unknown top-level field', 400, 'ERR_VALIDATION', { reports: [report()], deviceId: 'x' }],
    ['a list instead of an object', 400, 'ERR_VALIDATION', [report()]],
    ['a string', 400, 'ERR_VALIDATION', 'reports'],
    ['null', 400, 'ERR_VALIDATION', null],
    [
      'oversized batch',
      413,
      'ERR_BODY_TOO_LARGE',
      { reports: Array.from({ length: 20 }, () => report({ stack: 'y'.repeat(4000) })) },
    ],
  ])('%s -> %i %s', async (_name, status, errorCode, body) => {
    // A fresh session per case: the per-session rate limit is tested on its own below.
    const res = await server.signed(
      await server.signIn(`code-${_name.replace(/\W/g, '-')}`),
      '/v1/monitor/errors',
      {
        method: 'POST',
        body: JSON.stringify(body),
      },
    )
    expect(res.status).toBe(status)
    expect(code(res.body)).toBe(errorCode)
  })

  test('one over-long message in a batch of 20: all 20 stored, that message cut and marked', async () => {
    const user = await server.signIn('code-long-message')
    const reports = Array.from({ length: 20 }, (_, i) => report({ message: `failure ${i}` }))
    reports[7] = report({ message: 'x'.repeat(1200) })
    const res = await send(user, reports)
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({
      accepted: 20,
      dropped: [],
      truncated: [{ index: 7, fields: ['message'] }],
    })
    expect((res.body as { fingerprints: string[] }).fingerprints).toHaveLength(20)

    const exported = (await server.signed(user, '/v1/me/data')).body as {
      errorReports: Array<{ message: string; truncatedFields: string[] }>
    }
    expect(exported.errorReports).toHaveLength(20)
    expect(exported.errorReports[7].message).toBe('x'.repeat(1000))
    expect(exported.errorReports[7].truncatedFields).toEqual(['message'])
    expect(exported.errorReports[6].truncatedFields).toEqual([])
  })

  test.each([
    ['message', 1000],
    ['stack', 4000],
    ['page', 200],
  ] as const)('an over-long %s is cut to %i characters', async (field, limit) => {
    const user = await server.signIn(`code-long-${field}`)
    const res = await send(user, [report({ [field]: 'a '.repeat(limit) })])
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ accepted: 1, truncated: [{ index: 0, fields: [field] }] })
    const row = getRow<Record<string, string>>(
      server.db.prepare(`SELECT ${field} FROM error_reports ORDER BY id DESC LIMIT 1`),
    )
    expect(row?.[field]).toBe('a '.repeat(limit).slice(0, limit))
  })

  test('cutting never splits an emoji (a UTF-16 surrogate pair)', async () => {
    const user = await server.signIn('code-emoji')
    // 999 letters and then emoji: a cut after 1000 UTF-16 units would land inside the first one.
    const message = 'x'.repeat(999) + '😀'.repeat(10)
    const page = 'p'.repeat(199) + '🙂🙂'
    const res = await send(user, [report({ message, page })])
    expect(res.body).toMatchObject({
      accepted: 1,
      truncated: [{ index: 0, fields: ['message', 'page'] }],
    })
    const row = getRow<{ message: string; page: string }>(
      server.db.prepare('SELECT message, page FROM error_reports ORDER BY id DESC LIMIT 1'),
    )
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
    expect(row?.message).toBe('x'.repeat(999) + '😀')
    expect(row?.page).toBe('p'.repeat(199) + '🙂')
    expect(row?.message).not.toMatch(loneSurrogate)
    expect(row?.page).not.toMatch(loneSurrogate)
  })

  test('a text that scrubbing makes longer is still cut to its limit', async () => {
    const user = await server.signIn('code-scrub-longer')
    // "token=a" becomes "token=[redacted]": 9 characters longer.
    const message = `${'m'.repeat(990)} token=a`
    const res = await send(user, [report({ message })])
    expect(res.body).toMatchObject({ accepted: 1, truncated: [{ index: 0, fields: ['message'] }] })
    const row = getRow<{ message: string }>(
      server.db.prepare('SELECT message FROM error_reports ORDER BY id DESC LIMIT 1'),
    )
    expect(row?.message).toHaveLength(1000)
    expect(row?.message).not.toContain('token=a')
  })

  test('invalid reports are dropped one by one, with the reason; the valid ones are stored', async () => {
    const user = await server.signIn('code-mixed-batch')
    const res = await send(user, [
      report({ message: 'first good one' }),
      report({ kind: 'crash' as never }),
      { ...report(), message: 42 },
      { kind: 'error', occurredAt: '2026-11-25T06:00:00Z' },
      { ...report(), userPhone: '13812345678' },
      report({ occurredAt: 'yesterday' }),
      report({ appVersion: '<script>' }),
      42,
      null,
      [report()],
      { ...report(), stack: ['at x'] },
      report({ message: 'second good one' }),
    ])
    expect(res.status).toBe(202)
    const receipt = res.body as {
      accepted: number
      fingerprints: string[]
      dropped: Array<{ index: number; reason: string }>
      truncated: unknown[]
    }
    expect(receipt.accepted).toBe(2)
    expect(receipt.fingerprints).toHaveLength(2)
    expect(receipt.truncated).toEqual([])
    expect(receipt.dropped.map((d) => d.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const reasons = Object.fromEntries(receipt.dropped.map((d) => [d.index, d.reason]))
    // Each reason names the field and says what is allowed.
    expect(reasons[1]).toMatch(/"kind".*error, unhandledrejection, pagenotfound, boundary/)
    expect(reasons[2]).toMatch(/"message".*text/)
    expect(reasons[3]).toMatch(/"message".*required/)
    expect(reasons[4]).toMatch(/"userPhone"/)
    expect(reasons[5]).toMatch(/"occurredAt".*2026-11-25T06:29:00/)
    expect(reasons[6]).toMatch(/"appVersion".*letters, digits/)
    expect(reasons[7]).toMatch(/object/)
    expect(reasons[8]).toMatch(/object/)
    expect(reasons[9]).toMatch(/object/)
    expect(reasons[10]).toMatch(/"stack".*text/)

    const exported = (await server.signed(user, '/v1/me/data')).body as {
      errorReports: Array<{ message: string }>
    }
    expect(exported.errorReports.map((r) => r.message)).toEqual([
      'first good one',
      'second good one',
    ])
  })

  test('a batch of only invalid reports stores nothing and says why', async () => {
    const user = await server.signIn('code-all-invalid')
    const res = await send(user, [report({ kind: 'crash' as never })])
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ accepted: 0, fingerprints: [], dropped: [{ index: 0 }] })
  })

  test('SQL in a message is stored as text', async () => {
    const message = "'); DROP TABLE error_reports; --"
    expect((await send(await server.signIn('code-sql'), [report({ message })])).status).toBe(202)
    const row = server.db
      .prepare('SELECT message FROM error_reports ORDER BY id DESC LIMIT 1')
      .get() as { message: string }
    expect(row.message).toBe(message)
  })

  test('unsigned reports are refused', async () => {
    const res = await server.request('/v1/monitor/errors', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reports: [report()] }),
    })
    expect(res.status).toBe(401)
    expect(code(res.body)).toBe('ERR_AUTH_REQUIRED')
  })

  test('each session has its own rate limit', async () => {
    const noisy = await server.signIn('code-noisy')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await send(noisy, [report()])).status)
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429])
    const limited = await send(noisy, [report()])
    expect(code(limited.body)).toBe('ERR_RATE_LIMITED')
    const quiet = await server.signIn('code-quiet')
    expect((await send(quiet, [report()])).status).toBe(202)
  })
})

describe('data rights', () => {
  test('consent, export everything, erase everything', async () => {
    const user = await server.signIn('code-rights')
    const agreed = await server.signed(user, '/v1/me/consent', {
      method: 'POST',
      body: JSON.stringify({ policyVersion: '2026-11', decision: 'agreed' }),
    })
    expect(agreed.body).toEqual({
      policyVersion: '2026-11',
      decision: 'agreed',
      decidedAt: clock.now().toISOString(),
    })
    await server.signed(user, '/v1/me/consent', {
      method: 'POST',
      body: JSON.stringify({ policyVersion: '2026-11', decision: 'withdrawn' }),
    })
    await send(user, [report({ message: 'mine' })])

    const exported = (await server.signed(user, '/v1/me/data')).body as {
      user: { id: string; openidHmac: string }
      consents: Array<{ decision: string }>
      sessions: unknown[]
      errorReports: Array<{ message: string }>
    }
    expect(exported.consents.map((c) => c.decision)).toEqual(['agreed', 'withdrawn'])
    expect(exported.sessions).toHaveLength(1)
    expect(exported.errorReports.map((r) => r.message)).toEqual(['mine'])
    expect(exported.user.openidHmac).toMatch(/^[0-9a-f]{64}$/)

    const erased = await server.signed(user, '/v1/me', { method: 'DELETE' })
    expect(erased.status).toBe(200)
    expect(erased.body).toEqual({ erased: { users: 1, sessions: 1, consents: 2, errorReports: 1 } })

    // Nothing of theirs is left in any table that refers to users.
    for (const table of ['sessions', 'consents', 'error_reports']) {
      const left = server.db
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`)
        .get(exported.user.id) as { n: number }
      expect(left.n).toBe(0)
    }
    const after = await server.signed(user, '/v1/me/data')
    expect(code(after.body)).toBe('ERR_SESSION_INVALID')
    // Other users are untouched.
    expect((await server.signed(session, '/v1/me/data')).status).toBe(200)
  })

  test('every table holding user data is covered by export and erasure', () => {
    const tables = (
      server.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
        name: string
      }>
    ).map((t) => t.name)
    const withUserId = tables.filter((table) =>
      (server.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some(
        (column) => column.name === 'user_id',
      ),
    )
    // If a new table gains a user_id, MyData.export and MyData.erase must learn about it.
    expect(withUserId.sort()).toEqual(['consents', 'error_reports', 'sessions'])
  })

  test.each([
    ['unknown decision', { policyVersion: '2026-11', decision: 'maybe' }],
    ['no version', { decision: 'agreed' }],
    ['version with a script', { policyVersion: '<script>', decision: 'agreed' }],
    ['version too long', { policyVersion: '1'.repeat(21), decision: 'agreed' }],
    ['extra field', { policyVersion: '2026-11', decision: 'agreed', decidedAt: '1999-01-01' }],
    ['version is a number', { policyVersion: 2026, decision: 'agreed' }],
  ])('consent with %s -> 400 ERR_VALIDATION', async (_name, body) => {
    const res = await server.signed(session, '/v1/me/consent', {
      method: 'POST',
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_VALIDATION')
  })

  test.each([
    ['GET', '/v1/me/data'],
    ['DELETE', '/v1/me'],
    ['POST', '/v1/me/consent'],
  ])('%s %s needs a session', async (method, path) => {
    const res = await server.request(path, { method })
    expect(res.status).toBe(401)
    expect(code(res.body)).toBe('ERR_AUTH_REQUIRED')
  })
})
