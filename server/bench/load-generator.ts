import { createHash, createHmac, randomBytes } from 'node:crypto'
import { connect, type TLSSocket } from 'node:tls'
import { SIGNING_HEADERS, stringToSign } from '../../src/security/transport/request-signing'

/**
 * The load generator of `server/bench/bench-server.ts`, run as its own child process so that its
 * CPU is never the server's and the orchestrator's bookkeeping never slows it down.
 *
 * Why not autocannon in the orchestrator: it signed every request while it drove the load, on
 * the same cores, so the signed rounds measured the client (a CPU profile of the full server
 * showed it about 40% idle). Here every request of a round is built, and signed, before the
 * round starts: a pool of ready-made HTTP/1.1 request buffers, each with its own nonce. During
 * the round, sending a signed request costs exactly what sending an unsigned one does: write a
 * buffer, read the answer's head, skip `content-length` bytes (no HTTP library: one request in
 * flight per connection, as autocannon's default, and the server always sends a length).
 *
 * Protocol (IPC messages from the parent):
 *   { type: 'prepare', port, ca, connections, request, poolSize, seconds } -> { type: 'prepared' }
 *     builds the pool (signing it when `request.session` is given) and opens the keep-alive
 *     TLS connections, so neither signing nor TLS handshakes fall inside the measured round;
 *   { type: 'run', seconds }                                        -> { type: 'result', ... }
 *     each connection sends one request, waits for its answer, sends the next, until the time is
 *     up (or a signed pool runs out: the round then ends early and says so); then the
 *     connections are closed.
 * The generator exits when its parent goes away (IPC disconnect), whatever the reason.
 */

export interface RequestSpec {
  method: 'GET' | 'POST'
  path: string
  body?: string
  /** Sign every request of the pool with this session (docs/request-signing.md). */
  session?: { token: string; signingKey: string }
}

export interface PrepareMessage {
  type: 'prepare'
  port: number
  ca: string
  connections: number
  request: RequestSpec
  /** Distinct signed requests to build (ignored for unsigned ones: one buffer is reused). */
  poolSize: number
  /** Length of the round the pool is for. */
  seconds: number
}

export interface RunMessage {
  type: 'run'
  seconds: number
}

export interface RoundResult {
  type: 'result'
  /** Answers received, by class. */
  ok: number
  notOk: number
  /** Connection-level failures (reset, unparsable answer). */
  errors: number
  /** First status other than 2xx, to say what went wrong. */
  firstNotOkStatus?: number
  elapsedMs: number
  /** The signed pool ran out before the time was up. */
  exhausted: boolean
  latencyMs: { p50: number; p99: number }
  /** This process's own CPU over the round, µs (user + system). */
  generatorCpuUs: number
}

export type GeneratorMessage = PrepareMessage | RunMessage

interface Prepared {
  sockets: TLSSocket[]
  pool: Buffer[]
  signed: boolean
}

let prepared: Prepared | undefined

