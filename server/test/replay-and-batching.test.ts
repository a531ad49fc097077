import Database from 'libsql'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SessionResponse } from '../../src/services/api-contract'
import type { FastifyRequest } from 'fastify'
import { randomBytes } from 'node:crypto'
import { httpDateOf } from '../src/app'
import { verifySignedRequest, type AuthDependencies } from '../src/auth'
import { getRow, openDatabase } from '../src/database'
import { NONCE_MEMORY_MS, ReplayGuard } from '../src/replay-guard'
import { securityHeaderOptions, securityHeaders } from '../src/security-headers'
import { Sessions, sha256 } from '../src/sessions'
import {
  signatureHeaders,
  startTestServer,
  type TestResponse,
  type TestServer,
} from './test-server'

/**
 * What the server's speed-ups must not change (issue 11): nonces are spent in batches, one
 * transaction per batch (the signed requests of two turns of the event loop), and sessions are
 * read once per batch; security
 * headers are computed once. Each request still gets its own answer, a replay is refused
 * whatever shares its batch or its file, and a revoked session is refused at once.
 */
const code = (res: TestResponse) => (res.body as { error?: { code?: string } }).error?.code

describe('the nonce store', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'anxin-replay-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const T = Date.parse('2026-11-25T06:30:00Z')
  const spendOf = (nonce: string, timestamp = T, session = 's'.repeat(64)) => ({
    session,
    nonce,
    timestamp,
  })

  test('a nonce is spent once; the same request twice in one batch: the second is a replay', () => {
    const guard = new ReplayGuard(join(dir, 'replay.db'))
    try {
      expect(
        guard.spend([spendOf('nonce-a-0000000001'), spendOf('nonce-a-0000000001')], T),
      ).toEqual([true, false])
      expect(guard.spend([spendOf('nonce-a-0000000001')], T + 1000)).toEqual([false])
      // Another session's nonce is its own.
      expect(guard.spend([spendOf('nonce-a-0000000001', T, 't'.repeat(64))], T)).toEqual([true])
    } finally {
      guard.close()
    }
  })

  test('a replay in the middle of a batch: the others are spent, once', () => {
    const guard = new ReplayGuard(join(dir, 'replay.db'))
    try {
      guard.spend([spendOf('nonce-b-0000000002')], T)
      expect(
        guard.spend(
          [
            spendOf('nonce-b-0000000001'),
            spendOf('nonce-b-0000000002'),
            spendOf('nonce-b-0000000003'),
          ],
          T,
        ),
      ).toEqual([true, false, true])
      expect(
        guard.spend([spendOf('nonce-b-0000000001'), spendOf('nonce-b-0000000003')], T),
      ).toEqual([false, false])
      // Batches larger than one statement's rows.
      const many = Array.from({ length: 40 }, (_, i) =>
        spendOf(`nonce-c-${String(i).padStart(10, '0')}`),
      )
      expect(guard.spend(many, T).every(Boolean)).toBe(true)
      expect(guard.spend(many, T).some(Boolean)).toBe(false)
    } finally {
      guard.close()
    }
  })

  test('processes sharing the file refuse each other’s spent nonces', () => {
    const first = new ReplayGuard(join(dir, 'replay.db'))
    const second = new ReplayGuard(join(dir, 'replay.db'))
    try {
      expect(first.spend([spendOf('nonce-d-0000000001')], T)).toEqual([true])
      expect(
        second.spend([spendOf('nonce-d-0000000001'), spendOf('nonce-d-0000000002')], T),
      ).toEqual([false, true])
      expect(first.spend([spendOf('nonce-d-0000000002')], T)).toEqual([false])
    } finally {
      first.close()
      second.close()
    }
  })

  test('a spent nonce is kept while its timestamp could pass the clock check', () => {
    const file = join(dir, 'replay.db')
    const guard = new ReplayGuard(file)
    const rows = () => {
      const db = new Database(file, { readonly: true })
      try {
        return getRow<{ n: number }>(db.prepare('SELECT count(*) AS n FROM spent_nonces'))!.n
      } finally {
        db.close()
      }
    }
    try {
      guard.spend([spendOf('nonce-e-0000000001')], T)
      // Still remembered (and pruning has run) just inside the memory...
      guard.spend([spendOf('nonce-e-0000000002', T + NONCE_MEMORY_MS)], T + NONCE_MEMORY_MS)
      expect(guard.spend([spendOf('nonce-e-0000000001')], T + NONCE_MEMORY_MS)).toEqual([false])
      expect(rows()).toBe(2)
      // ...and forgotten after it, when the clock check refuses its timestamp anyway.
      const later = T + NONCE_MEMORY_MS + 60_000
      guard.spend([spendOf('nonce-e-0000000003', later)], later)
      expect(rows()).toBe(2)
    } finally {
      guard.close()
    }
  })

  test('nonces recorded before the upgrade (table `nonces`) are still refused until they age out', () => {
    const file = join(dir, 'replay.db')
    const old = new Database(file)
    old.exec(`CREATE TABLE nonces (
      session TEXT NOT NULL, nonce TEXT NOT NULL, seen_at INTEGER NOT NULL,
      PRIMARY KEY (session, nonce)) WITHOUT ROWID`)
    old.prepare('INSERT INTO nonces VALUES (?, ?, ?)').run('s'.repeat(64), 'nonce-f-old-000001', T)
    old.close()

    const guard = new ReplayGuard(file)
    try {
      expect(
        guard.spend([spendOf('nonce-f-old-000001', T + 5), spendOf('nonce-f-new-000001')], T),
      ).toEqual([false, true])
      const later = T + NONCE_MEMORY_MS + 60_000
      expect(guard.spend([spendOf('nonce-f-new-000002', later)], later)).toEqual([true])
      const db = new Database(file, { readonly: true })
      try {
        expect(
          getRow(
            db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'nonces'"),
          ),
        ).toBeUndefined()
      } finally {
        db.close()
      }
    } finally {
      guard.close()
    }
  })
})

