import { existsSync, readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { StatusResponse } from '../../src/services/api-contract'
import { ADMIN_ROUTES } from './routes/admin'
import { DEV_ADMIN_PASSWORD_FILE } from './secrets'
import { readSettings, SettingsError, type Settings } from './settings'

const USAGE = `Usage:
  npm run incident -- start --message "系统维护中，请稍后再试" [--retry-after 300]
  npm run incident -- end
  npm run incident -- status

Talks to the running server (same PORT, HOST and DATA_DIR settings as npm run server).
In development it signs in with the admin password made on first start in DATA_DIR;
in production set ADMIN_PASSWORD in the environment of this command only.`

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
    const { incident } = res.body as { incident: { id: string; startedAt: string } }
    print(`Incident ${incident.id} opened at ${incident.startedAt}. Apps show maintenance now.`)
    return
  }

  const res = await api('POST', ADMIN_ROUTES.endIncident, undefined, token)
  if (res.status !== 200) throw new CliError(`Could not end the incident: ${errorText(res.body)}`)
  const { incident } = res.body as { incident: { id: string; endedAt: string } }
  print(`Incident ${incident.id} ended at ${incident.endedAt}. Apps return to normal.`)
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
            error.code === 'ECONNREFUSED'
              ? `No server answers on https://${host}:${settings.port}. Start it with npm run server (or npm start).`
              : `Could not reach https://${host}:${settings.port}: ${error.message}`,
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
