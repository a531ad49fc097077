/**
 * TRANSPORT: the app's one HTTPS client. Pure logic; the platform's request function arrives as a
 * port (https-client.taro.ts: Taro.request in the mini program, the browser's fetch on H5).
 *
 * Guarantees:
 * - Nothing is sent to a URL that is not https to an allow-listed origin (ERR_INSECURE_URL,
 *   ERR_HOST_NOT_ALLOWED), decided before the port is called.
 * - Path and query go out in one canonical wire form (canonical-url.ts: UTF-8, RFC 3986
 *   percent-encoding), and that exact text is what is signed, so Chinese, spaces, `+`, `&` or `#`
 *   in a value reach the server as sent and signed.
 * - Every call has a timeout; only GETs are retried (timeouts, network failures, 5xx), with
 *   exponential backoff and full jitter, each retry freshly signed.
 * - Signed calls carry timestamp, nonce and HMAC (sign-request.ts). A refused session is renewed
 *   once and the call retried once; a clock-skew refusal corrects the clock once. Never a loop.
 * - Every failure is an AppError with a stable code; messages name the method and path only
 *   (no query, no body, no token), so they are safe to log and report.
 * - Bodies are validated by the caller's `parse` before anything uses them.
 * - While `restrict` holds a list (the kill switch), any other path is refused (ERR_MAINTENANCE)
 *   before anything is sent, and `onMaintenance` listeners hear of it as of a response that
 *   carried the maintenance header.
 * Limits: TLS itself (certificates, pinning) is the platform's job; WeChat also enforces its own
 * domain allow-list, which must match `allowedOrigins`.
 */
import { AppError, type AppErrorCode } from '../app-error'
import { checkRandomBytes, toHex, type RandomBytes } from '../secure-random/secure-random'
import { canonicalPathAndQuery, type QueryParams } from './canonical-url'
import { SIGNING_HEADERS } from './request-signing'
import type { SignInput } from './sign-request'

export type HttpMethod = 'GET' | 'POST' | 'DELETE'

/** What the client hands the platform. Headers are lower-case. */
export interface PortRequest {
  url: string
  method: HttpMethod
  headers: Record<string, string>
  /** The exact body to send (already JSON), or undefined. */
  body?: string
  timeoutMs: number
}

/** What the platform hands back. Header names lower-case; `body` parsed JSON when it was JSON. */
export interface PortResponse {
  status: number
  headers: Record<string, string>
  body: unknown
}

/** Sends one request. Throws AppError ERR_TIMEOUT or ERR_NETWORK when no response came. */
export type RequestPort = (request: PortRequest) => Promise<PortResponse>

/**
 * What a RequestPort throws when no response came: ERR_TIMEOUT when `timeoutMs` ran out, else
 * ERR_NETWORK. The message names neither the URL nor the body (it is logged and reported).
 */
export function noResponseError(timedOut: boolean, timeoutMs: number, cause: unknown): AppError {
  return timedOut
    ? new AppError('ERR_TIMEOUT', `no answer within ${timeoutMs} ms`, { cause })
    : new AppError('ERR_NETWORK', 'the request did not reach the server', { cause })
}

export interface Credentials {
  token: string
  /** 64 lower-case hex characters. */
  signingKey: string
}

/**
 * Makes the signature headers of one request (sign-request.ts's `signatureHeaders`). Handed over
 * by the session with its credentials, so the signing code loads with the session: pages that
 * only make anonymous calls (home's weather) do not carry it in the main package.
 */
export type RequestSigner = (input: SignInput) => Record<string, string>

/** Supplies session credentials for signed calls (src/services/session.ts). */
export interface CredentialsProvider {
  /** Valid credentials, signing in first if there are none or they are about to expire. */
  current(): Promise<Credentials>
  /** The server refused the credentials: sign in anew. Called at most once per call. */
  renew(): Promise<Credentials>
}

export interface CallOptions<T> {
  method: HttpMethod
  /** Absolute https URL; a query written in it is kept (and encoded where it must be). */
  url: string
  /** Query values as data, encoded completely and appended (`{ cityId: '北京' }`). */
  query?: QueryParams
  /** Sent as JSON. */
  body?: unknown
  /** Sign with the session (needs `credentials`). */
  signed?: boolean
  /** When the server refuses the session, sign in once and retry (default true; sign-out: false). */
  renewSession?: boolean
  /** Checks the 2xx body against the API contract; throws to reject it. */
  parse: (body: unknown) => T
  timeoutMs?: number
}

export interface MaintenanceNotice {
  /** The URL path (no query) whose response carried the header. */
  path: string
}

export interface HttpsClientOptions {
  /** Origins like `https://api.example.com` or `https://127.0.0.1:8443`; nothing else is called. */
  allowedOrigins: readonly string[]
  request: RequestPort
  randomBytes: RandomBytes
  now: () => number
  /** Waits between retries (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>
  /** A number in [0, 1) for backoff jitter. Spreads retries out; it protects nothing secret. */
  jitter?: () => number
  /** Default timeout per attempt, ms. */
  timeoutMs?: number
  /** Extra attempts for a GET. */
  retries?: number
  /** The response header that says the kill switch is on. */
  maintenanceHeader?: string
}