describe('one batch: the signed requests of two turns', () => {
  const now = Date.parse('2026-11-25T06:30:00Z')
  let dir: string
  let deps: AuthDependencies
  let alice: { token: string; signingKey: string }
  let closeAll: () => void
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'anxin-batch-'))
    const db = openDatabase(join(dir, 'server.db'))
    const replayGuard = new ReplayGuard(join(dir, 'replay.db'))
    const sessions = new Sessions(db, randomBytes(32), 3600, () => new Date(now))
    deps = { sessions, replayGuard, now: () => new Date(now) }
    alice = sessions.signIn('openid-alice')
    closeAll = () => {
      replayGuard.close()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
  afterEach(() => closeAll())

  /** A request as Fastify hands it to the hook, signed by `by` (or with `headers` changed). */
  function request(
    by: { token: string; signingKey: string },
    nonce: string,
    change: Record<string, string> = {},
  ): FastifyRequest {
    const path = '/v1/me/data'
    return {
      method: 'GET',
      url: path,
      rawBody: undefined,
      headers: {
        authorization: `Bearer ${by.token}`,
        ...signatureHeaders(by.signingKey, { method: 'GET', path, timestamp: now, nonce }),
        ...change,
      },
    } as unknown as FastifyRequest
  }

  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: { code?: string; message?: string }) => error.code ?? error.message,
    )

  test('checked together, answered one by one, nonces spent in one transaction', async () => {
    const spend = jest.spyOn(deps.replayGuard, 'spend')
    const keep = jest.spyOn(deps.sessions, 'keepSigningKey')
    const stranger = { token: 'B'.repeat(43), signingKey: alice.signingKey }
    const answers = await Promise.all(
      [
        request(alice, 'batch-nonce-000001'),
        // Forged with a nonce the next, valid, request uses: it must not spend it.
        request(alice, 'batch-nonce-000002', { 'x-signature': '0'.repeat(64) }),
        request(alice, 'batch-nonce-000002'),
        request(alice, 'batch-nonce-000001'),
        request(stranger, 'batch-nonce-000003'),
        request(alice, 'batch-nonce-000004', { 'x-nonce': 'bad nonce' }),
        request(alice, 'batch-nonce-000005', { 'x-timestamp': String(now - 6 * 60_000) }),
      ].map((r) => outcome(verifySignedRequest(r, deps))),
    )
    expect(answers).toEqual([
      'ok',
      'ERR_SIGNATURE_INVALID',
      'ok',
      'ERR_NONCE_REPLAYED',
      'ERR_SESSION_INVALID',
      'ERR_SIGNATURE_INVALID',
      'ERR_CLOCK_SKEW',
    ])
    // Only a live session's signing key is kept in memory, never a made-up token's.
    expect(new Set(keep.mock.calls.map(([tokenSha256]) => tokenSha256))).toEqual(
      new Set([sha256(alice.token)]),
    )
    expect(spend).toHaveBeenCalledTimes(1)
    expect(spend.mock.calls[0][0].map((use) => use.nonce)).toEqual([
      'batch-nonce-000001',
      'batch-nonce-000002',
      'batch-nonce-000001',
    ])
  })

  test('a request read in the next turn joins the batch', async () => {
    const spend = jest.spyOn(deps.replayGuard, 'spend')
    const first = outcome(verifySignedRequest(request(alice, 'turn-nonce-000001'), deps))
    const second = new Promise<string | undefined>((done) =>
      setImmediate(() =>
        done(outcome(verifySignedRequest(request(alice, 'turn-nonce-000002'), deps))),
      ),
    )
    expect(await Promise.all([first, second])).toEqual(['ok', 'ok'])
    expect(spend).toHaveBeenCalledTimes(1)
    expect(spend.mock.calls[0][0]).toHaveLength(2)
  })

  test('a session ended before its batch runs is refused, though the request came earlier', async () => {
    const pending = outcome(verifySignedRequest(request(alice, 'ended-nonce-000001'), deps))
    deps.sessions.end(sha256(alice.token))
    expect(await pending).toBe('ERR_SESSION_INVALID')
  })

  test('if the nonce store fails, no request of the batch gets through', async () => {
    jest.spyOn(deps.replayGuard, 'spend').mockImplementation(() => {
      throw new Error('disk I/O error')
    })
    const answers = await Promise.all(
      ['fail-nonce-000001', 'fail-nonce-000002'].map((nonce) =>
        outcome(verifySignedRequest(request(alice, nonce), deps)),
      ),
    )
    expect(answers).toEqual(['disk I/O error', 'disk I/O error'])
  })
})

