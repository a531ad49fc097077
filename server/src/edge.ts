import type { FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { Duplex } from 'node:stream'
import { ApiError, type ApiErrorBody } from './api-error'

/**
 * The edge of the API: what is decided about a request before any route runs, and the raw
 * answers for requests that never become one.
 */

/** Longest URL (path and query) the API reads: 8 KB, nginx's default for a request line. */
export const MAX_URL_BYTES = 8 * 1024

/** Most bytes of header names and values a request may carry: Node's own default limit. */
export const MAX_HEADER_BYTES = 16 * 1024

/**
 * What Node's HTTP parser reads of a request's URL and headers together (`maxHeaderSize`)
 * before it gives up. The parser reports one error for both, so it cannot say whether the URL or
 * the headers were too large. It is set above the two limits above, which the server checks
 * itself (`checkRequestSize`) and can tell apart; only a request over this one gets the raw
 * answer, ERR_HEADERS_TOO_LARGE.
 */
export const PARSER_MAX_HEAD_BYTES = 32 * 1024

/** Throws 414 ERR_URI_TOO_LONG or 431 ERR_HEADERS_TOO_LARGE for a request over the limits. */
export function checkRequestSize(request: FastifyRequest): void {
  if ((request.raw.url ?? '').length > MAX_URL_BYTES) {
    throw new ApiError(
      414,
      'ERR_URI_TOO_LONG',
      `The URL is longer than ${MAX_URL_BYTES / 1024} KB: send less in the query.`,
    )
  }
  // rawHeaders alternates names and values; each header line also has ": " and a line break.
  const headerBytes = request.raw.rawHeaders.reduce((sum, part) => sum + part.length + 2, 0)
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new ApiError(
      431,
      'ERR_HEADERS_TOO_LARGE',
      `The request headers are larger than ${MAX_HEADER_BYTES / 1024} KB: send fewer or shorter headers.`,
    )
  }
}

/**
 * Throws 400 ERR_BAD_URL when the query (what follows `?`) is not valid percent-encoding of
 * UTF-8: a `%` without two hex digits after it, or bytes that are not UTF-8 (`%FF`, a cut or
 * overlong sequence, a surrogate). The query parser keeps such text as it stands, so
 * `?q=%FF` would search for the three characters "%FF"; it is refused here instead, on every
 * route, before any schema sees it. The answer does not repeat the query.
 */
export function checkQueryEncoding(url: string): void {
  const start = url.indexOf('?')
  if (start === -1) return
  try {
    decodeURIComponent(url.slice(start + 1))
  } catch {
    throw new ApiError(
      400,
      'ERR_BAD_URL',
      'The query is not valid percent-encoding: each % must be followed by two hex digits, ' +
        'and the bytes they spell must be UTF-8.',
    )
  }
}

/**
 * A request that declares no body: no `transfer-encoding` and no `content-length` above 0.
 *
 * Why this matters: `wx.request` sends `content-type: application/json` on every request whose
 * header sets none (the documented default of its `header` option), GET and DELETE without a
 * body included. A body parser must not run for such a request, or sign-out and erasure (DELETEs
 * without a body) fail on every phone.
 */
export function declaresNoBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length']
  return headers['transfer-encoding'] === undefined && (length === undefined || length === '0')
}

/** A key that could change an object's prototype, as `forbiddenKeyIn` names it. */
export type ForbiddenKey = '__proto__' | 'constructor.prototype'

/**
 * The first key in a parsed JSON body that could change an object's prototype: `__proto__`
 * anywhere, or `constructor` holding an object with a `prototype` key (the two forms
 * secure-json-parse refuses). `undefined` when the body has neither.
 *
 * `JSON.parse` itself is safe: it makes `__proto__` an ordinary own key. The danger is code that
 * later copies the body into another object key by key (a merge, `Object.assign` of a nested
 * part): that assignment sets the prototype, and every object of the kind changes. Such keys are
 * never data this API needs, so the body is refused instead of cleaned.
 *
 * The walk keeps its own stack: a 64 KB body can nest thousands of levels deep.
 */
export function forbiddenKeyIn(body: unknown): ForbiddenKey | undefined {
  const pending: unknown[] = [body]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value !== 'object' || value === null) continue
    if (Array.isArray(value)) {
      pending.push(...value)
      continue
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === '__proto__') return '__proto__'
      if (
        key === 'constructor' &&
        typeof child === 'object' &&
        child !== null &&
        Object.prototype.hasOwnProperty.call(child, 'prototype')
      ) {
        return 'constructor.prototype'
      }
      pending.push(child)
    }
  }
  return undefined
}

/** 400 ERR_FORBIDDEN_KEY: what was refused and why, without echoing the body. */
export function forbiddenKeyError(key: ForbiddenKey): ApiError {
  const what = key === '__proto__' ? 'a "__proto__" key' : 'a "constructor" key holding "prototype"'
  return new ApiError(
    400,
    'ERR_FORBIDDEN_KEY',
    `The body has ${what}, which is refused: copied into an object, it would change the ` +
      `prototype of every object of its kind (prototype pollution). Send plain data keys.`,
  )
}

/** The answer to a request Node's HTTP parser refused, and why. */
export function rawErrorFor(parserErrorCode: string | undefined): {
  status: number
  reason: string
  body: ApiErrorBody
} {
  if (parserErrorCode === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      body: {
        error: {
          code: 'ERR_HEADERS_TOO_LARGE',
          message:
            `The URL and headers together are larger than ${PARSER_MAX_HEAD_BYTES / 1024} KB: ` +
            `send a shorter URL and fewer headers.`,
        },
      },
    }
  }
  if (parserErrorCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      reason: 'Request Timeout',
      body: {
        error: {
          code: 'ERR_REQUEST_TIMEOUT',
          message: 'The request did not arrive in time (REQUEST_TIMEOUT_MS); send it again.',
        },
      },
    }
  }
  return {
    status: 400,
    reason: 'Bad Request',
    body: { error: { code: 'ERR_BAD_REQUEST', message: 'The request is not valid HTTP.' } },
  }
}

/**
 * Writes an error as raw HTTP/1.1 and closes the connection: for requests that never reach
 * Fastify, so its hooks (helmet's headers, the maintenance signal, the Date header) do not run.
 * The headers every answer carries are passed in as `extraHeaders`.
 */
export function writeRawError(
  socket: Duplex,
  answer: { status: number; reason: string; body: ApiErrorBody },
  extraHeaders: Array<[string, string]>,
  now: Date,
): void {
  const body = JSON.stringify(answer.body)
  const headers: Array<[string, string]> = [
    ['content-type', 'application/json; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(body))],
    ['date', now.toUTCString()],
    ['connection', 'close'],
    ...extraHeaders,
  ]
  socket.end(
    `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
      headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
      `\r\n${body}`,
  )
}
