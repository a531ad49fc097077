// `npm start`: the weapp build in watch mode (for WeChat DevTools) and the H5 preview with live
// reload, side by side, then a short note of what to open. Ctrl+C stops both.
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const taro = join(root, 'node_modules', '.bin', 'taro')
const H5_URL = 'http://127.0.0.1:10086/'

const builds = [
  { name: 'weapp', args: ['build', '--type', 'weapp', '--watch'], ready: false },
  { name: 'h5', args: ['build', '--type', 'h5', '--watch'], ready: false },
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

  Both rebuild when you save. Press Ctrl+C to stop.
`)
}

const children = builds.map((build) => {
  const child = spawn(taro, build.args, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } })
  const forward = (chunk) => {
    for (const raw of chunk.toString().split(/\r?\n|\r/)) {
      const line = stripVTControlCharacters(raw).trimEnd()
      if (!line || isProgress(line)) continue
      console.log(`[${build.name}] ${line}`)
      if (/Compiled successfully|编译成功/.test(line) && !build.ready) {
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
        `[${build.name}] stopped (${signal ?? `exit code ${code}`}); stopping the other build too.`,
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
console.log('Building the weapp and the web preview (first build takes a minute)...')
