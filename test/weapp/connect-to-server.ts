import type { TestServer } from '../../server/test/test-server'
import { nodeRequestPort } from '../client/node-request'
import type { FakeWx } from '../weapp-harness/fake-wx'

/** The origin the weapp build was made for (`.env`): the reference server's default address. */
export const BUILT_API_ORIGIN = 'https://127.0.0.1:8443'

/**
 * Makes `server` the network of a fake `wx`: the DNS of this little world. The fake has already
 * refused other domains and put WeChat's wire form on each request (default content-type, fixed
 * Referer, encoded URL, GET data in the query); this forwards exactly that over real HTTPS to the
 * test server, which listens on its own port instead of the built origin's.
 * `sessions` collects every session the server issued, so journeys can use the credentials.
 */
export function connectToServer(fake: FakeWx, server: TestServer) {
  const { port } = nodeRequestPort(server.ca)
  const sessions: Array<{ token: string; signingKey: string }> = []
  fake.control.onRequest(async (request) => {
    const response = await port({
      url: server.url + request.url.slice(BUILT_API_ORIGIN.length),
      method: request.method as 'GET' | 'POST' | 'DELETE',
      headers: request.header,
      body: request.body,
      timeoutMs: request.timeout ?? 60_000,
    })
    if (request.url.endsWith('/v1/session') && response.status === 201) {
      sessions.push(response.body as { token: string; signingKey: string })
    }
    return { statusCode: response.status, data: response.body, header: response.headers }
  })
  return { fake, sessions }
}
