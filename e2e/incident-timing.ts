import { join } from 'node:path'

/**
 * Where the browser journey (incident-and-monitor.e2e.ts) leaves the time from `incident start`
 * to the maintenance page, for `npm run bench` to print (test-results/ is git-ignored).
 */
export const INCIDENT_TIMING_FILE = join(
  __dirname,
  '..',
  'test-results',
  'bench',
  'incident-to-maintenance.json',
)
