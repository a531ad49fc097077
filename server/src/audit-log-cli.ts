import { join } from 'node:path'
import { verifyAuditChain } from './admin'
import { openDatabase } from './database'
import { readSettings, SettingsError } from './settings'

const USAGE = `Usage:
  npm run audit-log -- verify

Checks the audit log's hash chain in DATA_DIR/server.db (give this command the server's
DATA_DIR): each row carries a hash of the row before it and its own content, so a row changed,
added or taken out breaks the chain there. Exit code 0: it holds; 1: it breaks; 2: usage.
It cannot see rows taken off the end: keep the row count and last hash it prints elsewhere.`

/**
 * `npm run audit-log -- verify`, as a function: what it prints and its exit code (0 the chain
 * holds, 1 it breaks or the settings are wrong, 2 a usage error).
 */
export function runAuditLogCli(
  args: string[],
  env: Record<string, string | undefined> = process.env,
): { exitCode: number; output: string } {
  if (args.length !== 1 || args[0] !== 'verify') return { exitCode: 2, output: USAGE }
  let dataDir: string
  try {
    dataDir = readSettings(env).dataDir
  } catch (error) {
    if (error instanceof SettingsError) return { exitCode: 1, output: error.message }
    throw error
  }
  const db = openDatabase(join(dataDir, 'server.db'))
  try {
    const { rows, lastHash, brokenAt } = verifyAuditChain(db)
    if (brokenAt !== undefined) {
      return {
        exitCode: 1,
        output:
          `Audit log: the chain breaks at row ${brokenAt}: its hash does not match the row ` +
          `before it and its own content (a row changed, or one taken out before it). ` +
          `The ${rows} rows before it hold.`,
      }
    }
    return {
      exitCode: 0,
      output: `Audit log: ${rows} rows, the chain holds. Last hash: ${lastHash}`,
    }
  } finally {
    db.close()
  }
}

if (require.main === module) {
  const { exitCode, output } = runAuditLogCli(process.argv.slice(2))
  if (exitCode === 0) console.log(output)
  else console.error(output)
  process.exit(exitCode)
}
