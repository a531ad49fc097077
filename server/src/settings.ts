import { BlockList, isIP } from 'node:net'
import { isAbsolute, join, resolve } from 'node:path'
import { MAX_REPORTS_PER_BATCH } from '../../src/services/api-contract'

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
  /** Requests per minute per client before ERR_RATE_LIMITED. */
  rateLimitPerMinute: number
  /**
   * Addresses or CIDR ranges of the reverse proxies in front of the server (nginx, a cloud load
   * balancer). Only from these is `x-forwarded-for` believed; empty (the default) believes no one.
   */
  trustProxy: string[]
  /** Where the H5 build is served from at `/`, if it exists. */
  webRoot: string
  /** NODE_ENV=production: every secret below must come from the environment. */
  production: boolean
  /** WeChat appid and secret; without them a local stand-in replaces `jscode2session`. */
  wechat: { appId: string; appSecret: string } | undefined
  /** bcrypt hash of the admin password; without it (development only) one is made in dataDir. */
  adminPasswordHash: string | undefined
  /** Key for hashing openids and deriving signing keys; without it (development only) made in dataDir. */
  serverSecret: string | undefined
  /** Where weather comes from: the embedded deterministic model, or Open-Meteo (no key needed). */
  weatherProvider: 'embedded' | 'open-meteo'
  /** Lifetime of a user session, in seconds. */
  sessionTtlSeconds: number
  /** Error reports one user (all sessions together) may store per minute, refilled gradually. */
  monitorReportsPerUserPerMinute: number
  /** Error reports one address (all users together) may store per minute, refilled gradually. */
  monitorReportsPerAddressPerMinute: number
  /** Admin sign-in attempts per address per minute (right or wrong). */
  adminLoginsPerMinute: number
  /** The whole request (headers and body) must arrive within this; then 408 and closed. */
  requestTimeoutMs: number
  /** A connection with nothing sent or received for this long is closed. */
  connectionTimeoutMs: number
  /** Connections one address may hold open at once (trusted proxies excepted). */
  maxConnectionsPerAddress: number
  /** How often expired sessions and admin tokens are deleted (also once at start). */
  expiredPruneIntervalSeconds: number
  /** Failed admin sign-ins in a row, from any address, before every sign-in must wait. */
  adminLoginFailuresBeforeBackoff: number
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
    1_000_000,
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

  // ALLOWED_ORIGINS was removed: the server never answered a CORS preflight nor sent
  // Access-Control-Allow-Origin, so a listed origin could not call the API anyway. The app is
  // served from the API's own origin on H5, and WeChat sends no Origin.
  if (env.ALLOWED_ORIGINS) {
    problems.push(
      'ALLOWED_ORIGINS was removed: the API answers its own origin and WeChat only (no CORS); ' +
        'serve the H5 build from this server (WEB_ROOT) or behind the same origin',
    )
  }

  const trustProxy = readTrustProxy(env.TRUST_PROXY, problems)

  const production = env.NODE_ENV === 'production'

  let wechat: Settings['wechat']
  const appId = env.WECHAT_APPID
  const appSecret = env.WECHAT_SECRET
  if (appId && appSecret) {
    if (!/^wx[0-9a-f]{16}$/.test(appId)) {
      problems.push('WECHAT_APPID must look like wx followed by 16 hex digits')
    }
    if (!/^[0-9a-f]{32}$/.test(appSecret)) problems.push('WECHAT_SECRET must be 32 hex digits')
    wechat = { appId, appSecret }
  } else if (appId || appSecret) {
    problems.push('WECHAT_APPID and WECHAT_SECRET must be set together')
  }

  const adminPasswordHash = env.ADMIN_PASSWORD_HASH || undefined
  if (adminPasswordHash !== undefined) {
    const match = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(adminPasswordHash)
    if (!match) {
      problems.push('ADMIN_PASSWORD_HASH must be a bcrypt hash ($2b$12$...), not a password')
    } else if (Number(match[1]) < 10) {
      problems.push('ADMIN_PASSWORD_HASH must use a bcrypt cost of at least 10')
    }
  }

  const serverSecret = env.SERVER_SECRET || undefined
  if (serverSecret !== undefined && serverSecret.length < 32) {
    problems.push('SERVER_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)')
  }

  const weatherProvider = env.WEATHER_PROVIDER ?? 'embedded'
  if (weatherProvider !== 'embedded' && weatherProvider !== 'open-meteo') {
    problems.push(`WEATHER_PROVIDER must be "embedded" or "open-meteo", got "${weatherProvider}"`)
  }

  const sessionTtlSeconds = integer(
    env.SESSION_TTL_SECONDS,
    2 * 60 * 60,
    'SESSION_TTL_SECONDS',
    60,
    30 * 24 * 60 * 60,
    problems,
  )
  // At least one full batch (20 reports), or a full batch could never be stored.
  const monitorReportsPerUserPerMinute = integer(
    env.MONITOR_REPORTS_PER_USER_PER_MINUTE,
    60,
    'MONITOR_REPORTS_PER_USER_PER_MINUTE',
    MAX_REPORTS_PER_BATCH,
    1_000_000,
    problems,
  )
  const monitorReportsPerAddressPerMinute = integer(
    env.MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE,
    600,
    'MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE',
    MAX_REPORTS_PER_BATCH,
    1_000_000,
    problems,
  )

  const adminLoginsPerMinute = integer(
    env.ADMIN_LOGINS_PER_MINUTE,
    10,
    'ADMIN_LOGINS_PER_MINUTE',
    1,
    1000,
    problems,
  )
  const adminLoginFailuresBeforeBackoff = integer(
    env.ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF,
    10,
    'ADMIN_LOGIN_FAILURES_BEFORE_BACKOFF',
    1,
    1_000_000,
    problems,
  )

  const requestTimeoutMs = integer(
    env.REQUEST_TIMEOUT_MS,
    30_000,
    'REQUEST_TIMEOUT_MS',
    1000,
    600_000,
    problems,
  )
  const connectionTimeoutMs = integer(
    env.CONNECTION_TIMEOUT_MS,
    30_000,
    'CONNECTION_TIMEOUT_MS',
    1000,
    600_000,
    problems,
  )
  const maxConnectionsPerAddress = integer(
    env.MAX_CONNECTIONS_PER_ADDRESS,
    64,
    'MAX_CONNECTIONS_PER_ADDRESS',
    1,
    100_000,
    problems,
  )

  const expiredPruneIntervalSeconds = integer(
    env.EXPIRED_PRUNE_INTERVAL_SECONDS,
    60 * 60,
    'EXPIRED_PRUNE_INTERVAL_SECONDS',
    1,
    24 * 60 * 60,
    problems,
  )

  if (production) {
    // Development conveniences (self-signed certificate, secrets made on first start, the login
    // stand-in) must never reach production by accident.
    if (!tls) problems.push('production needs TLS_CERT_FILE and TLS_KEY_FILE')
    if (!wechat) problems.push('production needs WECHAT_APPID and WECHAT_SECRET')
    if (!adminPasswordHash) problems.push('production needs ADMIN_PASSWORD_HASH')
    if (!serverSecret) problems.push('production needs SERVER_SECRET')
  }

  if (problems.length) throw new SettingsError(problems)
  return {
    host,
    port,
    dataDir,
    tls,
    rateLimitPerMinute,
    trustProxy,
    webRoot,
    production,
    wechat,
    adminPasswordHash,
    serverSecret,
    weatherProvider: weatherProvider as Settings['weatherProvider'],
    sessionTtlSeconds,
    monitorReportsPerUserPerMinute,
    monitorReportsPerAddressPerMinute,
    adminLoginsPerMinute,
    adminLoginFailuresBeforeBackoff,
    requestTimeoutMs,
    connectionTimeoutMs,
    maxConnectionsPerAddress,
    expiredPruneIntervalSeconds,
  }
}

