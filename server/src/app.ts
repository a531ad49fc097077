import rateLimit from '@fastify/rate-limit'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import { join } from 'node:path'
import { MAINTENANCE_HEADER } from '../../src/services/api-contract'
import { Admin } from './admin'
import { ApiError, type ApiErrorBody } from './api-error'
import { addressKey } from './client-address'
import { limitConnectionsPerAddress } from './connection-limits'
import type { ServerContext } from './context'
import type { Db } from './database'
import {
  checkQueryEncoding,
  checkRequestSize,
  declaresNoBody,
  forbiddenKeyError,
  forbiddenKeyIn,
  PARSER_MAX_HEAD_BYTES,
  rawErrorFor,
  writeRawError,
} from './edge'
import { fetchHttpClient, type HttpClient } from './http-client'
import { answerWrongMethods } from './method-not-allowed'
import { Incidents } from './incidents'
import { Monitor } from './monitor'
import { MyData } from './my-data'
import { ReplayGuard } from './replay-guard'
import { adminRoutes, auditAdminAnswers } from './routes/admin'
import { publicRoutes } from './routes/public'
import { MONITOR_BODY_LIMIT_BYTES, signedInRoutes } from './routes/signed-in'
import { loadSecrets, type ServerSecrets } from './secrets'
import { securityHeaderOptions, securityHeaders } from './security-headers'
import { Sessions } from './sessions'
import type { Settings } from './settings'
import { TLS_OPTIONS } from './tls'
import { formatValidationErrors } from './validation-messages'
import { serveWebBuild } from './web'
import { devLoginExchange, wechatLoginExchange } from './wechat-login'
import { weatherProviderFor } from './weather/providers'

export interface AppOptions {
  settings: Settings
  db: Db
  /** TLS material; omit only in tests that call `app.inject`. */
  https?: { cert: string; key: string }
  /** The clock (tests freeze it). */
  now?: () => Date
  /** Where logs go; defaults to stdout. Tests capture them to check redaction. */
  logStream?: { write(line: string): void }
  /** How the server calls WeChat and Open-Meteo; tests pass a fake that behaves like them. */
  http?: HttpClient
  /** Secrets; by default from settings, or made in the data folder in development. */
  secrets?: ServerSecrets
}

/** Largest request body any route accepts. Bigger bodies get ERR_BODY_TOO_LARGE. */
export const BODY_LIMIT_BYTES = 16 * 1024

