import {
  MAX_REPORT_COUNT,
  REPORT_TEXT_LIMITS,
  type ErrorReport,
  type MyDataExport,
  type SessionResponse,
} from '../../src/services/api-contract'
import { getRow } from '../src/database'
import { fingerprintOf } from '../src/monitor'
import { startTestServer, testClock, type TestServer } from './test-server'

const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let session: SessionResponse

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: {
      MONITOR_REPORTS_PER_USER_PER_MINUTE: '1000000',
      MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE: '1000000',
    },
  })
  session = await server.signInAgreed('code-monitor')
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
/** Sends a whole batch body, e.g. `{ reports, droppedOnDevice }`. */
const sendBatch = (s: SessionResponse, batch: unknown) =>
  server.signed(s, '/v1/monitor/errors', { method: 'POST', body: JSON.stringify(batch) })

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
      await server.signInAgreed(`code-${_name.replace(/\W/g, '-')}`),
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
    const user = await server.signInAgreed('code-long-message')
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
    const user = await server.signInAgreed(`code-long-${field}`)
    const res = await send(user, [report({ [field]: 'a '.repeat(limit) })])
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ accepted: 1, truncated: [{ index: 0, fields: [field] }] })
    const row = getRow<Record<string, string>>(
      server.db.prepare(`SELECT ${field} FROM error_reports ORDER BY id DESC LIMIT 1`),
    )
    expect(row?.[field]).toBe('a '.repeat(limit).slice(0, limit))
  })

  test('cutting never splits an emoji (a UTF-16 surrogate pair)', async () => {
    const user = await server.signInAgreed('code-emoji')
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

  test('a long text that scrubbing makes shorter keeps no part of a number cut before scrubbing', async () => {
    const user = await server.signInAgreed('code-scrub-shorter')
    // 1260 characters: cut to 1256 before scrubbing, inside the 105th phone number, which the
    // scrubber then cannot recognise; the 104 whole ones become "[phone]", so the scrubbed text
    // is shorter than the limit and the cut-off digits would have been kept.
    const message = '13812345678 '.repeat(105)
    const res = await send(user, [report({ message })])
    expect(res.body).toMatchObject({ accepted: 1, truncated: [{ index: 0, fields: ['message'] }] })
    const row = getRow<{ message: string }>(
      server.db.prepare('SELECT message FROM error_reports ORDER BY id DESC LIMIT 1'),
    )
    expect(row?.message).not.toMatch(/\d{3}/)
    expect(row?.message).toContain('[phone]')
  })

  test('a text that scrubbing makes longer is still cut to its limit', async () => {
    const user = await server.signInAgreed('code-scrub-longer')
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
    const user = await server.signInAgreed('code-mixed-batch')
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
    expect(reasons[6]).toMatch(/"appVersion".*version such as 1\.2\.3/)
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
    const user = await server.signInAgreed('code-all-invalid')
    const res = await send(user, [report({ kind: 'crash' as never })])
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ accepted: 0, fingerprints: [], dropped: [{ index: 0 }] })
  })

  test('SQL in a message is stored as text', async () => {
    const message = "'); DROP TABLE error_reports; --"
    expect((await send(await server.signInAgreed('code-sql'), [report({ message })])).status).toBe(
      202,
    )
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
})

const BASE_LIBRARY_REASON =
  '"baseLibrary" must be a version such as 3.7.1 (parts of up to 3 digits).'
/** The group that counts reports the device captured but could not keep (`droppedOnDevice`). */
const DROPPED_FINGERPRINT = fingerprintOf('dropped', 'reports dropped on the device', '')
const groupCount = (fingerprint: string) =>
  getRow<{ count: number }>(
    server.db.prepare('SELECT count FROM error_groups WHERE fingerprint = ?'),
    fingerprint,
  )?.count
const storedReports = () =>
  getRow<{ n: number }>(server.db.prepare('SELECT count(*) AS n FROM error_reports'))?.n ?? 0

