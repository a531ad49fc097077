// Part of `npm run bench`: the client security core's cost in bytes and time.
// - Bytes: src/security's app-side modules (sealed storage, random source, HTTPS client, signing)
//   bundled and minified with esbuild as one unit, crypto-js included and @tarojs/taro left out,
//   so the figure is the same on every machine and independent of webpack's chunking.
// - Time: seal+open round trips of a 1 KB value against JSON stringify+parse of the same value,
//   alternating rounds, medians printed (this VM stalls now and then; see docs/testing.md). Goal:
//   sealing at most 30x the JSON round trip. Beside it, a launch: a new store over an in-memory
//   storage with a keyring and 5 sealed items sweeps them all and then reads the session, as the
//   app does at start (app.ts, services/session.ts), against the same JSON round trip.
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { deriveKeys, open, seal } from '../src/security/secure-storage/envelope'
import { SecureStore } from '../src/security/secure-storage/secure-store'
import { createMemoryStorage } from '../test/unit/security/memory-storage'
import { minifiedBytes } from './bench-bundle'

const root = resolve(__dirname, '..')
const SECURITY_CORE_GOAL_BYTES = 30 * 1024
/** Sealing (seal + open) may cost at most this many JSON round trips of the same value. */
const SEALING_GOAL_RATIO = 30
const n = (value: number) => Math.round(value).toLocaleString('en-US')

async function sizes() {
  // The core: sealed storage, the random source, the HTTPS client and signing. The practices
  // built on it (kill switch, monitor, sensitive-data helpers) are measured on their own.
  const dir = join(root, 'src', 'security')
  const core = ['secure-storage', 'secure-random', 'transport', 'app-error.ts']
  const modules = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && core.some((part) => file.startsWith(part)))
    .map((file) => `./src/security/${file.replace(/\\/g, '/').replace(/\.ts$/, '')}`)
  const everything = modules.map((path, i) => `export * as m${i} from '${path}'`).join('\n')
  const cryptoJs = ['aes', 'core', 'enc-base64', 'enc-hex', 'enc-utf8', 'hmac-sha256', 'sha256']
    .map((name, i) => `export { default as c${i} } from 'crypto-js/${name}'`)
    .join('\n')
  const total = await minifiedBytes(everything)
  const library = await minifiedBytes(cryptoJs)
  console.log(
    '\nclient security core (storage, random, transport: minified with esbuild, crypto-js included)',
  )
  console.log(
    `  total                 ${n(total)} bytes (${(total / 1024).toFixed(1)} KB), ${modules.length} modules`,
  )
  console.log(`    crypto-js           ${n(library)} bytes (its entry points src/security loads)`)
  console.log(`    the app's own code  ${n(total - library)} bytes`)
  console.log(
    `  goal < ${n(SECURITY_CORE_GOAL_BYTES)} bytes: ${total < SECURITY_CORE_GOAL_BYTES ? 'met' : `NOT met (+${n(total - SECURITY_CORE_GOAL_BYTES)})`}`,
  )
}

function perSecond(run: () => void, ms: number): number {
  let count = 0
  const started = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < 20; i++) run()
    count += 20
    elapsed = performance.now() - started
  }
  return (count / elapsed) * 1000
}

async function perSecondAsync(run: () => Promise<void>, ms: number): Promise<number> {
  let count = 0
  const started = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    await run()
    count++
    elapsed = performance.now() - started
  }
  return (count / elapsed) * 1000
}

const LAUNCH_ITEMS = ['profile', 'settings', 'consent', 'city'] // besides the session
const SMALL_ITEM_BYTES = 256

/**
 * A device's storage after some use (keyring, the 1 KB session and 4 small items), and a launch
 * over it: a new SecureStore (so the keyring is read and the keys derived anew), the sweep that
 * opens every item, then reading the session.
 */
async function launchOver(session: string): Promise<() => Promise<void>> {
  const memory = createMemoryStorage()
  const newStore = () =>
    new SecureStore({
      storage: memory.port,
      randomBytes: async (length) => new Uint8Array(randomBytes(length)),
      now: () => Date.now(),
    })
  const first = newStore()
  const ttlMs = 3_600_000
  await first.set('session', session, { ttlMs })
  for (const name of LAUNCH_ITEMS) {
    // {"name":"…","note":"xxx…"}, SMALL_ITEM_BYTES long
    const note = 'x'.repeat(SMALL_ITEM_BYTES - 21 - name.length)
    await first.set(name, JSON.stringify({ name, note }), { ttlMs })
  }
  return async () => {
    const store = newStore()
    const swept = await store.sweep()
    if (swept.kept !== LAUNCH_ITEMS.length + 1 || (await store.get('session')) !== session) {
      throw new Error('launch broke')
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function speed() {
  const keys = deriveKeys('0a1b2c3d', randomBytes(32).toString('hex'))
  // 1,024 bytes of JSON, the shape of a stored session.
  const filler = 'x'.repeat(1024)
  const value = JSON.stringify({ token: 'A'.repeat(43), note: filler }).slice(0, 1022) + '"}'
  const ivs = Array.from({ length: 256 }, () => new Uint8Array(randomBytes(16)))
  const expiresAt = Date.now() + 3_600_000
  let i = 0
  const sealOpen = () => {
    const envelope = seal(value, keys, { name: 'bench', expiresAt, iv: ivs[i++ % ivs.length] })
    if (open(envelope, keys, { name: 'bench', now: Date.now() }) !== value)
      throw new Error('round trip broke')
  }
  const json = () => {
    if (JSON.parse(JSON.stringify({ value })).value !== value) throw new Error('round trip broke')
  }
  const launch = await launchOver(value)
  const sealed: number[] = []
  const plain: number[] = []
  const launches: number[] = []
  for (let round = 0; round < 3; round++) {
    sealed.push(perSecond(sealOpen, 1500))
    plain.push(perSecond(json, 1500))
    launches.push(await perSecondAsync(launch, 1500))
  }
  const s = median(sealed)
  const p = median(plain)
  const l = median(launches)
  const ratio = p / s
  console.log(
    `\nsealed storage, ${Buffer.byteLength(value)}-byte value (median of 3 alternating 1.5 s rounds)`,
  )
  console.log(`  seal + open           ${n(s)} round trips/s (${(1000 / s).toFixed(3)} ms each)`)
  console.log(`  JSON stringify+parse  ${n(p)} round trips/s (${(1000 / p).toFixed(4)} ms each)`)
  console.log(`  sealing costs         ${ratio.toFixed(0)}x a plain JSON round trip`)
  console.log(
    `  goal <= ${SEALING_GOAL_RATIO}x: ${ratio <= SEALING_GOAL_RATIO ? 'goal met' : `NOT met (${(ratio / SEALING_GOAL_RATIO).toFixed(1)}x the goal)`}`,
  )
  console.log(
    `  a launch              ${n(l)}/s (${(1000 / l).toFixed(3)} ms each): new store, keyring, sweep of`,
  )
  console.log(
    `                        5 items (the session, ${LAUNCH_ITEMS.length} of ${SMALL_ITEM_BYTES} bytes), the session read`,
  )
  console.log(`  a launch costs        ${(p / l).toFixed(0)}x a plain JSON round trip`)
}

sizes()
  .then(speed)
  .catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
