import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import { AdminLoginBackoff, AUDIT_PAGE_MAX, tokenFingerprint } from '../admin'
import { ApiError } from '../api-error'
import type { ServerContext } from '../context'

export const ADMIN_ROUTES = {
  login: '/v1/admin/login',
  incidents: '/v1/admin/incidents',
  endIncident: '/v1/admin/incidents/end',
  errorGroups: '/v1/admin/error-groups',
  audit: '/v1/admin/audit',
} as const

/** The audit log's name for each admin route; any other admin path is `${method} ${path}`. */
const ACTIONS: Record<string, string> = {
  [`POST ${ADMIN_ROUTES.login}`]: 'admin.login',
  [`POST ${ADMIN_ROUTES.incidents}`]: 'incident.start',
  [`POST ${ADMIN_ROUTES.endIncident}`]: 'incident.end',
  [`GET ${ADMIN_ROUTES.incidents}`]: 'incidents.list',
  [`GET ${ADMIN_ROUTES.errorGroups}`]: 'error-groups.list',
  [`GET ${ADMIN_ROUTES.audit}`]: 'audit.list',
}

// What a route notes for the audit row of its answer (e.g. the incident it opened).
const noted = new WeakMap<FastifyRequest, Record<string, unknown>>()

/**
 * An onSend hook for the whole server (app.ts): every answer to a path under /v1/admin/ is
 * audited, success and every refusal whatever its status (401, 400, 404, 405, 409, 415, 429...):
 * the action, 'ok' or 'refused', `{ status, code }` and what the route noted, the client's
 * address and the fingerprint of the live admin token it carried (Admin.record). It runs before
 * the answer is sent, so an acknowledged action is in the log. Limit: a URL the router cannot
 * decode (`/v1/admin/%ff`) is answered outside the hooks (app.ts) and not audited.
 */
export function auditAdminAnswers(context: ServerContext): onSendHookHandler {
  return (request, reply, payload, done) => {
    const path = request.routeOptions.url ?? request.url.split('?')[0]
    if (!path.startsWith('/v1/admin/')) return done(null, payload)
    const status = reply.statusCode
    let code: unknown
    if (status >= 400 && typeof payload === 'string') {
      try {
        code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code
      } catch {
        code = undefined
      }
    }
    try {
      context.admin.record({
        action: ACTIONS[`${request.method} ${path}`] ?? `${request.method} ${path}`.slice(0, 100),
        outcome: status < 400 ? 'ok' : 'refused',
        detail: { status, ...(code ? { code } : {}), ...noted.get(request) },
        address: request.ip,
        actor: context.admin.actorOf(request.headers.authorization),
      })
    } catch (error) {
      // Not audited, not done: an admin action whose row cannot be written is not acknowledged.
      return done(error as Error)
    }
    done(null, payload)
  }
}

/**
 * Operator routes: sign in with the admin password, open and close incidents (the kill switch),
 * read error groups and the audit log (paged). Every answer is audited (`auditAdminAnswers`).
 */
export const adminRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (
  app,
  { context },
) => {
  const { admin, incidents, monitor } = context
  const authorised = async (request: FastifyRequest) => admin.verify(request.headers.authorization)
  const note = (request: FastifyRequest, detail: Record<string, unknown>) =>
    noted.set(request, detail)

  app.post<{ Body: { password: string } }>(
    ADMIN_ROUTES.login,
    {
      // Per address (an IPv6 client by its /64; settings: ADMIN_LOGINS_PER_MINUTE, default 10),
      // and globally after failures (Admin.login's backoff); bcrypt makes each try slow too.
      config: {
        rateLimit: { max: context.settings.adminLoginsPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      try {
        const signedIn = await admin.login(request.body.password)
        // The rows this token's calls write carry the same fingerprint as their actor.
        note(request, { tokenFingerprint: tokenFingerprint(signedIn.token) })
        return signedIn
      } catch (error) {
        if (error instanceof AdminLoginBackoff) reply.header('retry-after', error.retryAfterSeconds)
        throw error
      }
    },
  )

  app.post<{ Body: { message: string; retryAfterSeconds?: number } }>(
    ADMIN_ROUTES.incidents,
    {
      preValidation: authorised,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['message'],
          properties: {
            // Shown to every user on the maintenance screen: plain text, one paragraph.
            message: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              pattern: '^[^\\u0000-\\u001f<>]+$',
              description: 'must be plain text on one line, without < or >',
            },
            retryAfterSeconds: { type: 'integer', minimum: 10, maximum: 86_400 },
          },
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const incident = incidents.open(request.body.message.trim(), request.body.retryAfterSeconds)
      note(request, { incidentId: incident.id, message: incident.message })
      reply.status(201)
      return { incident }
    },
  )

  app.post(ADMIN_ROUTES.endIncident, { preValidation: authorised }, async (request) => {
    const incident = incidents.end()
    note(request, { incidentId: incident.id })
    return { incident }
  })

  app.get(ADMIN_ROUTES.incidents, { preValidation: authorised }, async () => ({
    incidents: incidents.recent(),
  }))

  app.get(ADMIN_ROUTES.errorGroups, { preValidation: authorised }, async () => ({
    groups: monitor.groups(),
  }))

  app.get<{ Querystring: { before?: string; limit?: string } }>(
    ADMIN_ROUTES.audit,
    {
      preValidation: authorised,
      schema: {
        // Query values arrive as text and are not coerced (app.ts): digits only.
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,15}$',
              description: 'must be a row id (a whole number from 1)',
            },
            limit: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,2}$',
              description: `must be a whole number from 1 to ${AUDIT_PAGE_MAX}`,
            },
          },
        },
      },
    },
    // Newest first; `next` is the `before` of the next page (absent on the last).
    async (request) => {
      const limit = request.query.limit === undefined ? undefined : Number(request.query.limit)
      if (limit !== undefined && limit > AUDIT_PAGE_MAX) {
        throw new ApiError(
          400,
          'ERR_VALIDATION',
          `"limit" must be a whole number from 1 to ${AUDIT_PAGE_MAX}.`,
        )
      }
      const before = request.query.before === undefined ? undefined : Number(request.query.before)
      return admin.auditLog({ before, limit })
    },
  )
}