/** Log fields that must never be written in clear. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'signingKey',
  'openid',
  '*.password',
  '*.token',
  '*.signingKey',
  '*.openid',
]

/**
 * The reference API as a Fastify instance: security headers, rate limiting, schema-validated
 * input with unknown fields rejected, one JSON error shape, logs without secrets or coordinates.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { settings, db } = options
  const now = options.now ?? (() => new Date())
  const http = options.http ?? fetchHttpClient
  const secrets = options.secrets ?? loadSecrets(settings)
  const replayGuard = new ReplayGuard(join(settings.dataDir, 'replay.db'))
  const context: ServerContext = {
    settings,
    now,
    replayGuard,
    sessions: new Sessions(db, secrets.serverSecret, settings.sessionTtlSeconds, now),
    incidents: new Incidents(db, now),
    monitor: new Monitor(db),
    admin: new Admin(db, secrets.adminPasswordHash, now, settings.adminLoginFailuresBeforeBackoff),
    myData: new MyData(db, now),
    login: settings.wechat
      ? wechatLoginExchange(settings.wechat, http)
      : devLoginExchange(secrets.serverSecret),
    weather: weatherProviderFor(settings.weatherProvider, http),
  }

  // Raw answers (requests Node's parser refuses) carry the same security headers as all others;
  // they are known once the web build's inline-script hashes are (below).
  let rawSecurityHeaders: Array<[string, string]> = []
  // A URL the router cannot decode is answered outside the routes (frameworkErrors, below); the
  // answer is set up once the headers and the rate limit it shares with the routes exist.
  let answerUndecodableUrl: (
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<void> = async () => undefined

  const app = Fastify({
    https: options.https
      ? {
          cert: options.https.cert,
          key: options.https.key,
          // TLS 1.2+ with forward secrecy and AEAD ciphers only (tls.ts).
          ...TLS_OPTIONS,
          // Above the server's own URL and header limits, so that it can tell them apart (edge.ts).
          maxHeaderSize: PARSER_MAX_HEAD_BYTES,
          // The whole request, body included, must arrive within REQUEST_TIMEOUT_MS (a body that
          // stalls or trickles is answered 408 and closed); Node looks every quarter of it.
          headersTimeout: settings.requestTimeoutMs,
          requestTimeout: settings.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(30_000, settings.requestTimeoutMs / 4),
        }
      : null,
    // Fastify's defaults (0) would leave a stalled request and an idle connection open for ever.
    requestTimeout: settings.requestTimeoutMs,
    connectionTimeout: settings.connectionTimeoutMs,
    bodyLimit: BODY_LIMIT_BYTES,
    // Behind a reverse proxy, every request comes from the proxy: the client's address is taken
    // from x-forwarded-for, but only when a proxy listed in TRUST_PROXY sent it (settings.ts).
    trustProxy: settings.trustProxy.length > 0 ? settings.trustProxy : false,
    // Validation rejects what it does not know instead of silently dropping it, and never
    // coerces types: `{"code": 42}` is an error, not the string "42". (Query values are strings.)
    // `verbose` gives each failure the schema it broke, for messages a person can act on.
    ajv: {
      customOptions: {
        removeAdditional: false,
        allErrors: false,
        coerceTypes: false,
        verbose: true,
      },
    },
    schemaErrorFormatter: formatValidationErrors,
    logger: {
      level: process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      serializers: {
        // Coordinates travel in query strings: they are cut from the URL before it is logged.
        req: (request: { method: string; url: string; ip?: string }) => ({
          method: request.method,
          url: redactUrl(request.url),
        }),
      },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Request ids are random per request; they say nothing about the user.
    genReqId: () => crypto.randomUUID(),
    // Each request's logger is a child carrying its id. Fastify's default factory passes pino an
    // empty options object, which sends pino down its slow path (formatters, serializers and
    // redaction re-checked per request); with no route-level log options there is nothing to
    // pass, and pino's fast path makes the same child.
    childLoggerFactory: (logger, bindings, options) =>
      Object.keys(options).length > 0 ? logger.child(bindings, options) : logger.child(bindings),
    // Malformed or oversized HTTP never reaches a route; it still gets the one JSON error
    // shape, and the same security headers as every answer.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return
      const answer = rawErrorFor((error as NodeJS.ErrnoException).code)
      const maintenance: Array<[string, string]> = context.incidents.current()
        ? [[MAINTENANCE_HEADER, '1']]
        : []
      writeRawError(socket, answer, [...rawSecurityHeaders, ...maintenance], now())
    },
    // The router refuses a path it cannot percent-decode (`/v1/%ff`) before any route or hook
    // runs; Fastify's own answer echoed the URL in its own shape, without the security headers.
    // Its other framework errors (a parameter too long, an async constraint) cannot happen
    // here: no route has parameters or constraints.
    frameworkErrors: (_error, request, reply) => {
      void answerUndecodableUrl(request, reply)
    },
  })

  app.addHook('onClose', async () => replayGuard.close())
  pruneExpiredOnSchedule(app, context, settings.expiredPruneIntervalSeconds)
  limitConnectionsPerAddress(app.server, settings.maxConnectionsPerAddress, settings.trustProxy)

  // The API reads JSON and nothing else: every other body (text/plain, a form, no content-type)
  // is refused with 415 ERR_UNSUPPORTED_MEDIA_TYPE, instead of text/plain being read as a string.
  // JSON bodies are kept as received as well as parsed: a signature covers the exact bytes.
  app.decorateRequest('session', null)
  app.decorateRequest('rawBody', undefined)
  // Keys that could change a prototype (`__proto__`, `constructor.prototype`) are looked for
  // after parsing, not by the parser: valid JSON that holds one gets its own answer,
  // ERR_FORBIDDEN_KEY, instead of "not valid JSON" (edge.ts).
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // An empty body (e.g. chunked with no data) is no body: the route's schema, if it needs
    // one, answers ERR_VALIDATION, and a route that takes none runs.
    if ((body as Buffer).length === 0) return done(null, undefined)
    request.rawBody = body as Buffer
    parseJson(request, (body as Buffer).toString('utf8'), (error, parsed) => {
      if (error) return done(error)
      const forbidden = forbiddenKeyIn(parsed)
      if (forbidden) return done(forbiddenKeyError(forbidden))
      done(null, parsed)
    })
  })
  // wx.request adds `content-type: application/json` to every request whose header sets none,
  // GET and DELETE without a body included (the documented default of its `header` option). A
  // request that declares no body has nothing to parse: its content-type is set aside, so no
  // parser runs and sign-out and erasure (DELETEs without a body) reach their routes.
  // (Hooks on the path of every request take a callback rather than returning a promise: one
  // microtask fewer each.)
  app.addHook('onRequest', (request, _reply, done) => {
    if (declaresNoBody(request.headers)) delete request.headers['content-type']
    done()
  })

  // helmet's security headers on every answer. They depend on the options only, never on the
  // request, so helmet runs once, here, and each request gets the finished list: running helmet
  // per request (as @fastify/helmet does) rebuilt its middlewares and re-parsed the CSP every
  // time, a sixth of an anonymous request's CPU. They are set before anything can answer, so
  // rate-limit refusals, errors and files carry them too. They go into the reply's own headers,
  // not onto the raw response with setHeader as helmet does: Node then writes all headers in one
  // pass instead of validating and copying each one twice.
  const web = await serveWebBuild(app, settings.webRoot)
  rawSecurityHeaders = securityHeaders(securityHeaderOptions(web.inlineScriptHashes))
  const everyAnswersHeaders = Object.fromEntries(
    rawSecurityHeaders.map(([name, value]) => [name.toLowerCase(), value]),
  )
  // API answers are never stored by a browser, proxy or CDN (OWASP REST Security Cheat Sheet:
  // `Cache-Control: no-store` on sensitive answers): a cached status would hide an incident from
  // the kill switch, a cached data export, session or error would hand personal data to whoever
  // shares the cache next. The web build's files set their own caching (web.ts). Which it is
  // comes from the route the router matched, never from the URL as written: the router decodes
  // the path, so `/%761/me/data` is the data export too. (No route matched: the 404 handler
  // and the error handler set no-store themselves.)
  const apiAnswersHeaders = { ...everyAnswersHeaders, 'cache-control': 'no-store' }
  app.addHook('onRequest', (request, reply, done) => {
    const apiRoute = request.routeOptions.url?.startsWith('/v1/') === true
    reply.headers(apiRoute ? apiAnswersHeaders : everyAnswersHeaders)
    done()
  })

  // Every request counts towards its address's limit (RATE_LIMIT_PER_MINUTE), whatever it asks
  // for: API routes, the web build's files, unknown paths, wrong methods, malformed URLs. The
  // count is a hook of its own on the root, which Fastify runs for every route and for the 404
  // handler: @fastify/rate-limit's `global` option adds its hook only to routes registered
  // after the plugin, so it missed the web build's files and the 404 handler. The plugin is
  // kept for the routes with a limit of their own (admin sign-in, error reports), which count
  // here as well.
  await app.register(rateLimit, {
    global: false,
    max: settings.rateLimitPerMinute,
    timeWindow: '1 minute',
    // Every per-address limit counts an IPv6 client by its /64 (client-address.ts).
    keyGenerator: (request) => addressKey(request.ip),
    errorResponseBuilder: (_request, context) => rateLimited(context.ttl),
  })
  const countTowardsAddressLimit = perAddressLimit(app.createRateLimit())
  app.addHook('onRequest', countTowardsAddressLimit)

  // A URL over 8 KB or headers over 16 KB: 414 or 431, with the security headers set above.
  // Then browsers from other origins are refused (no CORS: the H5 build is served from this
  // origin); WeChat sends no Origin.
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      checkRequestSize(request)
      const origin = request.headers.origin
      if (origin) {
        const own = `https://${request.headers.host ?? ''}`
        if (origin !== own) {
          throw new ApiError(403, 'ERR_ORIGIN_NOT_ALLOWED', 'This origin may not call the API.')
        }
      }
    } catch (error) {
      return done(error as Error)
    }
    done()
  })

  // A query that is not valid percent-encoded UTF-8: 400 ERR_BAD_URL, on every route. It is
  // judged where queries are (after the body is read, before the route's own checks and its
  // schema), so a body that is not JSON is still 415 whatever the query holds.
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      checkQueryEncoding(request.url)
    } catch (error) {
      return done(error as Error)
    }
    done()
  })

  // The kill switch's signal on every response while an incident is open. The Date header comes
  // from the same clock that checks x-timestamp, so a client can correct its offset from it.
  const httpDate = httpDateOf(now)
  const stampAnswer = (reply: FastifyReply) => {
    if (context.incidents.current()) reply.header(MAINTENANCE_HEADER, '1')
    reply.header('date', httpDate())
  }
  app.addHook('onSend', (_request, reply, payload, done) => {
    stampAnswer(reply)
    done(null, payload)
  })
  // Every answer under /v1/admin/ is audited, whatever its status (routes/admin.ts).
  app.addHook('onSend', auditAdminAnswers(context))

  // A path the router cannot decode reaches no route and no hook, so it is given here what
  // the hooks give every other answer: the security headers and no-store, a place in its
  // address's count, the maintenance signal and the Date header, and the one error shape. The
  // answer does not repeat the URL. (Behind a trusted proxy it is counted against the proxy's
  // address: Fastify has not read x-forwarded-for for a request it could not route.)
  answerUndecodableUrl = async (request, reply) => {
    reply.headers(apiAnswersHeaders)
    stampAnswer(reply)
    let answer: ApiError
    try {
      await countTowardsAddressLimit(request, reply)
      // Too large is answered first, as for every URL (414/431).
      checkRequestSize(request)
      answer = new ApiError(
        400,
        'ERR_BAD_URL',
        'The URL path is not valid percent-encoding: each % must be followed by two hex ' +
          'digits, and the bytes they spell must be UTF-8.',
      )
    } catch (refused) {
      answer =
        refused instanceof ApiError
          ? refused
          : new ApiError(500, 'ERR_INTERNAL', 'Something went wrong on our side.')
    }
    const body: ApiErrorBody = { error: { code: answer.code, message: answer.message } }
    reply.status(answer.statusCode).send(body)
  }

  // Errors are never stored either, whichever route they come from (a refused request for a
  // web file included): they speak of one request at one moment.
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const { statusCode, body } = toErrorResponse(error)
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    reply.header('cache-control', 'no-store').status(statusCode).send(body)
  })
  app.setNotFoundHandler((_request, reply) => {
    const body: ApiErrorBody = { error: { code: 'ERR_NOT_FOUND', message: 'No such route.' } }
    reply.header('cache-control', 'no-store').status(404).send(body)
  })

  // A known path asked with a method it does not accept: 405 with Allow, not 404.
  const answerWrongMethodsOfRoutesAbove = answerWrongMethods(app)
  await app.register(publicRoutes, { context })
  await app.register(signedInRoutes, { context })
  await app.register(adminRoutes, { context })
  answerWrongMethodsOfRoutesAbove()
  return app
}

/**
 * Expired sessions and admin tokens are of no use to anyone and are not kept (data
 * minimisation): deleted once when the server is ready, then every `intervalSeconds` (hourly by
 * default), whether or not their owners ever come back. The timer stops when the server closes.
 */
