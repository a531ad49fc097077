import helmet, { type HelmetOptions } from 'helmet'

/**
 * helmet's options for this server: one object, given to the @fastify/helmet plugin (every
 * answer a route or error handler sends) and to `securityHeaders` (answers written as raw HTTP),
 * so both carry exactly the same headers.
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
 * The headers helmet sets with `options`, as name/value pairs. A request that Node's HTTP parser
 * refuses (oversized or malformed) never reaches Fastify, so no plugin runs for it: its answer is
 * written by hand, and takes its security headers from here. helmet writes them with
 * `setHeader`/`removeHeader` only, so a collector object stands in for the response.
 */
export function securityHeaders(options: HelmetOptions): Array<[string, string]> {
  const headers = new Map<string, string>()
  const collector = {
    setHeader: (name: string, value: string | number) =>
      headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  }
  helmet(options)(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    collector as unknown as Parameters<ReturnType<typeof helmet>>[1],
    () => undefined,
  )
  return [...headers]
}
