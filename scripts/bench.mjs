// `npm run bench`: figures, printed. Sizes of the production builds against their budgets, the
// client security core (scripts/bench-security.ts), then the reference server's throughput
// (server/bench/). Later practices add their own figures here.
// Set BENCH_SKIP_BUILD=1 to measure existing builds.
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Bare Taro 4.2.1 React template (hello-world page), production weapp build: ../shared/toolchain.md */
const BARE_TEMPLATE_WEAPP_BYTES = 297_177
/** The same build just before the client security core (STORAGE, TRANSPORT) landed, commit c3e2e9b. */
const BEFORE_SECURITY_CORE_WEAPP_BYTES = 316_946
/** WeChat's limit for the main package. */
const MAIN_PACKAGE_LIMIT_BYTES = 2 * 1024 * 1024

function build(type) {
  if (process.env.BENCH_SKIP_BUILD === '1') return
  const started = Date.now()
  execFileSync(join(root, 'node_modules', '.bin', 'taro'), ['build', '--type', type], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  console.log(`built ${type} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory()
      ? files(path)
      : [{ path: relative(dir, path), bytes: statSync(path).size }]
  })
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
const n = (bytes) => bytes.toLocaleString('en-US')
const pct = (part, whole) => `${((part / whole) * 100).toFixed(1)}%`

build('weapp')
build('h5')

const weapp = files(join(root, 'dist'))
const weappTotal = weapp.reduce((sum, f) => sum + f.bytes, 0)
const largest = [...weapp].sort((a, b) => b.bytes - a.bytes).slice(0, 3)
const delta = weappTotal - BARE_TEMPLATE_WEAPP_BYTES

console.log('\nweapp package (dist/)')
console.log(
  `  total                 ${n(weappTotal)} bytes (${kb(weappTotal)}), ${weapp.length} files`,
)
console.log(
  `  bare Taro template    ${n(BARE_TEMPLATE_WEAPP_BYTES)} bytes: ${delta >= 0 ? '+' : ''}${n(delta)} bytes (${kb(delta)})`,
)
const sinceCore = weappTotal - BEFORE_SECURITY_CORE_WEAPP_BYTES
console.log(
  `  before security core  ${n(BEFORE_SECURITY_CORE_WEAPP_BYTES)} bytes: ${sinceCore >= 0 ? '+' : ''}${n(sinceCore)} bytes (${kb(sinceCore)}; crypto-js, src/security, the session service and the privacy center's sign-in)`,
)
console.log(
  `  main-package limit    ${n(MAIN_PACKAGE_LIMIT_BYTES)} bytes: ${pct(weappTotal, MAIN_PACKAGE_LIMIT_BYTES)} used`,
)
console.log('  largest files')
for (const file of largest)
  console.log(`    ${file.path.padEnd(20)} ${n(file.bytes).padStart(9)} bytes`)

const h5 = files(join(root, 'dist-h5'))
const h5Total = h5.reduce((sum, f) => sum + f.bytes, 0)
const h5Js = h5.filter((f) => f.path.endsWith('.js')).reduce((sum, f) => sum + f.bytes, 0)
console.log('\nH5 build (dist-h5/)')
console.log(`  total                 ${n(h5Total)} bytes (${kb(h5Total)}), ${h5.length} files`)
console.log(`  JavaScript            ${n(h5Js)} bytes (${kb(h5Js)})`)

// The client security core: its bytes (bundled alone) and the cost of sealing.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench-security.ts'], {
  cwd: root,
  stdio: 'inherit',
})

// The reference server: signed requests against a bare handler, and error-report intake.
execFileSync(process.execPath, ['--import', 'tsx', 'server/bench/bench-server.ts'], {
  cwd: root,
  stdio: 'inherit',
})

if (weappTotal > MAIN_PACKAGE_LIMIT_BYTES) {
  console.error("\nThe weapp main package is over WeChat's 2 MB limit.")
  process.exit(1)
}
