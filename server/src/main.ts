import { join } from 'node:path'
import { buildApp } from './app'
import { openDatabase } from './database'
import { readSettings, SettingsError } from './settings'
import { loadTls } from './tls'

/** `npm run server`: read settings, make what is missing (certificate, database), listen on HTTPS. */
async function main(): Promise<void> {
  const settings = readSettings()
  const tls = await loadTls(settings)
  const db = openDatabase(join(settings.dataDir, 'server.db'))
  const app = await buildApp({ settings, db, https: tls })

  const stop = async () => {
    await app.close()
    db.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  await app.listen({ host: settings.host, port: settings.port })
  const url = `https://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${settings.port}`
  console.log(`Reference API listening on ${url} (data in ${settings.dataDir})`)
  if (tls.selfSigned) {
    console.log('Using a self-signed development certificate: accept it once in your browser.')
  }
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) console.error(error.message)
  else console.error('The server could not start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
