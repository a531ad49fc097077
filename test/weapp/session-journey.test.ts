import { buildPrivacyGuide } from '../../scripts/privacy-guide'
import { startTestServer, type TestServer } from '../../server/test/test-server'
import { createFakeWx, sameDevice, type FakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { findById, visibleText } from '../weapp-harness/render-tree'
import { connectToServer } from './connect-to-server'
import { expectStorageDeclared } from './storage-declared'
import { agreeOnFirstLaunch } from './first-launch'

// STORAGE + TRANSPORT in the real weapp build (dist/), in a runtime that, like WeChat's, has
// wx.getRandomValues but no global crypto. wx.request reaches the real reference server over
// HTTPS; only wx itself (login codes, storage, the network hop) is a stand-in.

const CRYPTO_JS_NATIVE_RANDOM_ERROR = 'Native crypto module could not be used'

let server: TestServer
let app: MiniProgram | undefined

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.close()
})
afterEach(() => app?.close())

/** A fake wx whose network is the test server. */
function connectedWx(fake: FakeWx = createFakeWx()) {
  return connectToServer(fake, server)
}

/**
 * The next launch of the same install: a fresh runtime (WeChat starts the app anew) that keeps the
 * device's storage, encrypt flags included.
 */
function relaunch(previous: FakeWx, program: MiniProgram, next = createFakeWx()): FakeWx {
  program.close()
  app = undefined
  return sameDevice(previous, next)
}

/**
 * Launches, agrees to the privacy policy if asked (a first launch: signing in needs consent),
 * opens the privacy center from home, and waits until it shows `state`.
 */
async function openPrivacyCenter(fake: FakeWx, state: '未登录' | '已登录' = '未登录') {
  app = await launchMiniProgram({ fakeWx: fake })
  await app.currentPage.waitForText('北京')
  await app.settle()
  if (app.currentPage.text().includes('欢迎使用安心天气')) {
    await app.currentPage.tap({ id: 'consent-agree' })
  }
  await app.currentPage.tap({ id: 'home-privacy-center' })
  expect(app.currentPage.route).toBe('more/pages/privacy-center/index')
  await app.currentPage.waitForText(state)
  return app
}

function expectHealthy(program: MiniProgram) {
  const problems = [...program.errors.map(String), ...program.consoleErrors.map(String)]
  expect(problems.filter((p) => p.includes(CRYPTO_JS_NATIVE_RANDOM_ERROR))).toEqual([])
  expect(problems).toEqual([])
}

test('sign in seals the session with platform random bytes; the next launch opens it', async () => {
  const { fake, sessions } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-1')
  const program = await openPrivacyCenter(fake)
  expect(program.evaluate('typeof crypto')).toBe('undefined')

  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  expectHealthy(program)

  // The IV, key and nonce bytes came from wx.getRandomValues; nothing fell back.
  const randomCalls = fake.control.calls.filter((call) => call.api === 'getRandomValues')
  expect(randomCalls.length).toBeGreaterThanOrEqual(3)

  // Stored with WeChat's encrypt flag, sealed by the app, and no credential in clear.
  const [issued] = sessions
  expect(issued.token).toBeTruthy()
  const keyring = fake.control.storage.get('secure.keyring')
  const sealed = fake.control.storage.get('secure.item.session')
  expect(keyring?.encrypt).toBe(true)
  expect(sealed?.encrypt).toBe(true)
  expect(String(sealed?.data)).toMatch(/^v1\.[0-9a-f]{8}\.\d+\./)
  const everything = JSON.stringify([...fake.control.storage.entries()])
  expect(everything).not.toContain(issued.token)
  expect(everything).not.toContain(issued.signingKey)

  // The next launch reads the sealed session back: signed in, no new wx.login.
  const { fake: nextFake } = connectedWx(relaunch(fake, program))
  const next = await openPrivacyCenter(nextFake, '已登录')
  expect(nextFake.control.calls.filter((call) => call.api === 'login')).toEqual([])
  expectHealthy(next)
  expectStorageDeclared(nextFake)
})

