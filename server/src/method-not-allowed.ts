import type { FastifyInstance } from 'fastify'
import { ApiError } from './api-error'

/**
 * 405 Method Not Allowed for a path the API serves, asked with a method it does not accept
 * (RFC 9110 §15.5.6): the answer's `Allow` header lists the methods the path does accept, and
 * the body is the usual error, code ERR_METHOD_NOT_ALLOWED. A path nobody serves stays 404.
 *
 * Call this before the API's routes are registered: it notes each route's path and methods as
 * they come. The function it returns is called after them: it gives every noted path one more
 * route, for all the other methods Fastify routes. Being routes, they go through the same
 * hooks as every other request (security headers, rate limit, edge checks), and they answer in
 * onRequest, before a body is read: a wrong method is the answer, whatever the body holds.
 *
 * Paths with a wildcard or a parameter (the web build's `/*`) are left out: they stand for many
 * paths, most of which do not exist, and those must stay 404.
 */
export function answerWrongMethods(app: FastifyInstance): () => void {
  const accepted = new Map<string, Set<string>>()
  let noting = true
  app.addHook('onRoute', (route) => {
    if (!noting || /[*:]/.test(route.url)) return
    const methods = accepted.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method)
    accepted.set(route.url, methods)
  })

  return () => {
    noting = false
    for (const [url, methods] of accepted) {
      const allow = [...methods].sort().join(', ')
      const refused = () =>
        new ApiError(
          405,
          'ERR_METHOD_NOT_ALLOWED',
          `This path does not accept that method; it accepts ${allow} (the Allow header lists them).`,
        )
      app.route({
        method: app.supportedMethods.filter((method) => !methods.has(method)),
        url,
        // HEAD is listed explicitly when the path has no GET; no automatic HEAD route besides.
        exposeHeadRoute: false,
        onRequest: (_request, reply, done) => {
          reply.header('allow', allow)
          done(refused())
        },
        // Never reached: onRequest has answered.
        handler: async () => {
          throw refused()
        },
      })
    }
  }
}