describe('POST /v1/monitor/errors: counts, base library and platform', () => {
  // A bad value of a report's own field drops that report alone, with the reason.
  test.each<[string, Record<string, unknown>, string]>([
    ['count 0', { count: 0 }, `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`],
    ['count -1', { count: -1 }, `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`],
    ['count 1.5', { count: 1.5 }, `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`],
    ['count "3"', { count: '3' }, `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`],
    [
      'count null',
      { count: null },
      `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`,
    ],
    [
      'count MAX_REPORT_COUNT + 1',
      { count: MAX_REPORT_COUNT + 1 },
      `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`,
    ],
    ['baseLibrary "3.7.1<script>"', { baseLibrary: '3.7.1<script>' }, BASE_LIBRARY_REASON],
    ['baseLibrary "v3.7.1"', { baseLibrary: 'v3.7.1' }, BASE_LIBRARY_REASON],
    ['baseLibrary "3.7.1 " (a space)', { baseLibrary: '3.7.1 ' }, BASE_LIBRARY_REASON],
    ['baseLibrary 371', { baseLibrary: 371 }, '"baseLibrary" must be text (a JSON string).'],
    [
      'platform "iOS 17"',
      { platform: 'iOS 17' },
      '"platform" may contain only lowercase letters, digits, "-", "_" and ".".',
    ],
    [
      'platform "Android"',
      { platform: 'Android' },
      '"platform" may contain only lowercase letters, digits, "-", "_" and ".".',
    ],
    [
      'platform "ios<script>"',
      { platform: 'ios<script>' },
      '"platform" may contain only lowercase letters, digits, "-", "_" and ".".',
    ],
    ['platform ["ios"]', { platform: ['ios'] }, '"platform" must be text (a JSON string).'],
  ])('a report with %s is dropped with the reason', async (name, fields, reason) => {
    const user = await server.signInAgreed(`code-bad-${name.replace(/\W/g, '-')}`)
    const before = storedReports()
    const res = await send(user, [report({ message: 'kept' }), { ...report(), ...fields }])
    expect(res.status).toBe(202)
    expect(res.body).toEqual({
      accepted: 1,
      fingerprints: [expect.any(String)],
      dropped: [{ index: 1, reason }],
      truncated: [],
    })
    expect(storedReports()).toBe(before + 1)
  })

  // `droppedOnDevice` belongs to the batch, so the route's schema checks it: the whole batch is
  // refused, and nothing of it is stored.
  test.each<[string, unknown, string]>([
    ['-1', -1, '"droppedOnDevice" must be at least 0.'],
    ['1.5', 1.5, '"droppedOnDevice" must be a whole number.'],
    ['"x"', 'x', '"droppedOnDevice" must be a whole number.'],
    ['"7"', '7', '"droppedOnDevice" must be a whole number.'],
    ['null', null, '"droppedOnDevice" must be a whole number.'],
    [
      'MAX_REPORT_COUNT + 1',
      MAX_REPORT_COUNT + 1,
      `"droppedOnDevice" must be at most ${MAX_REPORT_COUNT}.`,
    ],
  ])('droppedOnDevice %s -> 400 ERR_VALIDATION, nothing stored', async (name, value, message) => {
    const user = await server.signInAgreed(`code-bad-dropped-${name.replace(/\W/g, '-')}`)
    const reportsBefore = storedReports()
    const droppedBefore = groupCount(DROPPED_FINGERPRINT)
    const res = await sendBatch(user, { reports: [report()], droppedOnDevice: value })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: { code: 'ERR_VALIDATION', message } })
    expect(storedReports()).toBe(reportsBefore)
    expect(groupCount(DROPPED_FINGERPRINT)).toBe(droppedBefore)
  })

  test('usual values are accepted: counts from 1 to MAX_REPORT_COUNT, real versions and platforms', async () => {
    const user = await server.signInAgreed('code-good-new-fields')
    const res = await sendBatch(user, {
      reports: [
        report({ count: 1 }),
        report({ count: MAX_REPORT_COUNT }),
        report({ baseLibrary: '3.7.1', platform: 'ios' }),
        report({ baseLibrary: '2.32.3', platform: 'android' }),
        report({ baseLibrary: '', platform: 'devtools' }),
        report({ platform: 'h5' }),
        report({ platform: 'ohos_pc' }),
      ],
      droppedOnDevice: MAX_REPORT_COUNT,
    })
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ accepted: 7, dropped: [], truncated: [] })
  })

  test('a report with count 5 grows its group by 5; a report without a count, by 1', async () => {
    const user = await server.signInAgreed('code-count')
    const message = 'a failure the device saw 5 times'
    const first = await send(user, [report({ message, count: 5 })])
    expect(first.status).toBe(202)
    const [fingerprint] = (first.body as { fingerprints: string[] }).fingerprints
    expect(groupCount(fingerprint)).toBe(5)

    await send(user, [report({ message, count: 2 }), report({ message })])
    expect(groupCount(fingerprint)).toBe(5 + 2 + 1)
    // One row per report, each with its own count.
    const rows = server.db
      .prepare('SELECT count FROM error_reports WHERE fingerprint = ? ORDER BY id')
      .all(fingerprint) as Array<{ count: number }>
    expect(rows.map((row) => row.count)).toEqual([5, 2, 1])
  })

  test('droppedOnDevice 7 grows the "dropped" group by 7 and stores no report for it', async () => {
    const user = await server.signInAgreed('code-dropped-on-device')
    const droppedBefore = groupCount(DROPPED_FINGERPRINT) ?? 0
    const reportsBefore = storedReports()
    clock.advance(1000)
    const res = await sendBatch(user, { reports: [report()], droppedOnDevice: 7 })
    expect(res.status).toBe(202)
    // The receipt is about the reports sent; the dropped ones are only counted.
    expect(res.body).toEqual({
      accepted: 1,
      fingerprints: [expect.any(String)],
      dropped: [],
      truncated: [],
    })
    expect(
      getRow(
        server.db.prepare(
          `SELECT kind, message, top_frame AS topFrame, last_seen AS lastSeen, count
             FROM error_groups WHERE fingerprint = ?`,
        ),
        DROPPED_FINGERPRINT,
      ),
    ).toEqual({
      kind: 'dropped',
      message: 'reports dropped on the device',
      topFrame: '',
      lastSeen: clock.now().toISOString(),
      count: droppedBefore + 7,
    })
    // Only the report that was sent has a row: nothing about the dropped ones is linked to anyone.
    expect(storedReports()).toBe(reportsBefore + 1)
    const dropRows = getRow<{ n: number }>(
      server.db.prepare('SELECT count(*) AS n FROM error_reports WHERE fingerprint = ?'),
      DROPPED_FINGERPRINT,
    )
    expect(dropRows?.n).toBe(0)

    // Counted even when every report of the batch is invalid.
    const allInvalid = await sendBatch(user, {
      reports: [report({ kind: 'crash' as never })],
      droppedOnDevice: 3,
    })
    expect(allInvalid.body).toMatchObject({ accepted: 0, dropped: [{ index: 0 }] })
    expect(groupCount(DROPPED_FINGERPRINT)).toBe(droppedBefore + 7 + 3)
  })

  test.each([
    ['droppedOnDevice 0', { droppedOnDevice: 0 }],
    ['no droppedOnDevice', {}],
  ])('%s leaves the "dropped" group as it was', async (name, extra) => {
    const user = await server.signInAgreed(`code-${name.replace(/\W/g, '-')}`)
    const before = groupCount(DROPPED_FINGERPRINT)
    const res = await sendBatch(user, { reports: [report()], ...extra })
    expect(res.status).toBe(202)
    expect(groupCount(DROPPED_FINGERPRINT)).toBe(before)
  })

  test('the export carries baseLibrary, platform and count; absent ones come back as "", "" and 1', async () => {
    const user = await server.signInAgreed('code-export-new-fields')
    await send(user, [
      report({ baseLibrary: '3.7.1', platform: 'ios', count: 4 }),
      report({ message: 'plain', stack: undefined, page: undefined, appVersion: undefined }),
    ])
    const exported = (await server.signed(user, '/v1/me/data')).body as {
      errorReports: unknown[]
    }
    expect(exported.errorReports).toEqual([
      {
        kind: 'error',
        message: report().message,
        stack: report().stack,
        page: 'pages/home/index',
        appVersion: '0.1.0',
        baseLibrary: '3.7.1',
        platform: 'ios',
        occurredAt: '2026-11-25T06:29:00.000Z',
        count: 4,
        receivedAt: clock.now().toISOString(),
        truncatedFields: [],
      },
      {
        kind: 'error',
        message: 'plain',
        stack: '',
        page: '',
        appVersion: '',
        baseLibrary: '',
        platform: '',
        occurredAt: '2026-11-25T06:29:00.000Z',
        count: 1,
        receivedAt: clock.now().toISOString(),
        truncatedFields: [],
      },
    ])
  })

  // A base library version has a strict format, so it is never long: 60 characters are refused.
  test('an over-long platform is cut to its limit and marked; an over-long baseLibrary is dropped', async () => {
    const user = await server.signInAgreed('code-long-base-library')
    const platform = 'devtools-'.repeat(5) // 45 characters
    const res = await send(user, [
      report({ baseLibrary: '3.7.1', platform }),
      report({ baseLibrary: '3.7.1.'.repeat(10) }),
    ])
    expect(res.body).toMatchObject({
      accepted: 1,
      dropped: [{ index: 1, reason: BASE_LIBRARY_REASON }],
      truncated: [{ index: 0, fields: ['platform'] }],
    })
    const exported = (await server.signed(user, '/v1/me/data')).body as {
      errorReports: Array<{ baseLibrary: string; platform: string; truncatedFields: string[] }>
    }
    expect(exported.errorReports).toEqual([
      expect.objectContaining({
        baseLibrary: '3.7.1',
        platform: platform.slice(0, REPORT_TEXT_LIMITS.platform),
        truncatedFields: ['platform'],
      }),
    ])
    expect(REPORT_TEXT_LIMITS.baseLibrary).toBe(32)
    expect(REPORT_TEXT_LIMITS.platform).toBe(32)
  })

  // Security review (data) finding 3: a version has parts of up to 3 digits, so a phone number
  // is not a version at all (it used to be stored, scrubbed to "[phone]").
  test('a phone number passed off as a base library version is dropped', async () => {
    const user = await server.signInAgreed('code-phone-as-version')
    const res = await send(user, [report({ baseLibrary: '13812345678', platform: 'ios' })])
    expect(res.body).toMatchObject({
      accepted: 0,
      dropped: [{ index: 0, reason: BASE_LIBRARY_REASON }],
    })
  })
})