/**
 * TRUST_PROXY: comma-separated addresses or CIDR ranges, e.g. `10.0.0.5` or `10.0.0.0/8, ::1`.
 *
 * Behind a reverse proxy every request arrives from the proxy's address, so per-address rate
 * limits would count all users together. The proxy puts the client's address in
 * `x-forwarded-for`; the server believes that header only from the proxies listed here, and
 * takes the rightmost address no listed proxy added. "Trust everyone" is refused, whether
 * written as a word or as ranges broader than a private network: anyone could then send
 * `x-forwarded-for` and pick a fresh address for every request.
 */
function readTrustProxy(raw: string | undefined, problems: string[]): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  if (entries.some((entry) => ['true', '*', 'all'].includes(entry))) {
    problems.push(
      'TRUST_PROXY must list the addresses of your proxies (e.g. 10.0.0.5 or 10.0.0.0/8), not ' +
        'everyone: any client could then choose the address its rate limit counts against',
    )
    return []
  }
  for (const entry of entries) {
    if (!isAddressOrRange(entry)) {
      problems.push(
        `TRUST_PROXY: "${entry}" is not an IP address or a CIDR range like 10.0.0.0/8 or fd00::/8`,
      )
    } else if (isTooBroad(entry)) {
      problems.push(
        `TRUST_PROXY: "${entry}" is broader than a private network (at most /8 for IPv4, /32 ` +
          'for IPv6, /7 inside fc00::/7): list the addresses of your proxies, not everyone',
      )
    }
  }
  return entries
}

/** Unique local IPv6 addresses (RFC 4193), IPv6's private networks. */
const UNIQUE_LOCAL = new BlockList()
UNIQUE_LOCAL.addSubnet('fc00::', 7, 'ipv6')
/** IPv4-mapped IPv6 addresses: `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8. */
const IPV4_MAPPED = new BlockList()
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6')

/**
 * A range broader than any private network: judged by prefix length, so "everyone" cannot be
 * spelled as pieces (`0.0.0.0/1,128.0.0.0/1`). The broadest private IPv4 network is 10.0.0.0/8;
 * an IPv4-mapped IPv6 range is judged as the IPv4 range it holds (/104 = /8); an IPv6 range
 * must be a /32 at most (a whole provider's allocation; a proxy fleet is far smaller), except
 * inside the unique local range fc00::/7, which is private as a whole.
 */
function isTooBroad(entry: string): boolean {
  const [address, prefixText] = entry.split('/')
  if (prefixText === undefined) return false
  const prefix = Number(prefixText)
  if (isIP(address) === 4) return prefix < 8
  if (IPV4_MAPPED.check(address, 'ipv6')) return prefix < 96 + 8
  if (UNIQUE_LOCAL.check(address, 'ipv6')) return prefix < 7
  return prefix < 32
}

/** `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`: an IPv4 or IPv6 address with an optional prefix. */
function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)
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
