import type { FastifyPluginAsync } from 'fastify'
import {
  API_ROUTES,
  MAX_REPORT_COUNT,
  MAX_REPORTS_PER_BATCH,
  type ConsentRecord,
  type ConsentRequest,
  type ErasureReceipt,
  type ErrorReportReceipt,
  type MyDataExport,
  type SessionRequest,
  type SessionResponse,
} from '../../../src/services/api-contract'
import { requireSession } from '../auth'
import type { ServerContext } from '../context'
import type { UncheckedBatch } from '../monitor'
import { addressKey } from '../client-address'
import { ReportBudget, ReportBudgetExceeded } from '../report-budget'

/** Error-report batches may be larger than other bodies: 20 reports with stacks. */
export const MONITOR_BODY_LIMIT_BYTES = 64 * 1024

/**
 * The signed-in user's routes: the WeChat login exchange, logout, error-report intake and the
 * data rights (consent, export, erase). All but the login need a signed request.
 */
export const signedInRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (
  app,
  { context },
) => {
  const signed = requireSession(context)
  // Reports stored per user (all of a user's sessions together) and per address (all users
  // behind it together): many sessions or many sign-ins cannot multiply what one person stores.
  const reportBudget = new ReportBudget(
    context.settings.monitorReportsPerUserPerMinute,
    context.settings.monitorReportsPerAddressPerMinute,
  )

  app.post<{ Body: SessionRequest }>(
    API_ROUTES.session,
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: {
            code: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              pattern: '^[A-Za-z0-9_-]+$',
              description: 'may contain only letters, digits, _ and -',
            },
          },
        },
      },
    },
    async (request, reply): Promise<SessionResponse> => {
      const openid = await context.login.openidFor(request.body.code)
      const session = context.sessions.signIn(openid)
      reply.status(201)
      return { ...session, serverTime: context.now().toISOString() }
    },
  )

  // Logout: the token stops working at once.
  app.delete(API_ROUTES.session, { preValidation: signed }, async (request, reply) => {
    context.sessions.end(request.session!.tokenSha256)
    reply.status(204).send()
  })

  app.post<{ Body: UncheckedBatch }>(
    API_ROUTES.monitorErrors,
    {
      bodyLimit: MONITOR_BODY_LIMIT_BYTES,
      // Counted first per address, as every request (app.ts), whatever its authorization says;
      // then, once signed in and the batch's shape checked, against the report budgets below.
      preValidation: signed,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reports'],
          properties: {
            // The batch's shape only: each report is checked on its own by the monitor, so
            // one bad or over-long report does not cost the others (monitor.ts).
            reports: { type: 'array', minItems: 1, maxItems: MAX_REPORTS_PER_BATCH },
            // Reports the device could not keep; counted in the 'dropped' group. A bad value
            // refuses the whole batch (ERR_VALIDATION): it is the batch's own field.
            droppedOnDevice: { type: 'integer', minimum: 0, maximum: MAX_REPORT_COUNT },
          },
        },
      },
    },
    async (request, reply): Promise<ErrorReportReceipt> => {
      try {
        reportBudget.charge(
          request.session!.userId,
          addressKey(request.ip),
          request.body.reports.length,
          context.now(),
        )
      } catch (error) {
        if (error instanceof ReportBudgetExceeded) {
          reply.header('retry-after', error.retryAfterSeconds)
        }
        throw error
      }
      const receipt = context.monitor.ingest(request.body, request.session!.userId, context.now())
      reply.status(202)
      return receipt
    },
  )

  app.post<{ Body: ConsentRequest }>(
    API_ROUTES.consent,
    {
      preValidation: signed,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['policyVersion', 'decision'],
          properties: {
            policyVersion: {
              type: 'string',
              minLength: 1,
              maxLength: 20,
              pattern: '^[0-9A-Za-z.-]+$',
              description: 'may contain only letters, digits, . and -',
            },
            decision: { enum: ['agreed', 'withdrawn'] },
            decidedAt: {
              type: 'string',
              format: 'date-time',
              maxLength: 40,
              description: 'must be an ISO 8601 date and time, e.g. 2026-12-08T11:13:00.000Z',
            },
          },
        },
      },
    },
    async (request, reply): Promise<ConsentRecord> => {
      reply.status(201)
      return context.myData.recordConsent(request.session!.userId, request.body)
    },
  )

  app.get(API_ROUTES.myData, { preValidation: signed }, async (request): Promise<MyDataExport> =>
    context.myData.export(request.session!.userId),
  )

  app.delete(API_ROUTES.me, { preValidation: signed }, async (request): Promise<ErasureReceipt> =>
    context.myData.erase(request.session!.userId),
  )
}