describe('signed requests against the server', () => {
  let server: TestServer
  let session: SessionResponse
  beforeAll(async () => {
    server = await startTestServer()
    session = await server.signIn('code-batch')
  }, 60_000)
  afterAll(async () => server?.close())

  test('the same signed request sent 10 times at once: exactly one is accepted', async () => {
    const timestamp = Date.now()
    const nonce = 'same-request-at-once-01'
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.signed(session, '/v1/weather?cityId=beijing', { timestamp, nonce }),
      ),
    )
    expect(answers.filter((res) => res.status === 200)).toHaveLength(1)
    const refused = answers.filter((res) => res.status !== 200)
    expect(refused.map(code)).toEqual(Array(9).fill('ERR_NONCE_REPLAYED'))
  })

  test('requests sharing a batch each get their own answer', async () => {
    const stranger = { token: 'A'.repeat(43), signingKey: session.signingKey }
    const shared = 'shared-nonce-in-batch-01'
    const [valid, forged, unknown, malformed, skewed, replayOfValid] = await Promise.all([
      server.signed(session, '/v1/me/data', { nonce: shared }),
      // A forged request with the same nonce does not spend it (in whatever order they run).
      server.signed(session, '/v1/me/data', {
        nonce: shared,
        tamper: (sent) => void (sent.headers['x-signature'] = 'f'.repeat(64)),
      }),
      server.signed(stranger, '/v1/me/data'),
      server.signed(session, '/v1/me/data', { nonce: 'short' }),
      server.signed(session, '/v1/me/data', { timestamp: Date.now() - 6 * 60_000 }),
      server.signed(session, '/v1/me/data', { nonce: 'replayed-in-batch-0001' }),
    ])
    expect(valid.status).toBe(200)
    expect([forged.status, code(forged)]).toEqual([403, 'ERR_SIGNATURE_INVALID'])
    expect([unknown.status, code(unknown)]).toEqual([401, 'ERR_SESSION_INVALID'])
    expect([malformed.status, code(malformed)]).toEqual([403, 'ERR_SIGNATURE_INVALID'])
    expect([skewed.status, code(skewed)]).toEqual([403, 'ERR_CLOCK_SKEW'])
    expect(replayOfValid.status).toBe(200)
  })

  test('a session ended by another process is refused at once: nothing about sessions is cached', async () => {
    const user = await server.signIn('code-other-process')
    // Used once, so its signing key is in memory and its session has been read.
    expect((await server.signed(user, '/v1/me/data')).status).toBe(200)
    const other = new Database(join(server.settings.dataDir, 'server.db'))
    try {
      other.prepare('DELETE FROM sessions WHERE token_sha256 = ?').run(sha256(user.token))
    } finally {
      other.close()
    }
    const after = await server.signed(user, '/v1/me/data')
    expect([after.status, code(after)]).toEqual([401, 'ERR_SESSION_INVALID'])
  })

  test('a session expired by another process is refused at once', async () => {
    const user = await server.signIn('code-expired-elsewhere')
    expect((await server.signed(user, '/v1/weather?cityId=beijing')).status).toBe(200)
    const other = new Database(join(server.settings.dataDir, 'server.db'))
    try {
      other
        .prepare('UPDATE sessions SET expires_at = ? WHERE token_sha256 = ?')
        .run(Date.now() - 1, sha256(user.token))
    } finally {
      other.close()
    }
    const after = await server.signed(user, '/v1/weather?cityId=beijing')
    expect([after.status, code(after)]).toEqual([401, 'ERR_SESSION_EXPIRED'])
  })

  test('logout in the same batch as other requests of that session: later ones are refused', async () => {
    const user = await server.signIn('code-logout-batch')
    const [, logout] = await Promise.all([
      server.signed(user, '/v1/me/data'),
      server.signed(user, '/v1/session', { method: 'DELETE' }),
    ])
    expect(logout.status).toBe(204)
    const after = await server.signed(user, '/v1/me/data')
    expect(code(after)).toBe('ERR_SESSION_INVALID')
  })
})

