import { existsSync, readFileSync } from 'node:fs'
import type { ErrorReport, SessionResponse } from '../../src/services/api-contract'
import { getRow } from '../src/database'
import { startTestServer, testClock, type TestServer, devAdminPassword } from './test-server'

// Security review (data) finding 1: once a user's reports are gone (erasure or withdrawal), no
// text of theirs is left: not in the error groups an operator reads, not in the bytes of the
// SQLite file or its write-ahead log. The name and street address below are made up, and of a
// kind no scrubber can recognise.
const NAME = '张伟'
const STREET = '幸福路'
const PERSONAL = `${NAME} 住在 ${STREET} 88 号`

const clock = testClock('2026-11-25T06:30:00Z')
let server: TestServer
let adminPassword: string

beforeAll(async () => {
  server = await startTestServer({ clock, env: { ADMIN_LOGINS_PER_MINUTE: '1000' } })
  adminPassword = devAdminPassword(server)
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code
const report = (message: string): ErrorReport => ({
  kind: 'error',
  message,
  stack: `Error: ${message}\n    at ${NAME}${STREET} (pages/home/index.js:12:34)`,
  page: 'pages/home/index',
  appVersion: '0.1.0',
  occurredAt: '2026-11-25T06:29:00.000Z',
})

/** A signed-in user who agreed to the policy and sent one report with `message`. */
async function userWhoReported(loginCode: string, message: string): Promise<SessionResponse> {
  const user = await server.signInAgreed(loginCode)
  const sent = await server.signed(user, '/v1/monitor/errors', {
    method: 'POST',
    body: JSON.stringify({ reports: [report(message)] }),
  })
  expect(sent.status).toBe(202)
  expect(sent.body).toMatchObject({ accepted: 1 })
  return user
}

/** What an operator sees of the error groups (GET /v1/admin/error-groups), as text. */
async function adminErrorGroups(): Promise<string> {
  const login = await server.request('/v1/admin/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: adminPassword }),
  })
  const { token } = login.body as { token: string }
  const groups = await server.request('/v1/admin/error-groups', {
    headers: { authorization: `Bearer ${token}` },
  })
  expect(groups.status).toBe(200)
  return groups.text
}

/** The raw bytes of the database file and of its write-ahead log (if there is one). */
function databaseBytes(): Buffer[] {
  const file = getRow<{ file: string }>(
    server.db.prepare("SELECT file FROM pragma_database_list WHERE name = 'main'"),
  )!.file
  return [file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path))
}

const holds = (texts: Array<string | Buffer>, needle: string) =>
  texts.some((text) => text.includes(needle))

describe('erasure and withdrawal leave no personal text behind', () => {
  test('after DELETE /v1/me, neither the error groups nor the database bytes (file and WAL) hold the text', async () => {
    const user = await userWhoReported('code-erase-personal', PERSONAL)
    // Before: the text is stored (scrubbing cannot recognise a name or an address).
    expect(holds([await adminErrorGroups()], NAME)).toBe(true)

    const erased = await server.signed(user, '/v1/me', { method: 'DELETE' })
    expect(erased.status).toBe(200)

    const seen = [await adminErrorGroups(), ...databaseBytes()]
    for (const needle of [NAME, STREET]) expect(holds(seen, needle)).toBe(false)
  })

  test('after a withdrawal, neither the error groups nor the database bytes (file and WAL) hold the text', async () => {
    const user = await userWhoReported('code-withdraw-personal', PERSONAL)
    expect(holds([await adminErrorGroups()], NAME)).toBe(true)

    const withdrawn = await server.signed(user, '/v1/me/consent', {
      method: 'POST',
      body: JSON.stringify({ policyVersion: '2026-11', decision: 'withdrawn' }),
    })
    expect(withdrawn.status).toBe(201)

    const seen = [await adminErrorGroups(), ...databaseBytes()]
    for (const needle of [NAME, STREET]) expect(holds(seen, needle)).toBe(false)
    // The account stays (only the reports went); its session still works.
    expect(code((await server.signed(user, '/v1/me/data')).body)).toBeUndefined()
  })

  test('a group keeps its count, and shows only the shape its kept reports share (digits blanked)', async () => {
    const first = await userWhoReported('code-shape-first', 'timeout after 5123 ms')
    await userWhoReported('code-shape-second', 'timeout after 77 ms')
    await server.signed(first, '/v1/me', { method: 'DELETE' })
    const groups = JSON.parse(await adminErrorGroups()) as {
      groups: Array<{ message: string; count: number; reports: number }>
    }
    const group = groups.groups.find((g) => g.message.startsWith('timeout after'))
    expect(group).toMatchObject({ message: 'timeout after # ms', count: 2, reports: 1 })
    expect(JSON.stringify(groups)).not.toContain('5123')
  })

  test('secure_delete is on for every connection the server opens', () => {
    expect(getRow<{ secure_delete: number }>(server.db.prepare('PRAGMA secure_delete'))).toEqual({
      secure_delete: 1,
    })
  })
})