describe('data rights', () => {
  test('withdrawing consent deletes the error reports sent under it (PIPL Art. 47); the decisions stay', async () => {
    const user = await server.signIn('code-withdraw-reports')
    const consent = (decision: string) =>
      server.signed(user, '/v1/me/consent', {
        method: 'POST',
        body: JSON.stringify({ policyVersion: '2026-11', decision }),
      })
    await consent('agreed')
    await send(user, [report({ message: 'one' }), report({ message: 'two' })])
    const exported = async () =>
      (await server.signed(user, '/v1/me/data')).body as {
        consents: Array<{ decision: string }>
        errorReports: unknown[]
      }
    expect((await exported()).errorReports).toHaveLength(2)
    expect((await consent('withdrawn')).status).toBe(201)
    const after = await exported()
    expect(after.errorReports).toEqual([])
    expect(after.consents.map((c) => c.decision)).toEqual(['agreed', 'withdrawn'])
  })

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
      recordedAt: clock.now().toISOString(),
    })
    // Withdrawn and agreed again: reports are taken only while the latest decision is 'agreed'.
    for (const decision of ['withdrawn', 'agreed']) {
      await server.signed(user, '/v1/me/consent', {
        method: 'POST',
        body: JSON.stringify({ policyVersion: '2026-11', decision }),
      })
    }
    expect((await send(user, [report({ message: 'mine' })])).status).toBe(202)

    const exported = (await server.signed(user, '/v1/me/data')).body as {
      user: { id: string; openidHmac: string }
      consents: Array<{ decision: string }>
      sessions: unknown[]
      errorReports: Array<{ message: string }>
    }
    expect(exported.consents.map((c) => c.decision)).toEqual(['agreed', 'withdrawn', 'agreed'])
    expect(exported.sessions).toHaveLength(1)
    expect(exported.errorReports.map((r) => r.message)).toEqual(['mine'])
    expect(exported.user.openidHmac).toMatch(/^[0-9a-f]{64}$/)

    const erased = await server.signed(user, '/v1/me', { method: 'DELETE' })
    expect(erased.status).toBe(200)
    expect(erased.body).toEqual({ erased: { users: 1, sessions: 1, consents: 3, errorReports: 1 } })

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

  test('a decision keeps the time the user made it (the device shows the same); a clock ahead of the server cannot place it later than its arrival', async () => {
    const user = await server.signIn('code-decided-at')
    const now = clock.now().getTime()
    const post = (decidedAt?: string) =>
      server.signed(user, '/v1/me/consent', {
        method: 'POST',
        body: JSON.stringify({ policyVersion: '2026-11', decision: 'agreed', decidedAt }),
      })
    const before = new Date(now - 3 * 60_000).toISOString() // agreed, signed in 3 minutes later
    expect((await post(before)).body).toEqual({
      policyVersion: '2026-11',
      decision: 'agreed',
      decidedAt: before,
      recordedAt: new Date(now).toISOString(),
    })
    const ahead = (await post(new Date(now + 3_600_000).toISOString())).body as {
      decidedAt: string
    }
    expect(ahead.decidedAt).toBe(new Date(now).toISOString())
    const exported = (await server.signed(user, '/v1/me/data')).body as MyDataExport
    expect(exported.consents.map((c) => c.decidedAt)).toEqual([before, new Date(now).toISOString()])
    expect(exported.consents.map((c) => c.recordedAt)).toEqual([
      new Date(now).toISOString(),
      new Date(now).toISOString(),
    ])
  })

  test.each([
    ['unknown decision', { policyVersion: '2026-11', decision: 'maybe' }],
    [
      'a decision time that is not a time',
      { policyVersion: '1', decision: 'agreed', decidedAt: 'x' },
    ],
    ['a decision time as a number', { policyVersion: '1', decision: 'agreed', decidedAt: 1 }],
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

// Security review (data) finding 3: every text field a report carries is either scrubbed or
// strictly validated, so no field stores a phone or ID number as sent.
describe('POST /v1/monitor/errors: no report field keeps personal numbers', () => {
  const PHONE = '13812345678'
  const ID_NUMBER = '11010519491231002X'
  // Fields checked against a strict format: a value that does not match drops the report.
  test.each<[string, Record<string, unknown>, string]>([
    ['occurredAt with a phone number', { occurredAt: `2026-11-25T${PHONE}Z` }, 'occurredAt'],
    ['occurredAt with an ID number', { occurredAt: `2026-11-25T${ID_NUMBER}Z` }, 'occurredAt'],
    ['occurredAt with a 13th month', { occurredAt: '2026-13-25T06:29:00.000Z' }, 'occurredAt'],
    ['occurredAt without a time zone', { occurredAt: '2026-11-25T06:29:00' }, 'occurredAt'],
    ['appVersion a phone number', { appVersion: PHONE }, 'appVersion'],
    ['appVersion an ID number', { appVersion: ID_NUMBER }, 'appVersion'],
    ['appVersion with a phone tag', { appVersion: `1.2.3-${PHONE}` }, 'appVersion'],
    ['appVersion "v1.2.3"', { appVersion: 'v1.2.3' }, 'appVersion'],
    ['baseLibrary a phone number in parts', { baseLibrary: '138.1234.5678' }, 'baseLibrary'],
    ['baseLibrary an ID number', { baseLibrary: '110105194912310021' }, 'baseLibrary'],
  ])('a report whose %s is dropped with the reason', async (name, fields, field) => {
    const user = await server.signInAgreed(`code-strict-${name.replace(/\W/g, '-')}`)
    const res = await send(user, [report({ message: 'kept' }), { ...report(), ...fields }])
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({
      accepted: 1,
      dropped: [{ index: 1, reason: expect.stringContaining(`"${field}"`) }],
    })
  })

  // Usual values still pass, as sent.
  test.each<[string, Record<string, unknown>]>([
    ['occurredAt with milliseconds', { occurredAt: '2026-11-25T06:29:00.000Z' }],
    ['occurredAt without milliseconds', { occurredAt: '2026-11-25T06:29:00Z' }],
    ['occurredAt with an offset', { occurredAt: '2026-11-25T14:29:00.000+08:00' }],
    ['appVersion 0.1.0', { appVersion: '0.1.0' }],
    ['appVersion 1.2.3-beta.1', { appVersion: '1.2.3-beta.1' }],
    ['appVersion 10.20.300', { appVersion: '10.20.300' }],
    ['baseLibrary 3.7.1', { baseLibrary: '3.7.1' }],
  ])('a report with %s is stored', async (name, fields) => {
    const user = await server.signInAgreed(`code-usual-${name.replace(/\W/g, '-')}`)
    const res = await send(user, [{ ...report(), ...fields }])
    expect(res.body).toMatchObject({ accepted: 1, dropped: [] })
  })

  // Every text field of a report, with a phone and an ID number hidden where its format allows
  // text: the export shows neither, whatever the field.
  test.each<[keyof ErrorReport, string]>([
    ['message', `call ${PHONE} id ${ID_NUMBER}`],
    ['stack', `Error: ${PHONE}\n    at f (${ID_NUMBER}.js:1:2)`],
    ['page', `pages/user/${PHONE}/${ID_NUMBER}`],
    ['platform', `ios${PHONE}`],
  ])('the export never carries the numbers sent in %s', async (field, value) => {
    const user = await server.signInAgreed(`code-every-field-${field}`)
    const res = await send(user, [report({ [field]: value })])
    expect(res.body).toMatchObject({ accepted: 1 })
    const exported = JSON.stringify((await server.signed(user, '/v1/me/data')).body)
    expect(exported).not.toContain(PHONE)
    expect(exported).not.toContain(ID_NUMBER)
  })
})

// Security review (data) finding 4: the server keeps no report the user did not agree to, even
// from a client that does not gate them.
describe('POST /v1/monitor/errors needs consent on record', () => {
  const consent = (user: SessionResponse, decision: 'agreed' | 'withdrawn') =>
    server.signed(user, '/v1/me/consent', {
      method: 'POST',
      body: JSON.stringify({ policyVersion: '2026-11', decision }),
    })
  const exportedReports = async (user: SessionResponse) =>
    ((await server.signed(user, '/v1/me/data')).body as MyDataExport).errorReports

  test.each<[string, number, string | undefined, Array<'agreed' | 'withdrawn'>]>([
    ['no decision on record', 403, 'ERR_CONSENT_REQUIRED', []],
    ['agreed, then withdrew', 403, 'ERR_CONSENT_REQUIRED', ['agreed', 'withdrawn']],
    ['withdrew only', 403, 'ERR_CONSENT_REQUIRED', ['withdrawn']],
    ['agreed', 202, undefined, ['agreed']],
    ['withdrew, then agreed again', 202, undefined, ['agreed', 'withdrawn', 'agreed']],
  ])('a user with %s -> %i %s', async (name, status, errorCode, decisions) => {
    const user = await server.signIn(`code-consent-${name.replace(/\W/g, '-')}`)
    for (const decision of decisions) expect((await consent(user, decision)).status).toBe(201)
    const droppedBefore = groupCount(DROPPED_FINGERPRINT) ?? 0
    const res = await sendBatch(user, { reports: [report()], droppedOnDevice: 3 })
    expect(res.status).toBe(status)
    expect(code(res.body)).toBe(errorCode)
    // A refused batch leaves nothing: no report in the export, no count in the groups.
    expect(await exportedReports(user)).toHaveLength(status === 202 ? 1 : 0)
    expect(groupCount(DROPPED_FINGERPRINT) ?? 0).toBe(droppedBefore + (status === 202 ? 3 : 0))
  })
})
