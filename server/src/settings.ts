import { isAbsolute, join, resolve } from 'node:path'

/**
 * The server's settings, read from environment variables once at start and validated, so a
 * wrong value stops the server with a readable message instead of failing later.
 */
export interface Settings {
  host: string
  port: number
  /** Where the certificate, the database and development credentials live (git-ignored). */
  dataDir: string
  /** Real certificate files for production; without them a self-signed one is made in dataDir. */
  tls: { certFile: string; keyFile: string } | undefined
  /** Browser origins allowed to call the API besides the server's own (CORS is refused otherwise). */
  allowedOrigins: string[]
  /** Requests per minute per client before ERR_RATE_LIMITED. */
  rateLimitPerMinute: number
  /** Where the H5 build is served from at `/`, if it exists. */
  webRoot: string
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid server settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'SettingsError'
  }
}

const REPO_ROOT = resolve(__dirname, '..', '..')

/** Read settings from environment variables (`process.env` by default). */
export function readSettings(env: Record<string, string | undefined> = process.env): Settings {
  const problems: string[] = []

  const port = integer(env.PORT, 8443, 'PORT', 1, 65535, problems)
  const rateLimitPerMinute = integer(
    env.RATE_LIMIT_PER_MINUTE,
    300,
    'RATE_LIMIT_PER_MINUTE',
    1,
    100_000,
    problems,
  )
  const host = env.HOST ?? '127.0.0.1'

  const dataDir = absolute(env.DATA_DIR ?? join(REPO_ROOT, '.data'))
  const webRoot = absolute(env.WEB_ROOT ?? join(REPO_ROOT, 'dist-h5'))

  let tls: Settings['tls']
  const certFile = env.TLS_CERT_FILE
  const keyFile = env.TLS_KEY_FILE
  if (certFile && keyFile) tls = { certFile: absolute(certFile), keyFile: absolute(keyFile) }
  else if (certFile || keyFile) problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together')

  const allowedOrigins = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
  for (const origin of allowedOrigins) {
    if (!/^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(origin)) {
      problems.push(`ALLOWED_ORIGINS: "${origin}" is not an https origin like https://example.com`)
    }
  }

  if (problems.length) throw new SettingsError(problems)
  return { host, port, dataDir, tls, allowedOrigins, rateLimitPerMinute, webRoot }
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path)
}

function integer(
  raw: string | undefined,
  fallback: number,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
    return fallback
  }
  return value
}