function pruneExpiredOnSchedule(
  app: FastifyInstance,
  context: ServerContext,
  intervalSeconds: number,
): void {
  const prune = () => {
    context.sessions.pruneExpired()
    context.admin.pruneExpiredTokens()
  }
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    prune()
    timer = setInterval(prune, intervalSeconds * 1000)
    // It never keeps the process alive on its own.
    timer.unref()
  })
  app.addHook('onClose', async () => clearInterval(timer))
}

/** 429 ERR_RATE_LIMITED, saying when to retry. */
function rateLimited(ttlMs: number): ApiError {
  return new ApiError(
    429,
    'ERR_RATE_LIMITED',
    `Too many requests; retry in ${Math.ceil(ttlMs / 1000)} s.`,
  )
}

/**
 * An onRequest hook that counts the request with `limiter` (the per-address limit), sets the
 * `x-ratelimit-*` headers, and past the limit answers 429 ERR_RATE_LIMITED with `retry-after`.
 */
function perAddressLimit(
  limiter: ReturnType<FastifyInstance['createRateLimit']>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const limit = await limiter(request)
    if (limit.isAllowed) return
    reply.header('x-ratelimit-limit', limit.max)
    reply.header('x-ratelimit-remaining', limit.remaining)
    reply.header('x-ratelimit-reset', limit.ttlInSeconds)
    if (limit.isExceeded) {
      reply.header('retry-after', limit.ttlInSeconds)
      throw rateLimited(limit.ttl)
    }
  }
}