describe('headers computed once', () => {
  test('refusals carry the same security headers as any answer', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '2' } })
    try {
      // A 404 counts towards the limit like every request: it is asked before the limit is hit.
      const ok = await server.request('/v1/status')
      const notFound = await server.request('/v1/nothing-here')
      const limited = await server.request('/v1/status')
      expect([ok.status, limited.status, notFound.status]).toEqual([200, 429, 404])
      const expected = securityHeaders(securityHeaderOptions([]))
      expect(expected.length).toBeGreaterThanOrEqual(10)
      for (const res of [ok, notFound, limited]) {
        for (const [name, value] of expected) expect(res.headers[name.toLowerCase()]).toBe(value)
      }
    } finally {
      await server.close()
    }
  }, 60_000)

  test('a CSP directive that would differ per request cannot be computed once', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } },
      }),
    ).toThrow(/fixed strings/)
  })

  test('the Date header follows its clock, to the second', () => {
    let now = Date.parse('2026-11-25T06:30:00.100Z')
    const date = httpDateOf(() => new Date(now))
    expect(date()).toBe('Wed, 25 Nov 2026 06:30:00 GMT')
    now += 800
    expect(date()).toBe('Wed, 25 Nov 2026 06:30:00 GMT')
    now += 200
    expect(date()).toBe('Wed, 25 Nov 2026 06:30:01 GMT')
    now -= 60_000
    expect(date()).toBe('Wed, 25 Nov 2026 06:29:01 GMT')
  })
})
