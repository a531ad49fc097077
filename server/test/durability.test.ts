import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openDatabase } from '../src/database'
import { runIncidentCli } from '../src/incident-cli'
import { createTestClient } from './test-server'

/**
 * What the server acknowledged survives the process being killed without warning: the real
 * `npm run server` entry point in a child process, killed with SIGKILL, started again.
 */
const REPO = resolve(__dirname, '..', '..')
const dataDir = mkdtempSync(join(tmpdir(), 'anxin-durability-'))
let child: ChildProcess | undefined

afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
}

/** Start `tsx server/src/main.ts` and wait for its "listening" line. */
async function startServerProcess(port: number): Promise<ChildProcess> {
  // `node --import tsx`: one process, so SIGKILL hits the server itself (the tsx command would
  // run it in a child that survives its parent).
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      MONITOR_REPORTS_PER_USER_PER_MINUTE: '1000000',
      MONITOR_REPORTS_PER_ADDRESS_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Reference API listening')) {
        clearTimeout(timer)
        ready()
      }
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', onData)
    proc.on('exit', (code) => fail(new Error(`server exited (${code}):\n${output}`)))
  })
  return proc
}

async function killHard(proc: ChildProcess): Promise<void> {
  const exited = new Promise((done) => proc.once('exit', done))
  proc.kill('SIGKILL')
  await exited
}

test('an open incident and every acknowledged report survive SIGKILL', async () => {
  const port = await freePort()
  child = await startServerProcess(port)
  const client = createTestClient({
    port,
    ca: readFileSync(join(dataDir, 'tls', 'dev-cert.pem'), 'utf8'),
  })

  const env = { DATA_DIR: dataDir, PORT: String(port) }
  await runIncidentCli(['start', '--message', '断电演练'], env, () => undefined)
  const { incidentId } = (await client.request('/v1/status')).body as { incidentId: string }

  const session = await client.signInAgreed('code-durable')
  let acknowledged = 0
  for (let batch = 0; batch < 10; batch++) {
    const reports = Array.from({ length: 20 }, (_, i) => ({
      kind: 'error',
      message: `batch ${batch} report ${i}`,
      occurredAt: '2026-11-25T06:00:00.000Z',
    }))
    const res = await client.signed(session, '/v1/monitor/errors', {
      method: 'POST',
      body: JSON.stringify({ reports }),
    })
    expect(res.status).toBe(202)
    acknowledged += (res.body as { accepted: number }).accepted
  }
  // No graceful shutdown: the process dies straight after the last acknowledgement.
  await killHard(child)

  child = await startServerProcess(port)
  const status = (await client.request('/v1/status')).body
  expect(status).toMatchObject({ maintenance: true, incidentId, message: '断电演练' })

  const db = openDatabase(join(dataDir, 'server.db'))
  try {
    const stored = db.prepare('SELECT count(*) AS n FROM error_reports').get() as { n: number }
    expect(acknowledged).toBe(200)
    expect(stored.n).toBe(acknowledged)
  } finally {
    db.close()
  }
  await killHard(child)
  child = undefined
}, 120_000)
