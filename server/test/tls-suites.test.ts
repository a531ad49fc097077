import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { startTestServer, type TestServer } from './test-server'

// TRANSPORT: the server offers TLS 1.2 and 1.3 with forward secrecy and AEAD ciphers only.
// A scan (testssl.sh) found TLS 1.2 CBC suites offered ("obsolete CBC ciphers", LUCKY13
// "potentially vulnerable"). WeChat connects with TLS 1.2+ and ECDHE-AES-GCM suites.

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
}, 60_000)
afterAll(async () => server?.close())

/** The protocol and cipher a client offering only `options` ends up with, or its error code. */
function handshake(options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', port: server.port, ca: server.ca, ...options },
      () => {
        resolve(`${socket.getProtocol()} ${socket.getCipher().name}`)
        socket.end()
      },
    )
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code}`))
  })
}

test.each([
  ['CBC with SHA-1', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA'],
  ['CBC with SHA-256/384', 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384'],
  ['no forward secrecy (RSA key exchange, GCM)', 'AES128-GCM-SHA256:AES256-GCM-SHA384'],
])('a TLS 1.2 client offering only %s is refused', async (_name, ciphers) => {
  expect(await handshake({ ciphers, maxVersion: 'TLSv1.2' })).toMatch(/^refused: /)
})

test('a TLS 1.2 client with WeChat’s suites (ECDHE with AES-GCM) connects', async () => {
  expect(
    await handshake({
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256',
      maxVersion: 'TLSv1.2',
    }),
  ).toBe('TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256')
})

test('ChaCha20-Poly1305 on TLS 1.2, and TLS 1.3, connect', async () => {
  expect(await handshake({ ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305', maxVersion: 'TLSv1.2' })).toBe(
    'TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305',
  )
  expect(await handshake({})).toMatch(/^TLSv1\.3 TLS_/)
})

test('TLS 1.1 and older are refused', async () => {
  expect(await handshake({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).toMatch(/^refused: /)
})
