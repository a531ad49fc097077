import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import type { SessionResponse } from '../../src/services/api-contract'
import { SIGNING_HEADERS, stringToSign } from '../../src/security/transport/request-signing'
import { buildApp } from '../src/app'
import { UpstreamError, type HttpClient } from '../src/http-client'
import { openDatabase, type Db } from '../src/database'
import { DEV_ADMIN_PASSWORD_FILE } from '../src/secrets'
import { readSettings, type Settings } from '../src/settings'
import { loadTls } from '../src/tls'

export interface TestResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
  text: string
}

export interface TestServer {
  url: string
  port: number
  app: FastifyInstance
  db: Db
  settings: Settings
  /** The server's certificate (PEM), for clients that must trust it. */
  ca: string
  /** Every log line the server wrote, parsed. */
  logs: string[]
  /** An HTTPS request that verifies the server's certificate (no `rejectUnauthorized: false`). */
  request(
    path: string,
    options?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<TestResponse>
  /** Sign in through `POST /v1/session` with a login code (the dev stand-in accepts any). */
  signIn(code?: string): Promise<SessionResponse>
  /**
   * Sign in, then agree to the policy (`POST /v1/me/consent`, as the app does right after
   * sign-in): the server takes error reports only from a user whose latest decision is 'agreed'.
   */
  signInAgreed(code?: string): Promise<SessionResponse>
  /** A request signed as docs/request-signing.md says; `tamper` changes it after signing. */
  signed(
    session: Pick<SessionResponse, 'token' | 'signingKey'>,
    path: string,
    options?: SignedOptions,
  ): Promise<TestResponse>
  close(): Promise<void>
}

export interface SignedOptions {
  method?: string
  body?: string
  timestamp?: number
  nonce?: string
  /** Change what is sent after the signature was computed (an attacker in the middle). */
  tamper?: (sent: {
    path: string
    method: string
    body?: string
    headers: Record<string, string>
  }) => void
}

/** A clock tests can move. */
export interface TestClock {
  now(): Date
  advance(ms: number): void
}

export function testClock(start: string | Date = new Date()): TestClock {
  let current = new Date(start).getTime()
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms
    },
  }
}

/** Tests never reach the internet: a server that tries gets the error a dead network gives. */
export const unreachableHttp: HttpClient = {
  async getJson() {
    throw new UpstreamError('network error')
  },
}

/** HMAC-SHA256 signature headers for a request, computed independently of the server's code. */
export function signatureHeaders(
  signingKey: string,
  request: { method: string; path: string; body?: string; timestamp: number; nonce: string },
): Record<string, string> {
  const bodySha256 = createHash('sha256')
    .update(request.body ?? '', 'utf8')
    .digest('hex')
  const signature = createHmac('sha256', Buffer.from(signingKey, 'hex'))
    .update(
      stringToSign({
        method: request.method,
        pathWithQuery: request.path,
        timestamp: String(request.timestamp),
        nonce: request.nonce,
        bodySha256,
      }),
    )
    .digest('hex')
  return {
    [SIGNING_HEADERS.timestamp]: String(request.timestamp),
    [SIGNING_HEADERS.nonce]: request.nonce,
    [SIGNING_HEADERS.signature]: signature,
  }
}

/** The admin password the development server made in its data folder on first start. */
export function devAdminPassword(server: Pick<TestServer, 'settings'>): string {
  return readFileSync(join(server.settings.dataDir, DEV_ADMIN_PASSWORD_FILE), 'utf8').trim()
}

/**
 * The real server for a test: its own data folder (certificate and SQLite file made as on first
 * start), HTTPS on 127.0.0.1 with a free port, and a client that trusts only that certificate.
 */
export async function startTestServer(
  options: { env?: Record<string, string>; clock?: TestClock; http?: HttpClient } = {},
): Promise<TestServer> {
  const env = options.env ?? {}
  const dataDir = mkdtempSync(join(tmpdir(), 'anxin-server-'))
  const settings = readSettings({
    DATA_DIR: dataDir,
    PORT: '8443',
    // No web build unless a test asks for one: API tests do not depend on `npm run build:h5`.
    WEB_ROOT: join(dataDir, 'no-web-build'),
    ...env,
  })
  const tls = await loadTls(settings)
  const db = openDatabase(join(dataDir, 'server.db'))
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const app = await buildApp({
    settings,
    db,
    https: tls,
    now: options.clock?.now,
    http: options.http ?? unreachableHttp,
    logStream,
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo

  const client = createTestClient({ port, ca: tls.cert, clock: options.clock })
  const server: TestServer = {
    url: `https://127.0.0.1:${port}`,
    port,
    app,
    db,
    settings,
    ca: tls.cert,
    logs,
    ...client,
    async close() {
      await app.close()
      db.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return server
}

export type TestClient = Pick<TestServer, 'request' | 'signIn' | 'signInAgreed' | 'signed'>

/** An HTTPS client for a server on 127.0.0.1 that trusts only `ca` (no verification turned off). */
export function createTestClient({
  port,
  ca,
  clock,
}: {
  port: number
  ca: string
  clock?: TestClock
}): TestClient {
  const client: TestClient = {
    request(path, options = {}) {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path,
            method: options.method ?? 'GET',
            headers: {
              ...(options.body !== undefined
                ? { 'content-length': String(Buffer.byteLength(options.body)) }
                : {}),
              ...options.headers,
            },
            // A fresh connection per request: one test's bad request cannot break the next.
            agent: false,
            ca,
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8')
              let body: unknown = text
              try {
                body = JSON.parse(text)
              } catch {
                // Not JSON: the test sees the text.
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text })
            })
          },
        )
        req.on('error', reject)
        if (options.body !== undefined) req.write(options.body)
        req.end()
      })
    },
    async signIn(code = 'test-login-code') {
      const res = await client.request('/v1/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      })
      if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${res.text}`)
      return res.body as SessionResponse
    },
    async signInAgreed(code) {
      const session = await client.signIn(code)
      const res = await client.signed(session, '/v1/me/consent', {
        method: 'POST',
        body: JSON.stringify({ policyVersion: '2026-11', decision: 'agreed' }),
      })
      if (res.status !== 201) throw new Error(`consent failed: ${res.status} ${res.text}`)
      return session
    },
    signed(session, path, signedOptions = {}) {
      const method = signedOptions.method ?? 'GET'
      const timestamp = signedOptions.timestamp ?? (clock?.now() ?? new Date()).getTime()
      const nonce = signedOptions.nonce ?? randomBytes(16).toString('hex')
      const sent = {
        path,
        method,
        body: signedOptions.body,
        headers: {
          authorization: `Bearer ${session.token}`,
          ...(signedOptions.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...signatureHeaders(session.signingKey, {
            method,
            path,
            body: signedOptions.body,
            timestamp,
            nonce,
          }),
        } as Record<string, string>,
      }
      signedOptions.tamper?.(sent)
      return this.request(sent.path, {
        method: sent.method,
        headers: sent.headers,
        body: sent.body,
      })
    },
  }
  return client
}

/**
 * Retries `check` until it passes, failing if that takes longer than `ms` (a promise such as
 * "the kill switch shows within 2 seconds" is tested as exactly that).
 */
export async function within<T>(ms: number, check: () => Promise<T>): Promise<T> {
  const started = performance.now()
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (performance.now() - started > ms) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
