import packageJson from '../../package.json'
import { APP_VERSION } from '../../src/services/settings'

// MONITOR: every error report carries APP_VERSION (app-monitor.ts), so a report can be matched to
// the release it came from. It is written out in settings.ts (the bundle does not read
// package.json), and must move with package.json's version.
test("APP_VERSION is package.json's version", () => {
  expect(APP_VERSION).toBe(packageJson.version)
})
