import { request as httpsRequest } from 'node:https'
import { AppError } from '../../src/security/app-error'
import type {
  PortRequest,
  PortResponse,
  RequestPort,
} from '../../src/security/transport/https-client'

/**
 * The RequestPort the client gets on a device, rebuilt on Node's https for tests: it trusts only
 * the test server's certificate (no verification switched off), answers like Taro.request (status,
 * lower-case headers, JSON parsed when it is JSON) and fails with ERR_TIMEOUT / ERR_NETWORK.
 * `sent` records what went out, so tests can prove a request was (or was not) made.
 */
export function nodeRequestPort(ca: string) {
  const sent: PortRequest[] = []
  const port: RequestPort = (request) => {
    sent.push(request)
    return new Promise<PortResponse>((resolve, reject) => {
      const outgoing = httpsRequest(
        request.url,
        { method: request.method, headers: request.headers, ca, timeout: request.timeoutMs },
        (incoming) => {
          const chunks: Buffer[] = []
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let body: unknown = text
            try {
              body = text === '' ? '' : JSON.parse(text)
            } catch {
              // Not JSON: WeChat hands the string over as it is, and so do we.
            }
            const headers: Record<string, string> = {}
            for (const [key, value] of Object.entries(incoming.headers)) {
              if (value !== undefined)
                headers[key] = Array.isArray(value) ? value.join(', ') : value
            }
            resolve({ status: incoming.statusCode ?? 0, headers, body })
          })
        },
      )
      outgoing.on('timeout', () => {
        outgoing.destroy()
        reject(new AppError('ERR_TIMEOUT', 'request:fail timeout'))
      })
      outgoing.on('error', (cause) =>
        reject(new AppError('ERR_NETWORK', 'request:fail', { cause })),
      )
      if (request.body !== undefined) outgoing.write(request.body)
      outgoing.end()
    })
  }
  return { port, sent }
}
