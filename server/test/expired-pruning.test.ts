import { ADMIN_TOKEN_TTL_MS } from '../src/admin'
import { startTestServer, testClock, within, devAdminPassword } from './test-server'

// Finding 4c of the security review (server/README.md, "Security review findings"): expired
// sessions and admin tokens used to be deleted only when the same user signed in again.

test('expired sessions and admin tokens are pruned on a schedule; live ones stay', async () => {
  const clock = testClock('2026-11-25T06:30:00Z')
  const server = await startTestServer({
    clock,
    // Every second here; hourly by default.
    env: { SESSION_TTL_SECONDS: '60', EXPIRED_PRUNE_INTERVAL_SECONDS: '1' },
  })
  try {
    const password = devAdminPassword(server)
    const adminLogin = () =>
      server.request('/v1/admin/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: password.trim() }),
      })
    const count = (table: string) =>
      (server.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n

    await server.signIn('code-gone')
    expect((await adminLogin()).status).toBe(200)
    clock.advance(ADMIN_TOKEN_TTL_MS + 1000)
    // Both expired; neither user nor operator signs in again with the same account.
    const live = await server.signIn('code-live')
    const liveAdmin = (await adminLogin()).body as { token: string }
    expect([count('sessions'), count('admin_tokens')]).toEqual([2, 2])

    await within(5000, async () => {
      expect([count('sessions'), count('admin_tokens')]).toEqual([1, 1])
    })
    // What stays is what is still valid.
    expect((await server.signed(live, '/v1/me/data')).status).toBe(200)
    const groups = await server.request('/v1/admin/error-groups', {
      headers: { authorization: `Bearer ${liveAdmin.token}` },
    })
    expect(groups.status).toBe(200)
  } finally {
    await server.close()
  }
}, 60_000)
