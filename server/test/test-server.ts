import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app'
import { openDatabase, type Db } from '../src/database'
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
  /** Every log line the server wrote, parsed. */
  logs: string[]
  /** An HTTPS request that verifies the server's certificate (no `rejectUnauthorized: false`). */
  request(
    path: string,
    options?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<TestResponse>
  close(): Promise<void>
}

/**
 * The real server for a test: its own data folder (certificate and SQLite file made as on first
 * start), HTTPS on 127.0.0.1 with a free port, and a client that trusts only that certificate.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  now?: () => Date,
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'anxin-server-'))
  const settings = readSettings({ DATA_DIR: dataDir, PORT: '8443', ...env })
  const tls = await loadTls(settings)
  const db = openDatabase(join(dataDir, 'server.db'))
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const app = await buildApp({ settings, db, https: tls, now, logStream })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    app,
    db,
    settings,
    logs,
    request(path, options = {}) {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path,
            method: options.method ?? 'GET',
            headers: options.headers,
            ca: tls.cert,
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
    async close() {
      await app.close()
      db.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
