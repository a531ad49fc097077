import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createFakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { agreeOnFirstLaunch } from './first-launch'

// Issue: Taro writes `process.env.TARO_APP_API_ORIGIN` into the bundle only when an env file of
// the mode being built defines it. A build without it kept the expression, and WeChat's runtime,
// which has no `process`, threw "process is not defined" at launch. Here a real weapp build is
// made with the setting missing (an env prefix that matches no name in the env files) and
// launched: it must start, show the home page, and call the documented default origin.

const root = resolve(__dirname, '../..')
const OUTPUT = 'dist-test/weapp-without-api-origin'
let app: MiniProgram | undefined

beforeAll(() => {
  rmSync(join(root, OUTPUT), { recursive: true, force: true })
  execFileSync(
    join(root, 'node_modules/.bin/taro'),
    ['build', '--type', 'weapp', '--env-prefix', 'NO_SUCH_PREFIX_'],
    {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'production', TARO_OUTPUT_ROOT: OUTPUT },
    },
  )
}, 180_000)
afterEach(() => app?.close())
afterAll(() => {
  rmSync(join(root, OUTPUT), { recursive: true, force: true })
})

test('a build without TARO_APP_API_ORIGIN launches and uses the documented default', async () => {
  const fake = createFakeWx()
  fake.control.onRequest(() => ({ statusCode: 503, data: { error: { code: 'ERR_TEST' } } }))
  app = await launchMiniProgram({ distDir: join(root, OUTPUT), fakeWx: fake })
  await app.currentPage.waitForText('北京')
  expect([...app.errors.map(String), ...app.consoleErrors]).toEqual([])
  expect(app.evaluate('typeof process')).toBe('undefined')
  // Sign-in goes to the default origin (the fake's request domains hold it).
  fake.control.loginCodes.push('settings-missing-1')
  await agreeOnFirstLaunch(app)
  await app.currentPage.tap({ id: 'home-privacy-center' })
  await app.currentPage.waitForText('未登录')
  await app.currentPage.tap({ id: 'privacy-sign-in' })
  await app.currentPage.waitForText('服务暂时繁忙')
  const origins = new Set(fake.control.requests.map((request) => new URL(request.url).origin))
  expect([...origins]).toEqual(['https://127.0.0.1:8443'])
  expect(fake.control.requests.some((request) => request.url.includes('/v1/session'))).toBe(true)
})
