import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AppError, type AppErrorCode } from '../../../src/security/app-error'
import { fetchRequest } from '../../../src/security/transport/https-client.fetch'
import type { PortRequest } from '../../../src/security/transport/https-client'

// TRANSPORT: the H5 build's RequestPort (the browser's fetch) against a real server on 127.0.0.1,
// through Node's fetch, which follows the same standard. Plain HTTP here: the port's job is the
// request and its answer; TLS is the browser's, and the browser journeys (e2e/) run this same
// port over HTTPS against the reference server.

type Handler = (body: string, reply: ServerResponse, headers: Record<string, unknown>) => void
let server: Server
let base: string
let handler: Handler

beforeAll(async () => {
  server = createServer((request, reply) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () =>
      handler(Buffer.concat(chunks).toString('utf8'), reply, {
        ...request.headers,
        method: request.method,
        url: request.url,
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const request = (overrides: Partial<PortRequest> = {}): PortRequest => ({
  url: `${base}/v1/echo?q=%E5%8C%97%E4%BA%AC`,
  method: 'GET',
  headers: {},
  timeoutMs: 2000,
  ...overrides,
})

describe('fetchRequest: answers', () => {
  test('sends the method, headers and the exact body, and reads a JSON answer', async () => {
    handler = (body, reply, headers) => {
      reply.writeHead(201, { 'Content-Type': 'application/json', 'X-Anxin-Status': 'normal' })
      reply.end(JSON.stringify({ body, headers }))
    }
    const body = '{"b":2,"a":"北京"}' // the signed text, not re-serialised
    const response = await fetchRequest(
      request({
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-nonce': 'n1' },
        body,
      }),
    )
    expect(response.status).toBe(201)
    expect(response.headers['x-anxin-status']).toBe('normal')
    expect(response.headers['content-type']).toBe('application/json')
    const echoed = response.body as { body: string; headers: Record<string, string> }
    expect(echoed.body).toBe(body)
    expect(echoed.headers).toMatchObject({
      method: 'POST',
      url: '/v1/echo?q=%E5%8C%97%E4%BA%AC',
      'content-type': 'application/json',
      'x-nonce': 'n1',
    })
  })

  // What wx.request's dataType 'json' gives, so both builds see the same body.
  test.each<[string, number, string, unknown]>([
    ['JSON object', 200, '{"ok":true}', { ok: true }],
    [
      'JSON error from the server',
      500,
      '{"error":{"code":"INTERNAL"}}',
      { error: { code: 'INTERNAL' } },
    ],
    ['plain text', 502, 'Bad Gateway', 'Bad Gateway'],
    ['HTML error page', 404, '<html>not found</html>', '<html>not found</html>'],
    ['truncated JSON', 200, '{"ok":tr', '{"ok":tr'],
    ['no body', 204, '', ''],
  ])(
    '%s (HTTP %i) comes back as a status and a body, never thrown',
    async (_, status, text, body) => {
      handler = (_body, reply) => {
        reply.writeHead(status)
        reply.end(text)
      }
      await expect(fetchRequest(request())).resolves.toMatchObject({ status, body })
    },
  )
})

describe('fetchRequest: no answer', () => {
  const failures: Array<[string, () => Partial<PortRequest>, Handler | undefined, AppErrorCode]> = [
    ['the server never answers', () => ({ timeoutMs: 200 }), () => undefined, 'ERR_TIMEOUT'],
    [
      'the answer stalls after its headers',
      () => ({ timeoutMs: 200 }),
      (_body, reply) => {
        reply.writeHead(200, { 'Content-Type': 'application/json' })
        reply.write('{"partial":')
      },
      'ERR_TIMEOUT',
    ],
    [
      'the connection is dropped',
      () => ({}),
      (_body, reply) => reply.socket?.destroy(),
      'ERR_NETWORK',
    ],
    [
      // The API never redirects; following one would send the signed request somewhere the
      // client's allow-list never checked.
      'the server answers with a redirect',
      () => ({}),
      (_body, reply, headers) => {
        if (headers.url === '/elsewhere') reply.writeHead(200).end('{"followed":true}')
        else reply.writeHead(302, { Location: `${base}/elsewhere` }).end()
      },
      'ERR_NETWORK',
    ],
    [
      'nothing listens on the port',
      () => ({ url: 'http://127.0.0.1:1/v1/weather' }),
      undefined,
      'ERR_NETWORK',
    ],
    ['the URL cannot be fetched', () => ({ url: 'not a url' }), undefined, 'ERR_NETWORK'],
  ]

  test.each(failures)('%s', async (_, overrides, serverHandler, code) => {
    if (serverHandler) handler = serverHandler
    const error = await fetchRequest(request(overrides())).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe(code)
    // Messages never carry the URL's query or the body (they are reported and logged).
    expect(String((error as Error).message)).not.toMatch(/%E5|北京|127\.0\.0\.1/)
  })
})
