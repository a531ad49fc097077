import { existsSync, readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { StatusResponse } from '../../src/services/api-contract'
import { POLL_MAX_MS, WATCH_MS } from '../../src/security/kill-switch/kill-switch'
import { ADMIN_ROUTES } from './routes/admin'
import { DEV_ADMIN_PASSWORD_FILE } from './secrets'
import { readSettings, SettingsError, type Settings } from './settings'

const USAGE = `Usage:
  npm run incident -- start --message "系统维护中，请稍后再试" [--retry-after 300]
  npm run incident -- end
  npm run incident -- status

Talks to the running server at https://HOST:PORT (default https://127.0.0.1:8443): give this
command the same PORT, HOST and DATA_DIR as the server, e.g. PORT=8444 npm run incident -- status.
In development it signs in with the admin password made on first start in DATA_DIR;
in production set ADMIN_PASSWORD in the environment of this command only.
--retry-after: your estimate in seconds (10-86400) of how long it lasts; apps show "预计 … 恢复".`

/**
 * What an opened incident does, and when: said to the operator, who must not be told "now" for
 * what takes up to WATCH_MS (src/security/kill-switch/kill-switch.ts; docs/incident-response.md).
 */
export const INCIDENT_TIMING = [
  'Every API request from now on is refused with the maintenance answer.',
  'Apps launched or brought back to the foreground open the maintenance page at their first status check.',
  `Apps already open switch at their next request or status check: within ${WATCH_MS / 1000} s.`,
]

/** What ending an incident does, and when (apps on the maintenance page poll with backoff). */
export const END_TIMING = [
  'API requests are answered normally from now on; apps launched from now on open as usual.',
  `Apps on the maintenance page go home at their next status check: within ${POLL_MAX_MS / 60_000} min ` +
    '(the first check comes within 5 s, then they back off), or at once when the user taps 重试.',
]

/** A failure the operator can act on: printed without a stack trace. */
class CliError extends Error {}

/**
 * `npm run incident`: the operator's kill switch. Opening an incident puts every running app on
 * its maintenance screen (the app polls GET /v1/status and watches the x-maintenance header);
 * ending it lets them back. Every call is in the server's audit log.
 */
export async function runIncidentCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  print: (line: string) => void = console.log,
): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      message: { type: 'string' },
      'retry-after': { type: 'string' },
      help: { type: 'boolean' },
    },
  })
  const [command] = positionals
  if (values.help || !command || !['start', 'end', 'status'].includes(command)) {
    throw new CliError(USAGE)
  }
  const settings = readSettings(env)
  const api = apiFor(settings)

  if (command === 'status') {
    const status = (await api('GET', '/v1/status')).body as StatusResponse
    print(
      status.maintenance
        ? `Maintenance ON since ${status.since} (${status.incidentId}): ${status.message}`
        : 'Maintenance off: no open incident.',
    )
    return
  }

  const password = env.ADMIN_PASSWORD ?? devPassword(settings)
  const login = await api('POST', ADMIN_ROUTES.login, { password })
  if (login.status !== 200) throw new CliError(`Admin sign-in refused: ${errorText(login.body)}`)
  const token = (login.body as { token: string }).token

  if (command === 'start') {
    if (!values.message?.trim()) throw new CliError('start needs --message "text users will see"')
    const retryAfter = values['retry-after']
    const res = await api(
      'POST',
      ADMIN_ROUTES.incidents,
      {
        message: values.message,
        ...(retryAfter !== undefined ? { retryAfterSeconds: Number(retryAfter) } : {}),
      },
      token,
    )
    if (res.status !== 201)
      throw new CliError(`Could not open the incident: ${errorText(res.body)}`)
    const { incident } = res.body as {
      incident: { id: string; startedAt: string; expectedEndAt?: string }
    }
    print(`Incident ${incident.id} opened at ${incident.startedAt}.`)
    for (const line of INCIDENT_TIMING) print(`  - ${line}`)
    if (incident.expectedEndAt) print(`  - Users see the expected end: ${incident.expectedEndAt}.`)
    return
  }

  const res = await api('POST', ADMIN_ROUTES.endIncident, undefined, token)
  if (res.status !== 200) throw new CliError(`Could not end the incident: ${errorText(res.body)}`)
  const { incident } = res.body as { incident: { id: string; endedAt: string } }
  print(`Incident ${incident.id} ended at ${incident.endedAt}.`)
  for (const line of END_TIMING) print(`  - ${line}`)
}

function devPassword(settings: Settings): string {
  const file = join(settings.dataDir, DEV_ADMIN_PASSWORD_FILE)
  if (settings.adminPasswordHash || !existsSync(file)) {
    throw new CliError(
      `No admin password: set ADMIN_PASSWORD, or start the development server once so it makes ${file}.`,
    )
  }
  return readFileSync(file, 'utf8').trim()
}

type Api = (
  method: string,
  path: string,
  body?: unknown,
  token?: string,
) => Promise<{ status: number; body: unknown }>

/** HTTPS to the server, trusting its development certificate (or the system's CAs in production). */
function apiFor(settings: Settings): Api {
  const host = settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host
  const devCert = join(settings.dataDir, 'tls', 'dev-cert.pem')
  const ca = !settings.tls && existsSync(devCert) ? readFileSync(devCert, 'utf8') : undefined
  return (method, path, body, token) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const req = httpsRequest(
        {
          host,
          port: settings.port,
          path,
          method,
          ca,
          servername: host === '127.0.0.1' ? undefined : host,
          headers: {
            ...(payload ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) })
            } catch {
              resolve({ status: res.statusCode ?? 0, body: text })
            }
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          new CliError(
            (error.code === 'ECONNREFUSED'
              ? `No server answers on https://${host}:${settings.port}. Start it with npm run server (or npm start).`
              : `Could not reach https://${host}:${settings.port}: ${error.message}`) +
              `\nThis command tries PORT=${settings.port} and HOST=${settings.host} (from the environment,` +
              ' else the defaults): run it with the PORT and HOST the server uses, e.g.' +
              ' PORT=8444 npm run incident -- status',
          ),
        )
      })
      if (payload) req.write(payload)
      req.end()
    })
}

function errorText(body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error
  return error ? `${error.code}: ${error.message}` : String(body)
}

if (require.main === module) {
  runIncidentCli(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof CliError || error instanceof SettingsError) console.error(error.message)
    else console.error('incident:', error instanceof Error ? error.message : error)
    process.exit(error instanceof CliError && error.message === USAGE ? 2 : 1)
  })
}
