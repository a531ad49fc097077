// `npm start`: the weapp build in watch mode (for WeChat DevTools), the web build in watch mode,
// and the reference API server, which also serves the web build: one https URL where everything
// works. It prints one line per service when it is ready, a banner once everything answers, and
// build errors in full; everything else the tools say is kept back (START_VERBOSE=1 shows it).
// Ctrl+C stops everything it started.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { request } from 'node:https'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const PORT = Number(process.env.PORT ?? 8443)
const URL = `https://127.0.0.1:${PORT}/`
const VERBOSE = process.env.START_VERBOSE === '1'
// The incident command finds the server by PORT as the server does: say it when it is not 8443.
const INCIDENT = PORT === 8443 ? 'npm run incident' : `PORT=${PORT} npm run incident`
// webpack's and Taro's words for a finished and for a failed compilation.
const BUILT = /Compiled successfully|compiled successfully|编译成功/
const FAILED = /Failed to compile|compiled with \d+ errors?|Error:|ERROR|编译失败/

/** Resolves whether something already listens on the port (then starting would fail later). */
function portTaken(port) {
  return new Promise((done) => {
    const probe = createServer()
    probe.once('error', () => done(true))
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(false)))
  })
}

/** GET the preview URL, trusting the development certificate for this check only. */
function answers(url) {
  return new Promise((done) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 3000 }, (res) => {
      res.resume()
      done(res.statusCode === 200)
    })
    req.on('error', () => done(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

const services = {
  weapp: { label: 'WeChat build (dist/)', state: 'starting' },
  h5: { label: 'web build (dist-h5/)', state: 'starting' },
  server: { label: `reference server (${URL})`, state: 'waiting for the web build' },
}
const children = []
let bannerShown = false
let serverStarted = false

function banner() {
  console.log(`
  安心天气 is running.

  Open in a browser   ${URL}
                      (a self-signed development certificate: accept it once)
  WeChat DevTools     import this folder: ${root}
                      (project.config.json points DevTools at dist/; appid touristappid)
                      For local development only, tick "不校验合法域名、web-view（业务域名）、TLS 版本以及 HTTPS 证书"
                      in DevTools' local settings; a real device always checks them.
  Kill switch         ${INCIDENT} -- start --message "系统维护中"   (and: end, status${
    PORT === 8443 ? '' : `; on Windows run "set PORT=${PORT}" first`
  })

  Builds redo themselves when you save; reload the page to see changes. Ctrl+C stops everything.
`)
}

async function settle(name, state) {
  const service = services[name]
  const was = service.state
  service.state = state
  if (state === 'ready' && was !== 'ready') console.log(`✓ ${service.label} ready`)
  if (state === 'failed' && was !== 'failed') console.log(`✗ ${service.label} failed (above)`)
  if (name === 'h5' && state === 'ready' && !serverStarted) {
    serverStarted = true
    // The server looks for the web build when it starts: wait until the watch has written it.
    const index = join(root, 'dist-h5', 'index.html')
    for (let waited = 0; !existsSync(index) && waited < 60_000; waited += 500) {
      await new Promise((done) => setTimeout(done, 500))
    }
    startServer()
  }
  const allReady = Object.values(services).every((s) => s.state === 'ready')
  if (allReady && (!bannerShown || was === 'failed')) {
    bannerShown = true // set before waiting: other services may settle meanwhile
    // Printed once the page itself answers, not merely when the processes say they are up.
    let answered = false
    for (let attempt = 0; attempt < 30 && !(answered = await answers(URL)); attempt++) {
      await new Promise((done) => setTimeout(done, 1000))
    }
    if (answered) banner()
    else
      console.error(`✗ ${URL} does not answer: START_VERBOSE=1 npm start shows what the tools say.`)
  }
}

function run(name, command, args, env = {}) {
  const childEnv = { ...process.env, FORCE_COLOR: '0', ...env }
  // Taro picks the watch builds' mode (development) itself; a NODE_ENV left in the shell (a test
  // runner sets `test`) would give them the production config instead.
  delete childEnv.NODE_ENV
  const child = spawn(command, args, { cwd: root, env: childEnv })
  children.push({ name, child })
  let failing = false
  // webpack and Taro each report a failed build's error, and the web build's dev server prints it
  // again with its whole stack: a failure is shown until the build says it is watching again
  // (`failed`), each distinct line once; what follows is the same error in other words.
  const shown = new Set()
  const onLine = (raw) => {
    const line = stripVTControlCharacters(raw).trimEnd()
    if (!line) return
    if (VERBOSE) console.log(`[${name}] ${line}`)
    if (name === 'server') {
      if (/Reference API listening/.test(line)) settle('server', 'ready')
      else if (!VERBOSE) console.log(`[server] ${line}`) // the server prints only what matters
      return
    }
    // A compilation ends in success or in failure; an error's lines are shown in full until the
    // next success, which also brings the banner back.
    if (BUILT.test(line)) {
      failing = false
      shown.clear()
      settle(name, 'ready')
      return
    }
    if (FAILED.test(line)) failing = true
    if (failing && !VERBOSE && services[name].state !== 'failed' && !shown.has(line)) {
      shown.add(line)
      console.log(`[${name}] ${line}`)
    }
    if (failing && /^\s*(✖|×)|Failed to compile|编译失败|→ Watching/.test(line)) {
      settle(name, 'failed')
    }
  }
  let pending = ''
  const forward = (chunk) => {
    const lines = (pending + chunk.toString()).split(/\r?\n|\r/)
    pending = lines.pop() ?? ''
    lines.forEach(onLine)
  }
  child.stdout.on('data', forward)
  child.stderr.on('data', forward)
  child.on('exit', (code, signal) => {
    if (stopping) return
    console.error(`[${name}] stopped (${signal ?? `exit code ${code}`}); stopping the rest too.`)
    stop(code || 1)
  })
}

function startServer() {
  // Request logs stay off unless LOG_LEVEL asks for them (LOG_LEVEL=info shows every request).
  run('server', process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  })
}

let stopping = false
/** Stops every child: SIGTERM, then SIGKILL for any still running after 3 s. */
async function stop(code = 0) {
  if (stopping) return
  stopping = true
  const running = children.map(({ child }) => child).filter((child) => child.exitCode === null)
  const exited = running.map((child) => new Promise((done) => child.once('exit', done)))
  for (const child of running) child.kill('SIGTERM')
  await Promise.race([Promise.all(exited), new Promise((done) => setTimeout(done, 3000))])
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL')
  process.exit(code)
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

// A busy port would only show once both builds had emptied their folders: check first.
if (await portTaken(PORT)) {
  console.error(
    `Port ${PORT} is already in use (another npm start or npm run server?). Stop it, or start with PORT=<another port>.`,
  )
  process.exit(1)
}
if (!existsSync(join(root, 'node_modules'))) {
  console.error('Run npm install first.')
  process.exit(1)
}
console.log(
  'Starting: the WeChat build, the web build and the reference server (first builds take a minute)...',
)
run('weapp', bin('taro'), ['build', '--type', 'weapp', '--watch'])
run('h5', bin('taro'), ['build', '--type', 'h5', '--watch'])
