import { hashAdminPassword } from './admin-password'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Settings } from './settings'

export interface ServerSecrets {
  /** Keys openid hashes and session signing keys. Never logged, never stored in the database. */
  serverSecret: Buffer
  /** bcrypt hash the admin password is checked against. */
  adminPasswordHash: string
  /** Development only: the file holding the generated admin password (for `npm run incident`). */
  devAdminPasswordFile: string | undefined
}

/** Name of the development admin password file inside the data folder. */
export const DEV_ADMIN_PASSWORD_FILE = 'dev-admin-password'
const DEV_SERVER_SECRET_FILE = 'dev-server-secret'

/**
 * The server's secrets. Production passes them in the environment (settings refuse to start
 * without them). In development they are made on first start inside the data folder, readable
 * only by the owner, so a newcomer needs no set-up and `npm run incident` can sign in.
 */
export function loadSecrets(settings: Settings): ServerSecrets {
  const serverSecret = settings.serverSecret
    ? Buffer.from(settings.serverSecret, 'utf8')
    : Buffer.from(readOrCreate(settings.dataDir, DEV_SERVER_SECRET_FILE), 'utf8')

  if (settings.adminPasswordHash) {
    return {
      serverSecret,
      adminPasswordHash: settings.adminPasswordHash,
      devAdminPasswordFile: undefined,
    }
  }
  const password = readOrCreate(settings.dataDir, DEV_ADMIN_PASSWORD_FILE)
  return {
    serverSecret,
    // Cost 10 here keeps start-up quick; production hashes are made with 12 (see server/README.md).
    adminPasswordHash: hashAdminPassword(password, 10),
    devAdminPasswordFile: join(settings.dataDir, DEV_ADMIN_PASSWORD_FILE),
  }
}

/** A random secret kept in `dir/name` (mode 0600), made the first time it is asked for. */
function readOrCreate(dir: string, name: string): string {
  const file = join(dir, name)
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' })
  }
  return readFileSync(file, 'utf8').trim()
}
