/**
 * The only way the server calls other services (WeChat's login API, Open-Meteo). Injected, so
 * tests give it a fake that answers like those services do, failures included, and so the real
 * URL (which carries the WeChat secret and login code) is never logged by this module.
 */
export interface HttpClient {
  getJson(url: string, options: { timeoutMs: number }): Promise<{ status: number; body: unknown }>
}

/** Raised for network failures, timeouts and non-JSON answers. Its message holds no URL. */
export class UpstreamError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UpstreamError'
  }
}

/** The real client, on Node's fetch. */
export const fetchHttpClient: HttpClient = {
  async getJson(url, { timeoutMs }) {
    let response: Response
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      throw new UpstreamError(timedOut ? `no answer within ${timeoutMs} ms` : 'network error')
    }
    try {
      return { status: response.status, body: await response.json() }
    } catch {
      throw new UpstreamError(`answer ${response.status} was not JSON`)
    }
  },
}
