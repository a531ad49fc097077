import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SessionResponse } from '../../src/services/api-contract'
import { addressKey } from '../src/client-address'
import { startTestServer, testClock, type TestServer } from './test-server'

// The security review's limits findings (server/README.md, "Security review findings").

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const json = { 'content-type': 'application/json' }
const report = {
  kind: 'error',
  message: 'TypeError: x',
  page: 'pages/home/index',
  appVersion: '0.1.0',
  occurredAt: '2026-11-25T06:29:00.000Z',
}
const batchOf = (n: number) => JSON.stringify({ reports: new Array(n).fill(report) })
const storedReports = (server: TestServer) =>
  (server.db.prepare('SELECT count(*) AS n FROM error_reports').get() as { n: number }).n

describe('finding 1: error reports are limited per address and per user', () => {
  test('random bearer values count towards the per-address limit', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '5' } })
    try {
      const answers = []
      for (let i = 0; i < 7; i++) {
        const res = await server.request('/v1/monitor/errors', {
          method: 'POST',
          headers: { ...json, authorization: `Bearer random-${i}` },
          body: batchOf(1),
        })
        answers.push([res.status, code(res.body)])
      }
      expect(answers.slice(0, 5)).toEqual(new Array(5).fill([401, 'ERR_SESSION_INVALID']))
      expect(answers.slice(5)).toEqual(new Array(2).fill([429, 'ERR_RATE_LIMITED']))
    } finally {
      await server.close()
    }
  }, 60_000)

  test('one user with many sessions has one report budget, refilled gradually', async () => {
    const clock = testClock('2026-11-25T06:30:00Z')
    const server = await startTestServer({
      clock,
      env: { MONITOR_REPORTS_PER_USER_PER_MINUTE: '40', RATE_LIMIT_PER_MINUTE: '1000' },
    })
    try {
      const sessions: SessionResponse[] = []
      for (let i = 0; i < 6; i++) sessions.push(await server.signInAgreed('code-one-user'))
      const answers = []
      for (const session of sessions) {
        const res = await server.signed(session, '/v1/monitor/errors', {
          method: 'POST',
          body: batchOf(20),
        })
        answers.push([res.status, code(res.body) ?? 'ok'])
      }
      expect(answers).toEqual([
        [202, 'ok'],
        [202, 'ok'],
        ...new Array(4).fill([429, 'ERR_REPORT_BUDGET_EXCEEDED']),
      ])
      expect(storedReports(server)).toBe(40)
      // A new minute does not hand back the whole budget at once: after 30 s, half of it.
      clock.advance(30_000)
      const after = []
      for (const session of sessions.slice(0, 2)) {
        const res = await server.signed(session, '/v1/monitor/errors', {
          method: 'POST',
          body: batchOf(20),
        })
        after.push([res.status, code(res.body) ?? 'ok'])
      }
      expect(after).toEqual([
        [202, 'ok'],
        [429, 'ERR_REPORT_BUDGET_EXCEEDED'],
      ])
      expect(storedReports(server)).toBe(60)
      // Another user is not held back by the first one.
      const other = await server.signInAgreed('code-other-user')
      const res = await server.signed(other, '/v1/monitor/errors', {
        method: 'POST',
        body: batchOf(20),
      })
      expect(res.status).toBe(202)
    } finally {
      await server.close()
    }
  }, 60_000)

  test('many users from one address share the address report budget', async () => {
    const server = await startTestServer({
      env: {
        MONITOR_REPORTS_PER_USER_PER_MINUTE: '40',
        MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE: '60',
        RATE_LIMIT_PER_MINUTE: '1000',
      },
    })
    try {
      const statuses = []
      for (let i = 0; i < 5; i++) {
        const session = await server.signInAgreed(`code-user-${i}`)
        const res = await server.signed(session, '/v1/monitor/errors', {
          method: 'POST',
          body: batchOf(20),
        })
        statuses.push([res.status, code(res.body) ?? 'ok'])
      }
      expect(statuses).toEqual([
        [202, 'ok'],
        [202, 'ok'],
        [202, 'ok'],
        [429, 'ERR_REPORT_BUDGET_EXCEEDED'],
        [429, 'ERR_REPORT_BUDGET_EXCEEDED'],
      ])
      expect(storedReports(server)).toBe(60)
    } finally {
      await server.close()
    }
  }, 60_000)
})