/** One ready-to-send request per pool entry (or one for unsigned requests). */
function buildPool(
  request: RequestSpec,
  port: number,
  poolSize: number,
  seconds: number,
): Buffer[] {
  const body = request.body ?? ''
  const fixed =
    `${request.method} ${request.path} HTTP/1.1\r\n` +
    `host: 127.0.0.1:${port}\r\n` +
    `connection: keep-alive\r\n` +
    (request.body !== undefined
      ? `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
      : '')
  if (!request.session) return [Buffer.from(`${fixed}\r\n${body}`)]

  const key = Buffer.from(request.session.signingKey, 'hex')
  const bodySha256 = createHash('sha256').update(body).digest('hex')
  const authorization = `${SIGNING_HEADERS.authorization}: Bearer ${request.session.token}\r\n`
  const nonces = randomBytes(16 * poolSize).toString('hex')
  // A client signs as it sends, so its timestamps advance with its clock. The pool is signed
  // ahead, so it is given the timestamps such sending would give: from now, a millisecond every
  // `perMs` requests, as if the whole pool went out within the round (a faster clock than the
  // round's real one, well inside the 5 minutes the server accepts).
  const perMs = Math.max(1, Math.ceil(poolSize / (seconds * 1000)))
  const start = Date.now()
  const pool = new Array<Buffer>(poolSize)
  for (let i = 0; i < poolSize; i++) {
    const nonce = nonces.slice(32 * i, 32 * i + 32)
    const timestamp = String(start + Math.floor(i / perMs))
    const signature = createHmac('sha256', key)
      .update(
        stringToSign({
          method: request.method,
          pathWithQuery: request.path,
          timestamp,
          nonce,
          bodySha256,
        }),
      )
      .digest('hex')
    pool[i] = Buffer.from(
      fixed +
        authorization +
        `${SIGNING_HEADERS.timestamp}: ${timestamp}\r\n` +
        `${SIGNING_HEADERS.nonce}: ${nonce}\r\n` +
        `${SIGNING_HEADERS.signature}: ${signature}\r\n\r\n` +
        body,
    )
  }
  return pool
}

function openConnection(port: number, ca: string): Promise<TLSSocket> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      socket.off('error', fail)
      done(socket)
    })
    socket.once('error', fail)
    socket.setNoDelay(true)
  })
}

async function prepare(message: PrepareMessage): Promise<void> {
  const pool = buildPool(message.request, message.port, message.poolSize, message.seconds)
  const sockets = await Promise.all(
    Array.from({ length: message.connections }, () => openConnection(message.port, message.ca)),
  )
  prepared = { sockets, pool, signed: message.request.session !== undefined }
}

const HEAD_END = Buffer.from('\r\n\r\n')

function run(seconds: number): Promise<RoundResult> {
  const { sockets, pool, signed } = prepared!
  prepared = undefined
  const latencies: number[] = []
  let ok = 0
  let notOk = 0
  let errors = 0
  let firstNotOkStatus: number | undefined
  let next = 0
  let exhausted = false
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const deadline = started + seconds * 1000

  return new Promise((done) => {
    let open = sockets.length
    const finish = () => {
      if (--open > 0) return
      const elapsedMs = performance.now() - started
      const cpu = process.cpuUsage(cpuBefore)
      latencies.sort((a, b) => a - b)
      const at = (q: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
      done({
        type: 'result',
        ok,
        notOk,
        errors,
        firstNotOkStatus,
        elapsedMs,
        exhausted,
        latencyMs: { p50: at(0.5), p99: at(0.99) },
        generatorCpuUs: cpu.user + cpu.system,
      })
    }

    for (const socket of sockets) {
      let pending: Buffer | undefined
      let bodyLeft = -1 // -1: reading a head
      let sentAt = 0
      let closed = false
      const close = () => {
        if (closed) return
        closed = true
        socket.destroy()
        finish()
      }
      const send = () => {
        if (performance.now() >= deadline) return close()
        let request: Buffer
        if (signed) {
          if (next >= pool.length) {
            exhausted = true
            return close()
          }
          request = pool[next++]
        } else {
          request = pool[0]
        }
        sentAt = performance.now()
        socket.write(request)
      }
      socket.on('data', (chunk: Buffer) => {
        let data = pending ? Buffer.concat([pending, chunk]) : chunk
        pending = undefined
        while (data.length > 0) {
          if (bodyLeft < 0) {
            const end = data.indexOf(HEAD_END)
            if (end < 0) {
              pending = data
              return
            }
            const head = data.toString('latin1', 0, end)
            const status = Number(head.slice(9, 12))
            const length = /\r\ncontent-length: *(\d+)/i.exec(head)
            if (!length) {
              // Every answer of this server has a length; anything else is a broken round.
              errors++
              return close()
            }
            if (status >= 200 && status < 300) ok++
            else {
              notOk++
              firstNotOkStatus ??= status
            }
            bodyLeft = Number(length[1])
            data = data.subarray(end + 4)
          }
          const take = Math.min(bodyLeft, data.length)
          bodyLeft -= take
          data = data.subarray(take)
          if (bodyLeft === 0) {
            bodyLeft = -1
            latencies.push(performance.now() - sentAt)
            if (data.length > 0) {
              // One request in flight per connection: nothing may follow an answer.
              errors++
              return close()
            }
            send()
          }
        }
      })
      socket.on('error', () => {
        errors++
        close()
      })
      socket.on('close', close)
      send()
    }
  })
}

process.on('message', (message: GeneratorMessage) => {
  const reply = (value: unknown) => process.send!(value)
  const fail = (error: unknown) =>
    reply({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  if (message.type === 'prepare') {
    prepare(message).then(() => reply({ type: 'prepared' }), fail)
  } else if (message.type === 'run') {
    run(message.seconds).then(reply, fail)
  }
})
// The orchestrator is gone (finished, crashed or killed): so is its load.
process.on('disconnect', () => process.exit(0))
process.send!({ type: 'ready' })