const ORIGIN_PATTERN = /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/
// scheme :// authority, then the rest (path, query; a fragment is refused by canonicalPathAndQuery).
const URL_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([\s\S]*)$/
const SERVER_CODE_PATTERN = /^ERR_[A-Z0-9_]+$/
const SESSION_REFUSED = new Set(['ERR_AUTH_REQUIRED', 'ERR_SESSION_INVALID', 'ERR_SESSION_EXPIRED'])
const RETRYABLE = new Set<AppErrorCode>(['ERR_TIMEOUT', 'ERR_NETWORK', 'ERR_SERVER'])
const BACKOFF_BASE_MS = 250
const BACKOFF_CAP_MS = 4000

/** One call, checked and serialised once; every attempt is sent (and signed) from it. */
interface PreparedRequest {
  url: string
  pathWithQuery: string
  body?: string
  credentials?: Credentials
  /** `METHOD /path`, no query: what error messages may say. */
  label: string
}

export class HttpsClient {
  private readonly allowed: Set<string>
  private readonly options: Required<Omit<HttpsClientOptions, 'allowedOrigins'>>
  private readonly maintenanceListeners = new Set<(notice: MaintenanceNotice) => void>()
  private credentials: CredentialsProvider | undefined
  private onlyPaths: readonly string[] | undefined
  private sign: RequestSigner | undefined
  /** Server time minus device time, learned from the server (devices' clocks are often wrong). */
  private clockOffsetMs = 0

  constructor(options: HttpsClientOptions) {
    for (const origin of options.allowedOrigins) {
      if (!ORIGIN_PATTERN.test(origin)) {
        throw new AppError(
          'ERR_INVALID_INPUT',
          `allow-list entries are https origins without a path, e.g. https://api.example.com (got "${origin}")`,
        )
      }
    }
    this.allowed = new Set(options.allowedOrigins.map(withoutDefaultPort))
    this.options = {
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      jitter: () => 0.5,
      timeoutMs: 10_000,
      retries: 2,
      maintenanceHeader: 'x-maintenance',
      ...options,
    }
  }

  /** Where signed calls get their session (set once, by the session service). */
  useCredentials(provider: CredentialsProvider, sign: RequestSigner): void {
    this.credentials = provider
    this.sign = sign
  }

  /** Learns the server's clock (from a login response) so timestamps fall inside its window. */
  syncClock(serverTimeMs: number): void {
    if (Number.isFinite(serverTimeMs)) this.clockOffsetMs = serverTimeMs - this.options.now()
  }

  /**
   * Subscribes to the kill switch's signal: a response carrying the maintenance header, or a
   * call refused by `restrict`. Returns the unsubscribe function.
   */
  onMaintenance(listener: (notice: MaintenanceNotice) => void): () => void {
    this.maintenanceListeners.add(listener)
    return () => this.maintenanceListeners.delete(listener)
  }

  /** INCIDENT: only these paths are called until `restrict(undefined)`; `[]` stops every call. */
  restrict(paths: readonly string[] | undefined): void {
    this.onlyPaths = paths
  }