describe('finding 3: IPv6 clients are counted by their /64; admin sign-in backs off globally', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0:0:0:9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('addressKey(%s) is %s', (address, key) => {
    expect(addressKey(address)).toBe(key)
  })

  const proxied = (server: TestServer, path: string, address: string, body?: string) =>
    server.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...json, 'x-forwarded-for': address },
      body,
    })

  test('12 addresses of one /64 share one request budget', async () => {
    const server = await startTestServer({
      env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '127.0.0.1' },
    })
    try {
      const answers = []
      for (let i = 1; i <= 12; i++) {
        const res = await proxied(server, '/v1/status', `2001:db8:1:2::${i.toString(16)}`)
        answers.push([res.status, code(res.body) ?? 'ok'])
      }
      expect(answers).toEqual([
        ...new Array(3).fill([200, 'ok']),
        ...new Array(9).fill([429, 'ERR_RATE_LIMITED']),
      ])
      // The next /64 has its own budget.
      expect((await proxied(server, '/v1/status', '2001:db8:1:3::1')).status).toBe(200)
      // An IPv4-mapped address is the IPv4 address.
      expect((await proxied(server, '/v1/status', '203.0.113.9')).status).toBe(200)
      expect((await proxied(server, '/v1/status', '203.0.113.9')).status).toBe(200)
      expect((await proxied(server, '/v1/status', '203.0.113.9')).status).toBe(200)
      const mapped = await proxied(server, '/v1/status', '::ffff:203.0.113.9')
      expect([mapped.status, code(mapped.body)]).toEqual([429, 'ERR_RATE_LIMITED'])
    } finally {
      await server.close()
    }
  }, 60_000)

  test('12 addresses of one /64 share one admin sign-in budget', async () => {
    const server = await startTestServer({
      env: {
        ADMIN_LOGINS_PER_MINUTE: '3',
        ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF: '1000',
        TRUST_PROXY: '127.0.0.1',
      },
    })
    try {
      const answers = []
      for (let i = 1; i <= 12; i++) {
        const res = await proxied(
          server,
          '/v1/admin/login',
          `2001:db8:1:2::${i.toString(16)}`,
          JSON.stringify({ password: 'wrong' }),
        )
        answers.push([res.status, code(res.body)])
      }
      expect(answers).toEqual([
        ...new Array(3).fill([401, 'ERR_ADMIN_LOGIN_FAILED']),
        ...new Array(9).fill([429, 'ERR_RATE_LIMITED']),
      ])
    } finally {
      await server.close()
    }
  }, 60_000)

  test('failed admin sign-ins from any address slow every sign-in down (global backoff)', async () => {
    const clock = testClock('2026-11-25T06:30:00Z')
    const server = await startTestServer({
      clock,
      env: { ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF: '3', TRUST_PROXY: '127.0.0.1' },
    })
    try {
      const password = readFileSync(
        join(server.settings.dataDir, 'dev-admin-password'),
        'utf8',
      ).trim()
      let n = 0
      // Each attempt from a fresh address: the per-address limit never applies.
      const attempt = async (guess: string) => {
        n += 1
        const res = await proxied(
          server,
          '/v1/admin/login',
          `198.51.100.${n}`,
          JSON.stringify({ password: guess }),
        )
        return [res.status, code(res.body) ?? 'ok', res.headers['retry-after']]
      }
      expect(await attempt('wrong')).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED', undefined])
      expect(await attempt('wrong')).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED', undefined])
      // The third failure starts the backoff: 1 s, then 2 s, 4 s, ... (at most 15 minutes).
      expect(await attempt('wrong')).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED', undefined])
      // While it lasts, every sign-in is refused before the password is checked, the right one too.
      expect(await attempt(password)).toEqual([429, 'ERR_ADMIN_LOGIN_BACKOFF', '1'])
      clock.advance(1000)
      expect(await attempt('wrong')).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED', undefined])
      clock.advance(1000)
      expect(await attempt(password)).toEqual([429, 'ERR_ADMIN_LOGIN_BACKOFF', '1'])
      clock.advance(1000)
      // A success ends the backoff and resets the count.
      expect((await attempt(password))[0]).toBe(200)
      expect(await attempt('wrong')).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED', undefined])
      expect(await attempt('wrong')).toEqual([401, 'ERR_ADMIN_LOGIN_FAILED', undefined])
    } finally {
      await server.close()
    }
  }, 60_000)
})
