import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { AdminLoginBackoff } from '../admin'
import type { ServerContext } from '../context'

export const ADMIN_ROUTES = {
  login: '/v1/admin/login',
  incidents: '/v1/admin/incidents',
  endIncident: '/v1/admin/incidents/end',
  errorGroups: '/v1/admin/error-groups',
  audit: '/v1/admin/audit',
} as const

/**
 * Operator routes: sign in with the admin password, open and close incidents (the kill switch),
 * read error groups and the audit log. Every call is audited, refused ones included.
 */
export const adminRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (
  app,
  { context },
) => {
  const { admin, incidents, monitor } = context
  const authorised = (action: string) => async (request: FastifyRequest) =>
    admin.verify(request.headers.authorization, action)
  // A refused action (e.g. opening a second incident) is audited with its error code.
  const audited = <T>(action: string, run: () => T): T => {
    try {
      return run()
    } catch (error) {
      admin.audit(action, 'refused', { code: (error as { code?: string }).code ?? 'ERR_INTERNAL' })
      throw error
    }
  }

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
        return await admin.login(request.body.password)
      } catch (error) {
        if (error instanceof AdminLoginBackoff) reply.header('retry-after', error.retryAfterSeconds)
        throw error
      }
    },
  )

  app.post<{ Body: { message: string; retryAfterSeconds?: number } }>(
    ADMIN_ROUTES.incidents,
    {
      preValidation: authorised('incident.start'),
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
    async (request, reply) => {
      const incident = audited('incident.start', () =>
        incidents.open(request.body.message.trim(), request.body.retryAfterSeconds),
      )
      admin.audit('incident.start', 'ok', { incidentId: incident.id, message: incident.message })
      reply.status(201)
      return { incident }
    },
  )

  app.post(ADMIN_ROUTES.endIncident, { preValidation: authorised('incident.end') }, async () => {
    const incident = audited('incident.end', () => incidents.end())
    admin.audit('incident.end', 'ok', { incidentId: incident.id })
    return { incident }
  })

  app.get(ADMIN_ROUTES.incidents, { preValidation: authorised('incidents.list') }, async () => {
    admin.audit('incidents.list', 'ok', {})
    return { incidents: incidents.recent() }
  })

  app.get(
    ADMIN_ROUTES.errorGroups,
    { preValidation: authorised('error-groups.list') },
    async () => {
      admin.audit('error-groups.list', 'ok', {})
      return { groups: monitor.groups() }
    },
  )

  app.get(ADMIN_ROUTES.audit, { preValidation: authorised('audit.list') }, async () => {
    admin.audit('audit.list', 'ok', {})
    return { entries: admin.auditLog() }
  })
}
