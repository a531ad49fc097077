import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { answerConsent, launchBrowser, openPhonePage } from './support/browser'

// A newcomer's first minutes, as README.md tells them: `npm start` in a clean clone, then the
// one URL it prints, used for everything. The clone is of HEAD (committed files only); its
// `npm install` is a link to this checkout's node_modules. The journey fails on any console
// error, CSP violation, failed request or 4xx/5xx answer (openPhonePage records them).

const repo = resolve(__dirname, '..')
const clone = mkdtempSync(join(tmpdir(), 'anxin-clone-'))
let start: ChildProcess | undefined
let browser: Browser | undefined
const output: string[] = []
let url = ''

function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
}

beforeAll(async () => {
  execFileSync('git', ['clone', '--quiet', repo, clone])
  symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'), 'dir')
  const port = await freePort()
  // What the README says to run, in the clone (npm start = node scripts/start.mjs).
  // A newcomer's shell: no LOG_LEVEL or START_VERBOSE of ours.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) }
  delete env.LOG_LEVEL
  delete env.START_VERBOSE
  start = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: clone,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  await new Promise<void>((ready, fail) => {
    let pending = ''
    const onData = (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n')
      pending = lines.pop() ?? ''
      output.push(...lines)
      if (output.some((line) => line.includes('安心天气 is running.'))) ready()
    }
    start?.stdout?.on('data', onData)
    start?.stderr?.on('data', onData)
    start?.on('exit', (code) =>
      fail(new Error(`npm start exited (${code}):\n${output.join('\n')}`)),
    )
  })
  // Whatever follows the banner within a moment is part of a clean start's output too.
  await new Promise((settle) => setTimeout(settle, 2000))
  url = /Open in a browser\s+(https:\/\/\S+)/.exec(output.join('\n'))?.[1] ?? ''
  browser = await launchBrowser()
}, 300_000)

afterAll(async () => {
  await browser?.close()
  if (start && start.exitCode === null) {
    const exited = new Promise((done) => start?.once('exit', done))
    start.kill('SIGINT') // Ctrl+C
    await exited
  }
  rmSync(clone, { recursive: true, force: true })
}, 30_000)

test('npm start: one line per service, the banner once, and nothing else on a clean start', () => {
  const lines = output.filter((line) => line.trim() !== '')
  expect(lines).toEqual(
    expect.arrayContaining([
      '✓ WeChat build (dist/) ready',
      '✓ web build (dist-h5/) ready',
      expect.stringMatching(/^✓ reference server \(https:\/\/127\.0\.0\.1:\d+\/\) ready$/),
    ]),
  )
  expect(lines.filter((line) => line.includes('安心天气 is running.'))).toHaveLength(1)
  expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/)
  expect(lines.length).toBeLessThanOrEqual(25)
  expect(lines.join('\n')).not.toMatch(/Webpack|█|\{"level"/)
})

test('the printed kill-switch command reaches this server, on whatever port it runs', () => {
  const line = output.find((text) => text.trim().startsWith('Kill switch')) ?? ''
  const port = new URL(url).port
  expect(line).toContain(`PORT=${port} npm run incident -- start --message`)
  const status = execFileSync('npm', ['run', '--silent', 'incident', '--', 'status'], {
    cwd: clone,
    env: { ...process.env, PORT: port },
    encoding: 'utf8',
  })
  expect(status.trim()).toBe('Maintenance off: no open incident.')
})

test('the printed URL works end to end: weather, sign in and out, every page and back', async () => {
  const { page, problems } = await openPhonePage(browser as Browser)
  const bar = page.locator('#taro-navigation-bar')
  await page.goto(url)
  await page
    .getByText('未来 5 天')
    .waitFor()
    .catch(async (error: unknown) => {
      const shown = await page.evaluate(() => document.body.innerText)
      throw new Error(
        `home never showed the weather: ${String(error)}\n${problems.join('\n')}\n${shown}`,
      )
    })
  await page.getByText('数据来源：安心天气服务').waitFor()
  // The first launch asks for consent; this journey signs in, which needs 同意.
  await answerConsent(page, 'agree')

  await page.locator('#home-privacy-center').click()
  await page.locator('#privacy-session-status', { hasText: '未登录' }).waitFor()
  await page.locator('#privacy-sign-in').click()
  await page.locator('#privacy-session-status', { hasText: '已登录' }).waitFor()
  await page.locator('#privacy-sign-out').click()
  await page.locator('#privacy-session-status', { hasText: '已退出登录' }).waitFor()
  await bar.locator('.taro-navigation-bar-back').click()
  await page.locator('#home-privacy-policy').waitFor()

  await page.locator('#home-privacy-policy').click()
  await bar.locator('.taro-navigation-bar-title', { hasText: '隐私政策' }).waitFor()
  await bar.locator('.taro-navigation-bar-back').click()
  await page.locator('#home-city').click()
  await page.locator('#city-search input').waitFor()
  await bar.locator('.taro-navigation-bar-back').click()
  await page.getByText('未来 5 天').waitFor()

  for (const hash of ['#/pages/maintenance/index', '#/more/pages/privacy-policy/index']) {
    await page.goto('about:blank')
    await page.goto(`${url}${hash}`)
    await bar.locator('.taro-navigation-bar-home').click()
    await page.getByText('未来 5 天').waitFor()
  }
  expect(problems).toEqual([])
})

test('a build error is shown in full, and the banner comes back once it is fixed', async () => {
  const page = join(clone, 'src', 'pages', 'maintenance', 'index.tsx')
  const original = readFileSync(page, 'utf8')
  const seen = output.length
  const until = async (what: (lines: string[]) => boolean, label: string) => {
    for (let waited = 0; !what(output.slice(seen)); waited += 500) {
      if (waited > 90_000)
        throw new Error(`${label} did not show:\n${output.slice(seen).join('\n')}`)
      await new Promise((tick) => setTimeout(tick, 500))
    }
  }
  appendFileSync(page, '\nexport default function (\n')
  await until(
    (lines) =>
      lines.some((line) =>
        /SyntaxError: .*maintenance[\\/]index\.tsx: Unexpected token/.test(line),
      ) && lines.some((line) => line.startsWith('✗ web build (dist-h5/) failed')),
    'the error',
  )
  // Each build shows the error once (webpack and Taro both report it; it was printed five times).
  const errors = output
    .slice(seen)
    .filter((line) => /SyntaxError: .*maintenance[\\/]index\.tsx/.test(line))
  for (const build of ['[weapp]', '[h5]']) {
    expect(errors.filter((line) => line.startsWith(build)).length).toBeLessThanOrEqual(1)
  }
  const fixedAt = output.length
  writeFileSync(page, original)
  await until((lines) => lines.some((line) => line.includes('安心天气 is running.')), 'the banner')
  // Then the ready lines and the banner: no progress bars, no terminal escape codes.
  const afterFix = output.slice(fixedAt).filter((line) => line.trim() !== '')
  const text = afterFix.join('\n')
  expect(text).not.toContain('\u001b[')
  expect(text).not.toMatch(/█|\(\d+%\)/)
  if (afterFix.length > 20) {
    throw new Error(`${afterFix.length} lines after the fix, not the banner alone:\n${text}`)
  }
}, 200_000)
