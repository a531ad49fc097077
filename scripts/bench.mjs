// `npm run bench`: figures, printed. Sizes of the production builds against the bare Taro
// template built in the same run (and their budgets), the H5 first render against the template's
// (scripts/bench-h5-render.ts), the client security core (scripts/bench-security.ts), the
// monitoring module and the kill switch's timing (scripts/bench-monitor.ts), then the
// reference server (server/bench/). Later practices add
// their own figures here. Exits non-zero when a size budget is broken.
// Set BENCH_SKIP_BUILD=1 to measure the app's existing builds (the bare template is always built).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Budgets, as ratios to the bare template built with the same toolchain and config.
 * GOALS: main package 1.24x (the project's decided aim), whole app 1.45x. The launch path needs
 * the sealed consent record and, since MONITOR sends its first report after consent (signing
 * in), the session, so crypto-js's AES and HMAC (about 16 KB), the envelope and the secure store
 * stay in the main package; WeChat can load subpackage code from the main package only through
 * 分包异步化 (require.async), which Taro 4's webpack build does not produce. What brings the main
 * package to about 1.235x is Taro's `baseLevel` of 7 instead of 16 (config/index.ts: 25 KB of
 * base.wxml templates for nesting no page uses); the bare template keeps Taro's default. The
 * whole app measures about 1.48x (the policy's two lists and the keyring lock added to it).
 * CEILINGS: the command fails past 1.32x / 1.53x, so any growth beyond what every practice needs
 * today is caught; raising them is a decision to write down here, with the figure.
 */
const MAIN_PACKAGE_GOAL = 1.24
const MAIN_PACKAGE_BUDGET = 1.32
const WHOLE_APP_GOAL = 1.45
const WHOLE_APP_BUDGET = 1.53
/** WeChat's limits: 2 MB for the main package, 20 MB for the app with its subpackages. */
const MAIN_PACKAGE_LIMIT_BYTES = 2 * 1024 * 1024

const BARE_TEMPLATE = 'scripts/bench-fixtures/bare-template/src'
const BARE_OUTPUT = 'dist-test/bench-bare'

/** Builds `type` (weapp or h5) of the app, or of the bare template into `outputRoot`. */
function build(type, { source, outputRoot } = {}) {
  const started = Date.now()
  const env = { ...process.env, NODE_ENV: 'production' }
  if (source) Object.assign(env, { TARO_SOURCE_ROOT: source, TARO_OUTPUT_ROOT: outputRoot })
  execFileSync(join(root, 'node_modules', '.bin', 'taro'), ['build', '--type', type], {
    cwd: root,
    stdio: 'ignore',
    env,
  })
  const what = source ? 'bare template' : 'app'
  console.log(`built ${what} (${type}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

/** Every file under `dir` with its size in bytes (what WeChat counts: no folders). */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory()
      ? files(path).map((f) => ({ ...f, path: relative(dir, join(path, f.path)) }))
      : [{ path: entry.name, bytes: statSync(path).size }]
  })
}
const sum = (list) => list.reduce((total, f) => total + f.bytes, 0)

/** A weapp build split the way WeChat downloads it: main package, then each subpackage. */
function packages(dir) {
  const appJson = JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8'))
  const roots = (appJson.subPackages ?? []).map((pkg) => pkg.root)
  const all = files(dir)
  const inRoot = (f, r) => f.path.startsWith(`${r}/`)
  return {
    main: all.filter((f) => !roots.some((r) => inRoot(f, r))),
    subpackages: roots.map((r) => ({ root: r, files: all.filter((f) => inRoot(f, r)) })),
    all,
  }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
const n = (bytes) => bytes.toLocaleString('en-US')
const ratio = (part, whole) => `${(part / whole).toFixed(3)}x`

if (process.env.BENCH_SKIP_BUILD !== '1') {
  build('weapp')
  build('h5')
}
rmSync(join(root, BARE_OUTPUT), { recursive: true, force: true })
build('weapp', { source: BARE_TEMPLATE, outputRoot: `${BARE_OUTPUT}/weapp` })
build('h5', { source: BARE_TEMPLATE, outputRoot: `${BARE_OUTPUT}/h5` })

const bare = sum(files(join(root, BARE_OUTPUT, 'weapp')))
const weapp = packages(join(root, 'dist'))
const mainBytes = sum(weapp.main)
const totalBytes = sum(weapp.all)
const failures = []
const against = (label, bytes, budget) => {
  const within = bytes <= budget * bare
  if (!within)
    failures.push(`${label} is ${ratio(bytes, bare)} the bare template (budget ${budget}x)`)
  return `${ratio(bytes, bare)} (budget ${budget}x: ${within ? 'within' : 'OVER'})`
}

console.log('\nweapp package (dist/), sums of file bytes, against the bare Taro template built now')
console.log(`  bare template         ${n(bare).padStart(9)} bytes (${kb(bare)})`)
console.log(
  `  main package          ${n(mainBytes).padStart(9)} bytes ${against('the main package', mainBytes, MAIN_PACKAGE_BUDGET)}; ${((mainBytes / MAIN_PACKAGE_LIMIT_BYTES) * 100).toFixed(1)}% of WeChat's 2 MB`,
)
console.log(
  `                        goal ${MAIN_PACKAGE_GOAL}x: ${mainBytes <= MAIN_PACKAGE_GOAL * bare ? 'met' : `NOT met (${n(Math.ceil(mainBytes - MAIN_PACKAGE_GOAL * bare))} bytes over)`}`,
)
for (const pkg of weapp.subpackages) {
  const bytes = sum(pkg.files)
  console.log(
    `  subpackage ${pkg.root.padEnd(10)} ${n(bytes).padStart(9)} bytes (${kb(bytes)}), ${pkg.files.length} files`,
  )
}
console.log(
  `  whole app             ${n(totalBytes).padStart(9)} bytes ${against('the whole app', totalBytes, WHOLE_APP_BUDGET)}`,
)
console.log(
  `                        goal ${WHOLE_APP_GOAL}x: ${totalBytes <= WHOLE_APP_GOAL * bare ? 'met' : `NOT met (${n(Math.ceil(totalBytes - WHOLE_APP_GOAL * bare))} bytes over)`}`,
)
console.log('  largest files of the main package')
for (const file of [...weapp.main].sort((a, b) => b.bytes - a.bytes).slice(0, 4))
  console.log(`    ${file.path.padEnd(20)} ${n(file.bytes).padStart(9)} bytes`)

const h5 = files(join(root, 'dist-h5'))
const bareH5 = files(join(root, BARE_OUTPUT, 'h5'))
const js = (list) => sum(list.filter((f) => f.path.endsWith('.js')))
console.log('\nH5 build (dist-h5/)')
console.log(
  `  total                 ${n(sum(h5)).padStart(9)} bytes, ${ratio(sum(h5), sum(bareH5))} the bare template's ${n(sum(bareH5))}`,
)
console.log(
  `  JavaScript            ${n(js(h5)).padStart(9)} bytes, ${ratio(js(h5), js(bareH5))} the bare template's ${n(js(bareH5))}`,
)

// The H5 first render: weather on screen against the bare template's text, CPU throttled 4x.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench-h5-render.ts'], {
  cwd: root,
  stdio: 'inherit',
})

// The client security core: its bytes (bundled alone) and the cost of sealing.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench-security.ts'], {
  cwd: root,
  stdio: 'inherit',
})

// MONITOR and INCIDENT: the monitoring module's bytes (budget 9 KB: it fails past it), reports
// captured per second, and the kill switch's time to the maintenance page (browser journey).
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench-monitor.ts'], {
  cwd: root,
  stdio: 'inherit',
})

// The reference server: signed requests against a bare handler, and error-report intake.
execFileSync(process.execPath, ['--import', 'tsx', 'server/bench/bench-server.ts'], {
  cwd: root,
  stdio: 'inherit',
})

if (mainBytes > MAIN_PACKAGE_LIMIT_BYTES) failures.push("the main package is over WeChat's 2 MB")
if (failures.length) {
  console.error(`\nSize budget broken: ${failures.join('; ')}.`)
  process.exit(1)
}