test('sign out ends the session on the server (sent as WeChat sends a DELETE) and wipes the keys and items', async () => {
  const { fake, sessions } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-2')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')

  await program.currentPage.tap({ id: 'privacy-sign-out' })
  await program.currentPage.waitForText('已退出登录')
  // WeChat gave the bodiless DELETE a JSON content-type; the server still ended the session.
  const signOut = fake.control.requests.find((request) => request.method === 'DELETE')
  expect(signOut?.header['content-type']).toBe('application/json')
  expect(signOut?.body).toBeUndefined()
  expect([...fake.control.storage.keys()].filter((key) => key.startsWith('secure.'))).toEqual([])
  const after = await server.signed(sessions[0], '/v1/me/data')
  expect(after.status).toBe(401)
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('a tampered sealed session is discarded at launch, and the user is simply signed out', async () => {
  const { fake } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-3')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')

  const { fake: nextFake } = connectedWx(relaunch(fake, program))
  const text = String(nextFake.control.storage.get('secure.item.session')?.data)
  nextFake.control.storage.set('secure.item.session', {
    data: text.slice(0, -1) + (text.endsWith('0') ? '1' : '0'),
    encrypt: true,
  })
  const next = await openPrivacyCenter(nextFake, '未登录')
  // The launch sweep found it, reported it and removed it; the keyring stays for new items.
  expect(nextFake.control.storage.has('secure.item.session')).toBe(false)
  expect(nextFake.control.storage.has('secure.keyring')).toBe(true)
  expectHealthy(next)
  expectStorageDeclared(nextFake)
})

