import { noResponseError, type PortResponse, type RequestPort } from './https-client'

/**
 * The RequestPort on the browser's own `fetch`, for the H5 build (https-client.taro.ts picks it).
 *
 * Why not Taro.request there: on H5 it is a wrapper around this same `fetch`, but it always brings
 * polyfills for browsers without `fetch` or `AbortController` and a JSONP client (about 31 KB,
 * run at start-up), and the H5 build targets browsers that have both (package.json's
 * browserslist). It also turns a body that is not JSON into `null`; this port hands it back as
 * text, as wx.request does, so both builds see the same thing.
 *
 * Shape: `status` the HTTP status; `headers` lower-case names (fetch already lower-cases them);
 * `body` parsed JSON when the text is JSON, else the text, or '' when there is none. Throws
 * AppError ERR_TIMEOUT when no answer came within `timeoutMs` (the request is aborted), and
 * ERR_NETWORK for every other failure to get an answer (refused connection, TLS, CORS, offline,
 * a redirect): the browser's wording is never parsed. Nothing is logged.
 */
export const fetchRequest: RequestPort = async (request) => {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, request.timeoutMs)
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
      // The API never redirects. Following one would send the signed request to a URL the
      // client's allow-list never checked: a redirect is a failure (ERR_NETWORK) instead.
      redirect: 'error',
    })
    const text = await response.text() // still under the timeout: a body can stall too
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => (headers[name] = value))
    return { status: response.status, headers, body: jsonOrText(text) } satisfies PortResponse
  } catch (error) {
    throw noResponseError(timedOut, request.timeoutMs, error)
  } finally {
    clearTimeout(timer)
  }
}

/** What wx.request's `dataType: 'json'` gives: the parsed value, or the text when it is not JSON. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