  async call<T>(options: CallOptions<T>): Promise<T> {
    const { origin, pathWithQuery, path } = this.checkUrl(options.url, options.query)
    const label = `${options.method} ${path}`
    if (this.onlyPaths && !this.onlyPaths.includes(path)) {
      // Whoever asked is not on the maintenance page: the kill switch takes the user there.
      this.notifyMaintenance(path)
      throw new AppError('ERR_MAINTENANCE', `${label}: refused in maintenance`)
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    if (options.signed && !this.credentials) {
      throw new AppError('ERR_SESSION_EXPIRED', `${label}: signed call without a session service`)
    }

    let credentials = options.signed
      ? await (this.credentials as CredentialsProvider).current()
      : undefined
    let renewed = false
    let clockFixed = false
    for (;;) {
      const response = await this.sendWithRetries(options, {
        url: origin + pathWithQuery,
        pathWithQuery,
        body,
        credentials,
        label,
      })
      this.watchMaintenance(response, path)
      if (response.status >= 200 && response.status < 300) {
        try {
          return options.parse(response.body)
        } catch (cause) {
          throw new AppError('ERR_BAD_RESPONSE', `${label}: the response broke the API contract`, {
            cause,
            details: { status: response.status },
          })
        }
      }
      const serverCode = serverCodeOf(response.body)
      if (
        options.signed &&
        response.status === 401 &&
        SESSION_REFUSED.has(serverCode ?? '') &&
        options.renewSession !== false &&
        !renewed
      ) {
        renewed = true
        credentials = await (this.credentials as CredentialsProvider).renew()
        continue
      }
      if (options.signed && serverCode === 'ERR_CLOCK_SKEW' && !clockFixed) {
        const serverDate = Date.parse(response.headers.date ?? '')
        if (Number.isFinite(serverDate)) {
          clockFixed = true
          this.syncClock(serverDate)
          continue
        }
      }
      throw statusError(label, response.status, serverCode, options.signed === true)
    }
  }

  // --- inside -------------------------------------------------------------------------------

  private checkUrl(url: string, query: QueryParams | undefined) {
    const match = typeof url === 'string' ? URL_PATTERN.exec(url) : null
    if (!match) {
      throw new AppError('ERR_INSECURE_URL', 'only absolute https URLs are called')
    }
    const [, scheme, authority, rest] = match
    if (scheme.toLowerCase() !== 'https') {
      throw new AppError(
        'ERR_INSECURE_URL',
        `refused a ${scheme.toLowerCase()}: URL: only https is allowed`,
      )
    }
    const origin = withoutDefaultPort(`https://${authority.toLowerCase()}`)
    // `https://good.example@evil.example` has a user part: refused along with unknown hosts.
    if (authority.includes('@') || !this.allowed.has(origin)) {
      throw new AppError('ERR_HOST_NOT_ALLOWED', 'refused a host that is not on the allow-list')
    }
    const written = rest === '' ? '/' : rest
    if (!written.startsWith('/')) {
      throw new AppError('ERR_INSECURE_URL', 'the URL has no path')
    }
    const pathWithQuery = canonicalPathAndQuery(written, query)
    return { origin, pathWithQuery, path: pathWithQuery.split('?')[0] }
  }

  private async sendWithRetries<T>(
    options: CallOptions<T>,
    prepared: PreparedRequest,
  ): Promise<PortResponse> {
    const attempts = options.method === 'GET' ? 1 + this.options.retries : 1
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.sendOnce(options, prepared)
        if (response.status >= 500 && attempt < attempts) {
          await this.backoff(attempt)
          continue
        }
        return response
      } catch (error) {
        const retryable = error instanceof AppError && RETRYABLE.has(error.code)
        if (!retryable || attempt >= attempts) throw error
        await this.backoff(attempt)
      }
    }
  }

  private async sendOnce<T>(
    options: CallOptions<T>,
    prepared: PreparedRequest,
  ): Promise<PortResponse> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (prepared.body !== undefined) headers['content-type'] = 'application/json'
    if (prepared.credentials) {
      // Every attempt gets its own timestamp and nonce: the server spends each nonce once.
      const nonce = toHex(checkRandomBytes(await this.options.randomBytes(16), 16))
      Object.assign(
        headers,
        { [SIGNING_HEADERS.authorization]: `Bearer ${prepared.credentials.token}` },
        (this.sign as RequestSigner)({
          method: options.method,
          pathWithQuery: prepared.pathWithQuery,
          body: prepared.body ?? '',
          timestamp: this.options.now() + this.clockOffsetMs,
          nonce,
          signingKey: prepared.credentials.signingKey,
        }),
      )
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AppError('ERR_TIMEOUT', `${prepared.label}: no answer within ${timeoutMs} ms`),
          ),
        timeoutMs,
      )
    })
    try {
      return await Promise.race([
        this.options.request({
          url: prepared.url,
          method: options.method,
          headers,
          body: prepared.body,
          timeoutMs,
        }),
        timeout,
      ])
    } catch (error) {
      if (error instanceof AppError) throw error
      throw new AppError('ERR_NETWORK', `${prepared.label}: the request failed`, { cause: error })
    } finally {
      clearTimeout(timer)
    }
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1))
    return this.options.sleep(Math.floor(this.options.jitter() * ceiling))
  }

  private watchMaintenance(response: PortResponse, path: string) {
    if (response.headers[this.options.maintenanceHeader] !== undefined) this.notifyMaintenance(path)
  }

  private notifyMaintenance(path: string) {
    for (const listener of [...this.maintenanceListeners]) {
      try {
        listener({ path })
      } catch (error) {
        // One broken subscriber must not break the request or the others; the platform's
        // error handler (MONITOR) still sees the error.
        setTimeout(() => {
          throw error
        }, 0)
      }
    }
  }
}

function withoutDefaultPort(origin: string): string {
  return origin.endsWith(':443') ? origin.slice(0, -4) : origin
}

function serverCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code
  return typeof code === 'string' && SERVER_CODE_PATTERN.test(code) ? code : undefined
}

function statusError(
  label: string,
  status: number,
  serverCode: string | undefined,
  signed: boolean,
): AppError {
  const details = { status, serverCode }
  const what = `${label} answered ${status}${serverCode ? ` ${serverCode}` : ''}`
  if (status === 401 && signed) return new AppError('ERR_SESSION_EXPIRED', what, { details })
  if (status === 429) return new AppError('ERR_RATE_LIMITED', what, { details })
  if (status >= 500) return new AppError('ERR_SERVER', what, { details })
  return new AppError('ERR_REQUEST_REJECTED', what, { details })
}
