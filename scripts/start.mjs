// `npm start`: the weapp build in watch mode (for WeChat DevTools), the H5 preview with live
// reload and the reference API server, side by side, then a short note of what to open.
// Ctrl+C stops them all.
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const H5_URL = 'http://127.0.0.1:10086/'
const API_URL = `https://127.0.0.1:${process.env.PORT ?? 8443}`
const READY = /Compiled successfully|编译成功|Reference API listening/

const builds = [
  {
    name: 'weapp',
    command: bin('taro'),
    args: ['build', '--type', 'weapp', '--watch'],
    ready: false,
  },
  { name: 'h5', command: bin('taro'), args: ['build', '--type', 'h5', '--watch'], ready: false },
  { name: 'server', command: bin('tsx'), args: ['server/src/main.ts'], ready: false },
]

/** webpack's progress output: bars, module counters and the paths it is working on. */
function isProgress(line) {
  return (
    line.includes('█') ||
    /^\s*[●✔]\s*Webpack/.test(line) ||
    /\d+\/\d+ modules \d+ active/.test(line) ||
    /^\s*(\.\.\.|node_modules\/|"\]\}\]\])/.test(line)
  )
}

function banner() {
  console.log(`
  安心天气 is running.

  WeChat DevTools  Import the project folder: ${root}
                   (project.config.json points DevTools at dist/; appid: touristappid)
                   For local development only, tick "不校验合法域名、web-view（业务域名）、TLS 版本以及 HTTPS 证书"
                   in DevTools' local settings; a real device always checks them.
  Web preview      ${H5_URL}
  Reference API    ${API_URL}/v1/status  (self-signed certificate: accept it once)

  The builds redo themselves when you save. Press Ctrl+C to stop.
`)
}

const children = builds.map((build) => {
  const child = spawn(build.command, build.args, {
    cwd: root,
    env: { ...process.env, FORCE_COLOR: '0' },
  })
  const forward = (chunk) => {
    for (const raw of chunk.toString().split(/\r?\n|\r/)) {
      const line = stripVTControlCharacters(raw).trimEnd()
      if (!line || isProgress(line)) continue
      console.log(`[${build.name}] ${line}`)
      if (READY.test(line) && !build.ready) {
        build.ready = true
        if (builds.every((b) => b.ready)) banner()
      }
    }
  }
  child.stdout.on('data', forward)
  child.stderr.on('data', forward)
  child.on('exit', (code, signal) => {
    if (signal !== 'SIGTERM') {
      console.error(
        `[${build.name}] stopped (${signal ?? `exit code ${code}`}); stopping the rest too.`,
      )
      stop(code ?? 1)
    }
  })
  return child
})

function stop(code = 0) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  process.exit(code)
}

process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))
console.log(
  'Building the weapp and the web preview, starting the API (first build takes a minute)...',
)
