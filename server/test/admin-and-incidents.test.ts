import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ADMIN_TOKEN_TTL_MS } from '../src/admin'
import { runIncidentCli } from '../src/incident-cli'
import {
  startTestServer,
  testClock,
  within,
  type TestServer,
  devAdminPassword,
} from './test-server'

const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let password: string

beforeAll(async () => {
  server = await startTestServer({ clock, env: { ADMIN_LOGINS_PER_MINUTE: '1000' } })
  password = devAdminPassword(server)
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const post = (path: string, body: unknown, token?: string) =>
  server.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
const login = async () => {
  const res = await post('/v1/admin/login', { password })
  expect(res.status).toBe(200)
  return (res.body as { token: string }).token
}
const auditActions = () =>
  (
    server.db.prepare('SELECT action, outcome FROM audit_log ORDER BY id').all() as Array<{
      action: string
      outcome: string
    }>
  ).map((row) => `${row.action}:${row.outcome}`)

describe('admin sign-in', () => {
  test('the development password (made on first start, mode 0600) signs in', async () => {
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const token = await login()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  test('a wrong password is refused and audited', async () => {
    const res = await post('/v1/admin/login', { password: 'hunter2' })
    expect(res.status).toBe(401)
    expect(code(res.body)).toBe('ERR_ADMIN_LOGIN_FAILED')
    expect(auditActions()).toContain('admin.login:refused')
  })

  test.each([
    ['no password', {}, 'ERR_VALIDATION'],
    ['password is a number', { password: 1234 }, 'ERR_VALIDATION'],
    ['empty password', { password: '' }, 'ERR_VALIDATION'],
    ['extra field', { password: 'x', admin: true }, 'ERR_VALIDATION'],
    ['SQL injection', { password: "' OR '1'='1" }, 'ERR_ADMIN_LOGIN_FAILED'],
  ])('%s -> %s', async (_name, body, errorCode) => {
    expect(code((await post('/v1/admin/login', body)).body)).toBe(errorCode)
  })

  test('the password never appears in the logs or the database', async () => {
    await login()
    server.db.pragma('wal_checkpoint(FULL)')
    const stored = readFileSync(join(server.settings.dataDir, 'server.db')).toString('latin1')
    expect(stored).not.toContain(password)
    expect(server.logs.join('\n')).not.toContain(password)
  })

  test('admin tokens expire after 15 minutes', async () => {
    const token = await login()
    clock.advance(ADMIN_TOKEN_TTL_MS + 1)
    const res = await server.request('/v1/admin/incidents', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(401)
    expect(code(res.body)).toBe('ERR_ADMIN_AUTH_REQUIRED')
  })

  test.each([
    ['no token', undefined],
    ['a user session token', 'Bearer ' + 'A'.repeat(43)],
    ['garbage', 'Bearer <script>'],
  ])('admin routes refuse %s', async (_name, authorization) => {
    for (const [method, path] of [
      ['GET', '/v1/admin/incidents'],
      ['GET', '/v1/admin/error-groups'],
      ['GET', '/v1/admin/audit'],
      ['POST', '/v1/admin/incidents/end'],
    ]) {
      const res = await server.request(path, {
        method,
        headers: authorization ? { authorization } : {},
      })
      expect(res.status).toBe(401)
      expect(code(res.body)).toBe('ERR_ADMIN_AUTH_REQUIRED')
    }
  })
})

describe('the kill switch', () => {
  test('open: status, header on every response, audit; a second open is refused; end', async () => {
    const token = await login()
    const opened = await post(
      '/v1/admin/incidents',
      { message: '系统升级中，预计 30 分钟', retryAfterSeconds: 60 },
      token,
    )
    expect(opened.status).toBe(201)
    const { incident } = opened.body as { incident: { id: string; startedAt: string } }
    const status = await server.request('/v1/status')
    expect(status.body).toMatchObject({
      maintenance: true,
      message: '系统升级中，预计 30 分钟',
      incidentId: incident.id,
      retryAfterSeconds: 60,
      // The operator's retry-after is their estimate: the app shows "预计 … 恢复".
      expectedEndAt: new Date(Date.parse(incident.startedAt) + 60_000).toISOString(),
    })
    expect((await server.request('/v1/cities')).headers['x-maintenance']).toBe('1')

    const second = await post('/v1/admin/incidents', { message: '又一个' }, token)
    expect(second.status).toBe(409)
    expect(code(second.body)).toBe('ERR_INCIDENT_ALREADY_OPEN')

    const ended = await post('/v1/admin/incidents/end', {}, token)
    expect(ended.status).toBe(200)
    expect((await server.request('/v1/status')).body).toEqual({ maintenance: false })
    const again = await post('/v1/admin/incidents/end', {}, token)
    expect(code(again.body)).toBe('ERR_NO_OPEN_INCIDENT')

    expect(auditActions()).toEqual(
      expect.arrayContaining([
        'incident.start:ok',
        'incident.start:refused',
        'incident.end:ok',
        'incident.end:refused',
      ]),
    )
    const list = await server.request('/v1/admin/incidents', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(
      (list.body as { incidents: Array<{ id: string; endedAt: string }> }).incidents[0],
    ).toMatchObject({
      id: incident.id,
      endedAt: expect.any(String),
    })
  })

  test.each([
    ['empty message', { message: '' }],
    ['message with markup', { message: '<img src=x onerror=alert(1)>' }],
    ['message with a newline', { message: 'a\nb' }],
    ['message too long', { message: '维'.repeat(201) }],
    ['retry-after too small', { message: 'm', retryAfterSeconds: 1 }],
    ['retry-after as text', { message: 'm', retryAfterSeconds: '60' }],
    ['unknown field', { message: 'm', severity: 'high' }],
  ])('opening with %s -> 400 ERR_VALIDATION', async (_name, body) => {
    const res = await post('/v1/admin/incidents', body, await login())
    expect(res.status).toBe(400)
    expect(code(res.body)).toBe('ERR_VALIDATION')
  })

  test('an incident opened without a retry-after has no expected end; apps poll again after 300 s', async () => {
    const token = await login()
    expect((await post('/v1/admin/incidents', { message: '维护' }, token)).status).toBe(201)
    try {
      const status = (await server.request('/v1/status')).body as Record<string, unknown>
      expect(status).toMatchObject({ maintenance: true, retryAfterSeconds: 300 })
      expect(status).not.toHaveProperty('expectedEndAt')
    } finally {
      await post('/v1/admin/incidents/end', {}, token)
    }
  })

  test('error groups and the audit log are readable by an admin', async () => {
    const token = await login()
    const user = await server.signInAgreed('code-admin-test')
    await server.signed(user, '/v1/monitor/errors', {
      method: 'POST',
      body: JSON.stringify({
        reports: [{ kind: 'error', message: 'boom', occurredAt: '2026-11-25T06:00:00Z' }],
      }),
    })
    const groups = await server.request('/v1/admin/error-groups', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect((groups.body as { groups: Array<{ message: string; count: number }> }).groups).toEqual([
      expect.objectContaining({ message: 'boom', count: 1, reports: 1, users: 1 }),
    ])
    const readAudit = async () =>
      (
        (
          await server.request('/v1/admin/audit', {
            headers: { authorization: `Bearer ${token}` },
          })
        ).body as { entries: Array<{ action: string }> }
      ).entries
    // Each answer is audited as it is sent: a read shows the reads before it.
    expect((await readAudit())[0].action).toBe('error-groups.list')
    expect((await readAudit())[0].action).toBe('audit.list')
  })

  // `count` is what devices say (a report carries how often it happened, up to 100,000), so one
  // client can make any group look huge. `reports` and `users` count the rows kept: a figure a
  // client cannot inflate without many accounts.
  test('a group says how many reports and distinct users stand behind its count', async () => {
    const token = await login()
    const message = 'a failure one device says it saw very often'
    const report = (count: number) => ({
      kind: 'error',
      message,
      occurredAt: '2026-11-25T06:00:00Z',
      count,
    })
    const loud = await server.signInAgreed('code-groups-loud')
    const quiet = await server.signInAgreed('code-groups-quiet')
    const send = (user: typeof loud, count: number) =>
      server.signed(user, '/v1/monitor/errors', {
        method: 'POST',
        body: JSON.stringify({ reports: [report(count)] }),
      })
    expect((await send(loud, 100_000)).status).toBe(202)
    expect((await send(loud, 100_000)).status).toBe(202)
    expect((await send(quiet, 1)).status).toBe(202)
    const group = async () => {
      const res = await server.request('/v1/admin/error-groups', {
        headers: { authorization: `Bearer ${token}` },
      })
      const groups = (res.body as { groups: Array<Record<string, unknown>> }).groups
      return groups.find((g) => g.message === message)
    }
    expect(await group()).toMatchObject({ count: 200_001, reports: 3, users: 2 })

    // The loud user erases their account: their reports go; what was counted stays counted.
    expect((await server.signed(loud, '/v1/me', { method: 'DELETE' })).status).toBe(200)
    expect(await group()).toMatchObject({ count: 200_001, reports: 1, users: 1 })
  })
})

describe('npm run incident', () => {
  const env = () => ({ DATA_DIR: server.settings.dataDir, PORT: String(server.port) })

  test('start, status, end against the running server', async () => {
    const lines: string[] = []
    await runIncidentCli(['start', '--message', '紧急维护'], env(), (line) => lines.push(line))
    expect(lines[0]).toMatch(/^Incident inc-[0-9a-f-]+ opened at \S+\.$/)
    // It says what happens when, not "now": requests at once, open apps within the watch.
    expect(lines.slice(1, 4)).toEqual([
      '  - Every API request from now on is refused with the maintenance answer.',
      '  - Apps launched or brought back to the foreground open the maintenance page at their first status check.',
      '  - Apps already open switch at their next request or status check: within 30 s.',
    ])
    expect(lines.join('\n')).not.toMatch(/\bnow\.$/m)
    lines.splice(1, 3)
    await within(2000, async () => {
      expect((await server.request('/v1/status')).body).toMatchObject({
        maintenance: true,
        message: '紧急维护',
      })
    })
    await runIncidentCli(['status'], env(), (line) => lines.push(line))
    expect(lines[1]).toMatch(/^Maintenance ON since .*: 紧急维护$/)
    await runIncidentCli(['end'], env(), (line) => lines.push(line))
    expect(lines[2]).toMatch(/ended at/)
    expect(lines[4]).toMatch(/go home at their next status check: within 5 min .*重试/)
    lines.splice(3, 2)
    await runIncidentCli(['status'], env(), (line) => lines.push(line))
    expect(lines[3]).toBe('Maintenance off: no open incident.')
  })

  test.each([
    ['no command', [], 'Usage:'],
    ['unknown command', ['restart'], 'Usage:'],
    ['start without a message', ['start'], 'start needs --message'],
    ['end with nothing open', ['end'], 'ERR_NO_OPEN_INCIDENT'],
  ])('%s -> a readable error', async (_name, args, message) => {
    await expect(runIncidentCli(args, env(), () => undefined)).rejects.toThrow(message)
  })

  test('a wrong ADMIN_PASSWORD is refused', async () => {
    await expect(
      runIncidentCli(['end'], { ...env(), ADMIN_PASSWORD: 'wrong' }, () => undefined),
    ).rejects.toThrow('ERR_ADMIN_LOGIN_FAILED')
  })

  test('no server running -> says which address it tried, how to start it and how to point elsewhere', async () => {
    const failure = runIncidentCli(['status'], { ...env(), PORT: '1' }, () => undefined)
    await expect(failure).rejects.toThrow('No server answers on https://127.0.0.1:1.')
    await expect(failure).rejects.toThrow('Start it with npm run server')
    await expect(failure).rejects.toThrow(
      'This command tries PORT=1 and HOST=127.0.0.1 (from the environment, else the defaults)',
    )
    await expect(failure).rejects.toThrow('PORT=8444 npm run incident -- status')
  })

  test('--retry-after is the expected end the operator is shown, as users are', async () => {
    const lines: string[] = []
    await runIncidentCli(['start', '--message', '升级', '--retry-after', '600'], env(), (line) =>
      lines.push(line),
    )
    try {
      const status = (await server.request('/v1/status')).body as { expectedEndAt: string }
      expect(lines).toContain(`  - Users see the expected end: ${status.expectedEndAt}.`)
    } finally {
      await runIncidentCli(['end'], env(), () => undefined)
    }
  })

  test('the npm script runs it as a command', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'incident', '--', 'status'],
      {
        env: { ...process.env, ...env() },
      },
    )
    expect(stdout.trim()).toBe('Maintenance off: no open incident.')
  }, 30_000)
})

test('admin sign-in is rate limited per address', async () => {
  const limited = await startTestServer({ env: { ADMIN_LOGINS_PER_MINUTE: '3' } })
  try {
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await limited.request('/v1/admin/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'wrong' }),
      })
      statuses.push(res.status)
    }
    expect(statuses).toEqual([401, 401, 401, 429])
  } finally {
    await limited.close()
  }
}, 60_000)