function toErrorResponse(error: FastifyError | ApiError): {
  statusCode: number
  body: ApiErrorBody
} {
  if (error instanceof ApiError) {
    return {
      statusCode: error.statusCode,
      body: { error: { code: error.code, message: error.message } },
    }
  }
  if ((error as FastifyError).validation) {
    return { statusCode: 400, body: { error: { code: 'ERR_VALIDATION', message: error.message } } }
  }
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        statusCode: 413,
        body: {
          error: {
            code: 'ERR_BODY_TOO_LARGE',
            message:
              `The body is larger than this route accepts (${BODY_LIMIT_BYTES / 1024} KB; ` +
              `${MONITOR_BODY_LIMIT_BYTES / 1024} KB for error reports).`,
          },
        },
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        statusCode: 415,
        body: {
          error: {
            code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
            message: 'Send the body as JSON, with content-type: application/json.',
          },
        },
      }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        statusCode: 400,
        body: { error: { code: 'ERR_BAD_BODY', message: 'The body is not valid JSON.' } },
      }
  }
  // Errors from plugins that carry a client status, e.g. the static files' "Forbidden" for a
  // path like /../server.db: the file is simply not there, as far as the client learns.
  const status = (error as { statusCode?: number }).statusCode
  if (status === 403 || status === 404) {
    return {
      statusCode: 404,
      body: { error: { code: 'ERR_NOT_FOUND', message: 'No such route.' } },
    }
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      statusCode: 400,
      body: { error: { code: 'ERR_BAD_REQUEST', message: 'The request is not acceptable.' } },
    }
  }
  if (error instanceof SyntaxError) {
    return {
      statusCode: 400,
      body: { error: { code: 'ERR_BAD_BODY', message: 'The body is not valid JSON.' } },
    }
  }
  return {
    statusCode: 500,
    body: { error: { code: 'ERR_INTERNAL', message: 'Something went wrong on our side.' } },
  }
}

/**
 * The clock's time as an HTTP date (`Date` header). It only has whole seconds, so the text is
 * made once per second of the clock, not once per answer.
 */
export function httpDateOf(now: () => Date): () => string {
  let second = NaN
  let text = ''
  return () => {
    const ms = now().getTime()
    const current = Math.floor(ms / 1000)
    if (current !== second) {
      second = current
      text = new Date(ms).toUTCString()
    }
    return text
  }
}

/** The URL as it may be logged: coordinates replaced, everything else kept. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:lat|lon|latitude|longitude)=)[^&#]*/gi, '$1[redacted]')
}
