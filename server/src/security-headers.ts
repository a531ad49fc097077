import helmet, { type HelmetOptions } from 'helmet'

/**
 * helmet's options for this server. `securityHeaders` turns them into the headers once, at
 * start; every answer carries that list: those a route or error handler sends (an onRequest
 * hook in app.ts) and those written as raw HTTP (edge.ts), so both carry exactly the same ones.
 */
export function securityHeaderOptions(inlineScriptHashes: string[]): HelmetOptions {
  return {
    // The H5 page runs one small inline script (Taro's rem sizing): allowed by its hash only.
    contentSecurityPolicy: {
      directives: { scriptSrc: ["'self'", ...inlineScriptHashes] },
    },
  }
}

/**
 * The headers helmet sets with `options`, as name/value pairs. They depend on the options alone
 * (no nonces, nothing from the request), so helmet runs once and every answer reuses the list.
 * helmet writes them with `setHeader`/`removeHeader` only, so a collector object stands in for
 * the response.
 */
export function securityHeaders(options: HelmetOptions): Array<[string, string]> {
  const csp = options.contentSecurityPolicy
  const directives = typeof csp === 'object' ? Object.values(csp.directives ?? {}) : []
  if (directives.flat().some((value) => typeof value === 'function')) {
    // A directive computed per request (a nonce) cannot be computed once for all of them.
    throw new Error('securityHeaders: CSP directives must be fixed strings')
  }
  // Keyed by lower-case name, kept with helmet's own spelling of it.
  const headers = new Map<string, [string, string]>()
  const collector = {
    setHeader: (name: string, value: string | number) =>
      headers.set(name.toLowerCase(), [name, String(value)]),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  }
  helmet(options)(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    collector as unknown as Parameters<ReturnType<typeof helmet>>[1],
    () => undefined,
  )
  return [...headers.values()]
}
