// Part of `npm run bench`: MONITOR and INCIDENT.
// - Bytes: the monitoring module (src/security/monitor with the scrubber it uses), minified with
//   esbuild as one unit, for the syntax the weapp build ships. Budget: 9 KB (Tencent's aegis-mp-sdk is 92,657 bytes minified). Past it
//   this script exits non-zero, and so does the benchmark.
// - Speed: reports captured per second: an error with personal data in its message and a
//   10-frame stack is normalised, scrubbed, cut, fingerprinted and queued (consent not given yet,
//   so nothing is sent), against a JSON round trip of the same error in the same run.
// - The time from `incident start` to the maintenance page, as the browser journey measured it
//   (e2e/incident-and-monitor.e2e.ts writes it; run `npm run test:e2e` first).
import { existsSync, readFileSync } from 'node:fs'
import { createMonitor } from '../src/security/monitor'
import { INCIDENT_TIMING_FILE } from '../e2e/incident-timing'
import { minifiedBytes } from './bench-bundle'

const MONITOR_BUDGET_BYTES = 9 * 1024
const AEGIS_MP_SDK_BYTES = 92_657
const n = (value: number) => Math.round(value).toLocaleString('en-US')

async function size(): Promise<boolean> {
  // es2020: the syntax the weapp build ships (see bench-bundle.ts).
  const bytes = await minifiedBytes("export * from './src/security/monitor'", 'es2020')
  console.log(
    '\nmonitoring module (src/security/monitor + the scrubber, esbuild, es2020 as the build)',
  )
  console.log(
    `  total                 ${n(bytes)} bytes (${(bytes / 1024).toFixed(1)} KB); aegis-mp-sdk: ${n(AEGIS_MP_SDK_BYTES)}`,
  )
  const within = bytes <= MONITOR_BUDGET_BYTES
  console.log(
    `  budget <= ${n(MONITOR_BUDGET_BYTES)} bytes: ${within ? 'met' : `BROKEN (+${n(bytes - MONITOR_BUDGET_BYTES)})`}`,
  )
  return within
}

/** One error as a handler receives it: a message with a phone number, a 10-frame stack. */
function sampleError(i: number): Error {
  const error = new TypeError(`cannot read 'temperature' of undefined for 1381234${i % 10000}`)
  error.stack = [
    `TypeError: ${error.message}`,
    ...Array.from({ length: 10 }, (_, f) => `    at fn${f} (app-service.js:${i % 97}:${f * 13})`),
  ].join('\n')
  return error
}

function perSecond(run: (i: number) => void, ms: number): number {
  let count = 0
  const started = performance.now()
  while (performance.now() - started < ms) {
    for (let i = 0; i < 20; i++) run(count++)
  }
  return (count / (performance.now() - started)) * 1000
}

function speed() {
  const monitor = createMonitor({
    load: () => undefined,
    save: () => undefined,
    consent: () => 'unknown',
    send: () => Promise.reject(new Error('not sent in the benchmark')),
    now: () => Date.now(),
    setTimer: () => undefined,
    clearTimer: () => undefined,
    context: () => ({ page: 'pages/home/index', appVersion: '0.1.0', platform: 'ios' }),
  })
  const errors = Array.from({ length: 64 }, (_, i) => sampleError(i))
  const captured: number[] = []
  const plain: number[] = []
  for (let round = 0; round < 3; round++) {
    captured.push(perSecond((i) => monitor.capture('error', errors[i % errors.length]), 1000))
    plain.push(
      perSecond((i) => {
        const error = errors[i % errors.length]
        JSON.parse(JSON.stringify({ message: error.message, stack: error.stack }))
      }, 1000),
    )
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]
  const c = median(captured)
  const p = median(plain)
  console.log(`  captures              ${n(c)} reports/s captured, scrubbed and queued`)
  console.log(
    `                        (${(1000 / c).toFixed(3)} ms each, ${(p / c).toFixed(0)}x a JSON round trip of the same`,
  )
  console.log('                        error; medians of 3 alternating 1 s rounds)')
  if (monitor.selfErrors) throw new Error(`the monitor failed ${monitor.selfErrors} times`)
}

function incidentTiming() {
  console.log('\nkill switch (INCIDENT), from the browser journey')
  if (!existsSync(INCIDENT_TIMING_FILE)) {
    console.log('  incident start -> maintenance page: not measured (run npm run test:e2e first)')
    return
  }
  const { toMaintenanceMs, at } = JSON.parse(readFileSync(INCIDENT_TIMING_FILE, 'utf8')) as {
    toMaintenanceMs: number
    at: string
  }
  console.log(
    `  incident start -> maintenance page: ${(toMaintenanceMs / 1000).toFixed(1)} s (measured ${at};`,
  )
  console.log('                        the app on home sending nothing: its 15-30 s status watch)')
}

size()
  .then((within) => {
    speed()
    incidentTiming()
    if (!within) process.exit(1)
  })
  .catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