test('when wx.login fails the user is told, and can retry', async () => {
  const { fake } = connectedWx()
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' }) // no login code: wx.login fails
  await program.currentPage.waitForText('微信登录失败')
  fake.control.loginCodes.push('weapp-journey-4')
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('when storage is full at sign-in the user is told plainly and nothing stored is lost', async () => {
  const chengdu = JSON.stringify({ id: 'chengdu', name: '成都', province: '四川' })
  const { fake } = connectedWx(createFakeWx({ storage: { 'weather.selectedCity': chengdu } }))
  fake.control.loginCodes.push('weapp-journey-5')
  app = await launchMiniProgram({ fakeWx: fake })
  await app.currentPage.waitForText('成都')
  await agreeOnFirstLaunch(app)
  await app.currentPage.tap({ id: 'home-privacy-center' })
  await app.currentPage.waitForText('未登录')
  // Sign-in's first write (the new install key) hits WeChat's quota.
  fake.control.failNext('setStorage', 'exceed storage max size')
  await app.currentPage.tap({ id: 'privacy-sign-in' })
  await app.currentPage.waitForText('手机存储空间不足')
  expect(fake.control.storage.get('weather.selectedCity')?.data).toBe(chengdu)
  expect(fake.control.storage.has('secure.item.session')).toBe(false)
  expectHealthy(app)
  expectStorageDeclared(fake)
})

// WeChat does not document the errMsg for an item read with the other encrypt flag: the app must
// not depend on any wording, so the journey runs with two the app has never seen.
test.each(['storage mismatch 7f3a', '读取失败：数据格式不符'])(
  'items stored before WeChat supported encrypt: true are still read, whatever WeChat says (%s)',
  async (wording) => {
    const { fake } = connectedWx(createFakeWx({ storageMismatchWording: wording }))
    fake.control.loginCodes.push('weapp-journey-6')
    const program = await openPrivacyCenter(fake)
    await program.currentPage.tap({ id: 'privacy-sign-in' })
    await program.currentPage.waitForText('已登录')

    const { fake: nextFake } = connectedWx(
      relaunch(fake, program, createFakeWx({ storageMismatchWording: wording })),
    )
    for (const [key, item] of nextFake.control.storage) {
      nextFake.control.storage.set(key, { ...item, encrypt: false })
    }
    const next = await openPrivacyCenter(nextFake, '已登录')
    expect(nextFake.control.calls.filter((call) => call.api === 'login')).toEqual([])
    expectHealthy(next)
    expectStorageDeclared(nextFake)
  },
)

test.each<
  [
    string,
    (item: { data: unknown; encrypt: boolean }) => {
      data: unknown
      encrypt: boolean
      damaged?: boolean
    },
  ]
>([
  ['a value of the wrong type', (item) => ({ ...item, data: { not: 'a string' } })],
  ['an item WeChat cannot hand over with either flag', (item) => ({ ...item, damaged: true })],
])(
  '%s is discarded at launch; the privacy center shows "signed out", never a sign-in error',
  async (_name, spoil) => {
    const { fake } = connectedWx()
    fake.control.loginCodes.push('weapp-journey-7')
    const program = await openPrivacyCenter(fake)
    await program.currentPage.tap({ id: 'privacy-sign-in' })
    await program.currentPage.waitForText('已登录')

    const { fake: nextFake } = connectedWx(relaunch(fake, program))
    const item = nextFake.control.storage.get('secure.item.session')
    if (!item) throw new Error('no sealed session to spoil')
    nextFake.control.storage.set('secure.item.session', spoil(item))
    const next = await openPrivacyCenter(nextFake, '未登录')
    expect(next.currentPage.text()).not.toContain('登录失败')
    expect(nextFake.control.storage.has('secure.item.session')).toBe(false)
    expectHealthy(next)
    expectStorageDeclared(nextFake)
  },
)

test('consent goes to the server once signed in; withdrawing records it there, ends the session and wipes the device', async () => {
  const { fake, sessions } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-consent')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.waitForText('同意了隐私政策')
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.settle()
  // The agreement made before signing in was sent once the session existed.
  const [credentials] = sessions
  const exported = await server.signed(credentials, '/v1/me/data')
  const { consents, user } = exported.body as {
    consents: Array<{ decision: string }>
    user: { id: string }
  }
  expect(consents.map((c) => c.decision)).toEqual(['agreed'])

  // Withdraw (confirmed in WeChat's modal): the server hears it while the session can still sign.
  fake.control.modalAnswer = 'accept'
  await program.currentPage.tap({ id: 'privacy-withdraw' })
  await program.currentPage.waitForText('已撤回同意')
  await program.settle()
  const decisions = server.db
    .prepare('SELECT decision FROM consents WHERE user_id = ? ORDER BY id')
    .all(user.id)
    .map((row) => (row as { decision: string }).decision)
  expect(decisions).toEqual(['agreed', 'withdrawn'])
  // The session ended on the server and nothing of it is left on the device.
  expect((await server.signed(credentials, '/v1/me/data')).status).toBe(401)
  expect([...fake.control.storage.keys()].filter((key) => key.startsWith('secure.'))).toEqual([])
  expect(program.currentPage.text()).toContain('登录需要你先同意隐私政策')
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('my data: see what the server holds, then delete it there and on the device, with a receipt', async () => {
  const { fake, sessions } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-data')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.settle()

  const { user } = (await server.signed(sessions[0], '/v1/me/data')).body as {
    user: { id: string }
  }
  await program.currentPage.tap({ id: 'privacy-export' })
  await program.currentPage.waitForText('同意记录：1 条')
  expect(program.currentPage.text()).toContain('登录会话：1 个')
  expect(program.currentPage.text()).toContain('"openidHmac"')

  // What the device holds, masked: the session is there, its content is not shown.
  const sessionLine = () => {
    const line = findById(program.currentPage.render(), 'privacy-device-session')
    return line ? visibleText(line) : ''
  }
  expect(sessionLine()).toContain('已加密保存（内容不显示）')
  expect(program.currentPage.text()).not.toContain(sessions[0].token)

  fake.control.modalAnswer = 'accept'
  await program.currentPage.tap({ id: 'privacy-delete' })
  await program.currentPage.waitForText('删除回执')
  expect(program.currentPage.text()).toContain('服务器：已删除账号、1 个登录会话、1 条同意记录')
  await program.settle()
  expect(sessionLine()).toContain('未保存')
  await program.settle()
  // Nothing of the user is left: not on the server, not on the device (but the decision itself).
  const left = (table: string, column: string) =>
    (
      server.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(user.id) as {
        n: number
      }
    ).n
  expect([left('users', 'id'), left('sessions', 'user_id'), left('consents', 'user_id')]).toEqual([
    0, 0, 0,
  ])
  expect((await server.signed(sessions[0], '/v1/me/data')).status).toBe(401)
  // Left: the consent decision, and the choice that nothing signs in again on its own.
  const keys = [...fake.control.storage.keys()]
  expect(keys.filter((key) => !key.startsWith('consent.'))).toEqual(['session.signedOut'])
  expectHealthy(program)
})

test('my data: 复制 puts the whole export on WeChat’s clipboard, a privacy API the guide declares', async () => {
  // The privacy guide as `npm run privacy:guide` makes it from the inventory: WeChat refuses
  // setClipboardData unless it declares Clipboard.
  const guideKinds = buildPrivacyGuide().setting_list.map((entry) => entry.privacy_key)
  expect(guideKinds).toContain('Clipboard')
  const { fake } = connectedWx(createFakeWx({ privacy: { guideKinds } }))
  fake.control.loginCodes.push('weapp-journey-copy')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.currentPage.tap({ id: 'privacy-export' })
  await program.currentPage.waitForText('同意记录：1 条')
  expect(fake.control.clipboard).toBe('')

  await program.currentPage.tap({ id: 'privacy-export-copy' })
  await program.currentPage.waitForText('已复制到剪贴板')
  const shown = visibleText(findById(program.currentPage.render(), 'privacy-export-json')!)
  expect(JSON.parse(fake.control.clipboard)).toEqual(JSON.parse(shown))
  expect(fake.control.clipboard).toContain('"openidHmac"')
  // Through WeChat's privacy API, recorded as one; WeChat showed its own toast; no web-only
  // download button in the mini program.
  expect(fake.control.privacyLog).toContainEqual({ kind: 'call', api: 'setClipboardData' })
  expect(fake.control.toasts).toContainEqual({ api: 'setClipboardData', title: '内容已复制' })
  expect(findById(program.currentPage.render(), 'privacy-export-download')).toBeUndefined()
  expect(fake.control.violations).toEqual([])
  expectHealthy(program)
  expectStorageDeclared(fake)
})

test('my data: WeChat asks its privacy authorization again before the first copy when the guide gained Clipboard', async () => {
  const guideKinds = buildPrivacyGuide().setting_list.map((entry) => entry.privacy_key)
  const { fake } = connectedWx(createFakeWx({ privacy: { guideKinds } }))
  fake.control.loginCodes.push('weapp-journey-copy-asked')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.currentPage.tap({ id: 'privacy-export' })
  await program.currentPage.waitForText('同意记录：1 条')
  // The user agreed to the guide before it declared Clipboard: WeChat's record no longer counts.
  fake.control.privacy.agreed = false

  await program.currentPage.tap({ id: 'privacy-export-copy' })
  await program.currentPage.waitForText('欢迎使用安心天气')
  expect(fake.control.privacy.requests.map((r) => r.referrer)).toEqual(['setClipboardData'])
  expect(fake.control.clipboard).toBe('')
  await program.currentPage.tap({ id: 'consent-agree' })
  await program.currentPage.waitForText('已复制到剪贴板')
  expect(fake.control.privacy.requests.map((r) => r.state)).toEqual(['agreed'])
  expect(JSON.parse(fake.control.clipboard)).toMatchObject({ consents: expect.any(Array) })
  expect(fake.control.violations).toEqual([])
  expectHealthy(program)
})

test('my data: when WeChat refuses the clipboard the user is told, and the text is still there to select', async () => {
  const { fake } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-copy-refused')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.currentPage.tap({ id: 'privacy-export' })
  await program.currentPage.waitForText('同意记录：1 条')
  fake.control.failNext('setClipboardData', 'system error')
  await program.currentPage.tap({ id: 'privacy-export-copy' })
  await program.currentPage.waitForText('复制失败')
  expect(fake.control.clipboard).toBe('')
  expect(program.currentPage.text()).toContain('"openidHmac"')
  expectHealthy(program)
})

test('deleting offline wipes the device and says the server part is still pending', async () => {
  const { fake } = connectedWx()
  fake.control.loginCodes.push('weapp-journey-offline-delete')
  const program = await openPrivacyCenter(fake)
  await program.currentPage.tap({ id: 'privacy-sign-in' })
  await program.currentPage.waitForText('已登录')
  await program.settle()
  // The network goes away.
  fake.control.onRequest(() => ({ fail: 'net::ERR_INTERNET_DISCONNECTED' }))
  fake.control.modalAnswer = 'accept'
  await program.currentPage.tap({ id: 'privacy-delete' })
  await program.currentPage.waitForText('删除回执')
  expect(program.currentPage.text()).toContain('服务器：暂时无法删除')
  await program.settle()
  expect([...fake.control.storage.keys()].filter((key) => !key.startsWith('consent.'))).toEqual([
    'session.signedOut',
  ])
  expect(program.currentPage.text()).toContain('未登录')
  expectHealthy(program)
})
