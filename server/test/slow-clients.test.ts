import { connect, type TLSSocket } from 'node:tls'
import { startTestServer, type TestServer } from './test-server'

// Finding 2 of the security review (server/README.md, "Security review findings"): a client
// that opens connections and sends slowly, or not at all, must not hold them for ever.

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    env: {
      REQUEST_TIMEOUT_MS: '1000',
      CONNECTION_TIMEOUT_MS: '1500',
      MAX_CONNECTIONS_PER_ADDRESS: '3',
    },
  })
}, 60_000)
afterAll(async () => server?.close())

/** A TLS connection to the test server that trusts only its certificate. */
const open = (): Promise<TLSSocket> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, ca: server.ca })
    socket.once('secureConnect', () => resolve(socket))
    socket.once('error', reject)
  })

/** Everything the server writes until it closes the connection, and how long that took. */
const untilClosed = (socket: TLSSocket): Promise<{ text: string; ms: number }> =>
  new Promise((resolve) => {
    const started = performance.now()
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    socket.on('error', () => undefined)
    socket.once('close', () => resolve({ text, ms: performance.now() - started }))
  })

const head = (length: number) =>
  'POST /v1/session HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
  `content-length: ${length}\r\n\r\n`

test('a body that stalls is answered 408 ERR_REQUEST_TIMEOUT and closed', async () => {
  const socket = await open()
  const closed = untilClosed(socket)
  socket.write(head(100) + '{"code":')
  const { text, ms } = await closed
  expect(text).toMatch(/^HTTP\/1\.1 408 /)
  expect(text).toContain('"code":"ERR_REQUEST_TIMEOUT"')
  // REQUEST_TIMEOUT_MS is 1 s; the server looks every quarter of it.
  expect(ms).toBeLessThan(3000)
}, 30_000)

test('a body that trickles a byte at a time is cut off at the request timeout', async () => {
  const socket = await open()
  const closed = untilClosed(socket)
  socket.write(head(100))
  // One byte every 200 ms: never idle long enough for the connection timeout.
  const trickle = setInterval(() => socket.writable && socket.write(' '), 200)
  try {
    const { text, ms } = await closed
    expect(text).toMatch(/^HTTP\/1\.1 408 /)
    expect(text).toContain('"code":"ERR_REQUEST_TIMEOUT"')
    expect(ms).toBeLessThan(3000)
  } finally {
    clearInterval(trickle)
  }
}, 30_000)

test('a connection that sends nothing is closed within the timeouts', async () => {
  const socket = await open()
  const { ms } = await untilClosed(socket)
  expect(ms).toBeLessThan(4000)
}, 30_000)

test('an address may hold MAX_CONNECTIONS_PER_ADDRESS connections at once, no more', async () => {
  const held = [await open(), await open(), await open()]
  try {
    // The fourth is closed before TLS completes.
    await expect(open()).rejects.toThrow()
    // The ones held still work.
    const answer = untilClosed(held[0])
    held[0].write('GET /v1/status HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n')
    expect((await answer).text).toMatch(/^HTTP\/1\.1 200 /)
    // One closed: there is room for one more.
    const next = await open()
    next.destroy()
  } finally {
    for (const socket of held) socket.destroy()
  }
}, 30_000)
