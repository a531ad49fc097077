import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeWx, type FakeWx } from './fake-wx'
import { closeProgramsLeftOpen, launchMiniProgram, MiniProgram } from './mini-program'
import { findById, hasClass, textOf, visibleText } from './render-tree'

// A hand-written build with no Taro in it, so these tests pin the harness, not the app.
const FIXTURE = join(__dirname, 'fixtures', 'mini-dist')

let program: MiniProgram | undefined
afterEach(() => program?.close())

async function launch() {
  program = await launchMiniProgram({ distDir: FIXTURE })
  return program
}

/** The fixture's privacy page (WeChat's own demo pattern), the user allowing the location prompt. */
async function launchPrivacyPage(fake: FakeWx = createFakeWx()) {
  fake.control.promptAnswers['scope.userFuzzyLocation'] = 'accept'
  fake.control.location = { latitude: 30.66, longitude: 104.07 }
  program = await launchMiniProgram({ distDir: FIXTURE, fakeWx: fake, path: 'pages/privacy/index' })
  return { p: program, control: fake.control }
}

test('boots App() and the first page with WeChat lifecycles, in a context without window or crypto', async () => {
  const p = await launch()
  expect(p.routes).toEqual(['pages/one/index'])
  expect(p.evaluate('getApp().launches')).toBe(1)
  expect(p.evaluate('getApp().shared.hasWindow')).toBe(false)
  expect(p.evaluate('getApp().shared.hasCrypto')).toBe(false)
  expect(p.evaluate('typeof process')).toBe('undefined')
  expect(p.evaluate('getApp().shared.log')).toEqual(['one:onLoad:{}', 'one:onShow'])
  expect(p.currentPage.text()).toContain('第一页')
})

test('renders setData path updates through wcc', async () => {
  const p = await launch()
  await p.currentPage.tap({ id: 'rename' })
  const tree = p.currentPage.render()
  expect(textOf(findById(tree, 'item')!).trim()).toBe('b')
  expect(visibleText(tree)).toContain('改过了')
})

test('a tap on a child reaches the ancestor that binds tap, with its dataset; navigation runs lifecycles', async () => {
  const p = await launch()
  await p.currentPage.tap({ text: '去第二页' })
  expect(p.routes).toEqual(['pages/one/index', 'pages/two/index'])
  expect(p.currentPage.text()).toContain('第二页，来自 one')
  await p.currentPage.tap({ id: 'back' })
  expect(p.routes).toEqual(['pages/one/index'])
  expect(p.evaluate('getApp().shared.log')).toEqual([
    'one:onLoad:{}',
    'one:onShow',
    'tap:two',
    'one:onHide',
    'two:onLoad:{"from":"one"}',
    'two:onShow',
    'two:onUnload',
    'one:onShow',
  ])
})

test('input delivers the whole value in event.detail', async () => {
  const p = await launch()
  await p.currentPage.input('field', '上海')
  expect(p.currentPage.text()).toContain('输入：上海')
})

test('errors thrown by the build are recorded and reported to App.onError and wx.onError listeners, as one string', async () => {
  const p = await launch()
  await p.currentPage.tap({ id: 'explode' })
  expect(p.errors).toHaveLength(1)
  expect(String(p.errors[0])).toContain('boom in a handler')
  for (const seen of ['errorsSeen', 'listenerErrors']) {
    const messages = p.evaluate(`getApp().${seen}`) as unknown[]
    expect(messages).toHaveLength(1)
    expect(typeof messages[0]).toBe('string')
    expect(messages[0]).toMatch(/^Error: boom in a handler\n\s+at /)
  }
})

test("a rejection the build leaves unhandled reaches wx.onUnhandledRejection's listeners with { reason, promise }", async () => {
  const p = await launch()
  const reason = p.evaluate("new Error('nobody caught me')")
  const promise = p.evaluate('Promise.resolve()')
  p.unhandledRejection(reason, promise)
  expect(p.evaluate('getApp().rejectionsSeen')).toEqual(['nobody caught me'])
  expect(p.unhandledRejections).toEqual([reason])
  expect(p.errors).toEqual([])
})

test('background and foreground run the page and App lifecycles in WeChat order', async () => {
  const p = await launch()
  p.toBackground()
  p.toForeground()
  expect(p.evaluate('getApp().visibility')).toEqual(['app:onShow', 'app:onHide', 'app:onShow'])
  expect((p.evaluate('getApp().shared.log') as string[]).slice(-2)).toEqual([
    'one:onHide',
    'one:onShow',
  ])
})

test.each([
  ['an element that does not exist', { id: 'nope' }, 'Nothing to tap'],
  ['an element without a tap handler', { id: 'inert' }, 'does not react to taps'],
])('tapping %s fails the test with a clear message', async (_name, target, message) => {
  const p = await launch()
  await expect(p.currentPage.tap(target)).rejects.toThrow(message)
})

test('waitForText names what the page shows when the text never comes', async () => {
  const p = await launch()
  await expect(p.currentPage.waitForText('不存在的文字', 50)).rejects.toThrow(
    /did not appear.*第一页/,
  )
})

test('a missing build is a clear error', () => {
  expect(() => new MiniProgram('/nonexistent-dist', createFakeWx())).toThrow(
    'No weapp build at /nonexistent-dist',
  )
})

test('render-tree helpers read classes', async () => {
  const p = await launch()
  const root = findById(p.currentPage.render(), 'root')!
  expect(hasClass(root, 'anything')).toBe(false)
})

describe('privacy authorization through the page', () => {
  test("app.json's requiredPrivateInfos reaches the fake wx", async () => {
    const fake = createFakeWx({ requiredPrivateInfos: ['somethingElse'] })
    const p = (program = await launchMiniProgram({ distDir: FIXTURE, fakeWx: fake }))
    program = p
    expect(fake.control.requiredPrivateInfos).toEqual(['getFuzzyLocation'])
  })

  test('a tap on the agree button (here on its label) marks the tap, then dispatches tap and agreeprivacyauthorization; the resolve is accepted', async () => {
    const { p, control } = await launchPrivacyPage()
    await p.currentPage.tap({ id: 'locate' })
    expect(p.currentPage.text()).toContain('隐私弹窗：getFuzzyLocation')
    expect(control.privacy.requests).toEqual([
      { id: 1, referrer: 'getFuzzyLocation', state: 'waiting', exposed: true },
    ])
    await p.currentPage.tap({ id: 'agree-label' })
    expect(p.currentPage.text()).toContain('位置：30.66,104.07')
    expect((p.evaluate('getApp().shared.log') as string[]).slice(-2)).toEqual([
      'tap:agree-btn',
      'agree:agreeprivacyauthorization:agree-btn',
    ])
    expect(control.privacy.agreed).toBe(true)
    expect(control.violations).toEqual([])
    expect(control.privacy.ownPopups).toEqual([])
    expect(control.insideTap).toBe(false)
    expect(p.errors).toEqual([])
  })

  test('resolving agree from an ordinary view is caught: a violation, and the location never comes', async () => {
    const { p, control } = await launchPrivacyPage()
    await p.currentPage.tap({ id: 'locate' })
    await p.currentPage.tap({ id: 'fake-agree' })
    expect(control.violations.map((v) => [v.rule, v.api])).toEqual([
      ['agree-without-tap', 'getFuzzyLocation'],
    ])
    expect(control.privacy.agreed).toBe(false)
    expect(control.waitingForUser).toBe(1)
    expect(p.currentPage.text()).not.toContain('位置')
  })

  test('disagree fails the pending API with the documented wording', async () => {
    const { p } = await launchPrivacyPage()
    await p.currentPage.tap({ id: 'locate' })
    await p.currentPage.tap({ id: 'disagree' })
    expect(p.currentPage.text()).toContain(
      '失败：getFuzzyLocation:fail privacy permission is not authorized',
    )
  })

  test('an agree button whose handler resolves nothing still records the agreement', async () => {
    const { p, control } = await launchPrivacyPage()
    await p.currentPage.tap({ id: 'agree-only' })
    expect((p.evaluate('getApp().shared.log') as string[]).slice(-1)).toEqual([
      'agree-only:agreeprivacyauthorization',
    ])
    expect(control.privacy.agreed).toBe(true)
    await p.currentPage.tap({ id: 'locate' })
    expect(p.currentPage.text()).toContain('位置：30.66,104.07')
    expect(control.privacy.requests).toEqual([])
  })

  test('openSetting works from a tap handler, not from a timer the tap started', async () => {
    const fake = createFakeWx({ authSetting: { 'scope.userFuzzyLocation': false } })
    fake.control.settingsPageChoices['scope.userFuzzyLocation'] = true
    const { p } = await launchPrivacyPage(fake)
    await p.currentPage.tap({ id: 'settings-later' })
    expect(p.currentPage.text()).toContain(
      '设置失败：openSetting:fail can only be invoked by user TAP gesture',
    )
    await p.currentPage.tap({ id: 'settings' })
    expect(p.currentPage.text()).toContain('设置：{"scope.userFuzzyLocation":true}')
  })

  test('declaring fuzzy and precise location together is a compile error in WeChat, so launching fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mini-dist-'))
    try {
      cpSync(FIXTURE, dir, { recursive: true })
      const appJson = JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8')) as Record<
        string,
        unknown
      >
      appJson.requiredPrivateInfos = ['getFuzzyLocation', 'getLocation']
      writeFileSync(join(dir, 'app.json'), JSON.stringify(appJson))
      expect(() => new MiniProgram(dir, createFakeWx())).toThrow(
        'requiredPrivateInfos declares getFuzzyLocation together with getLocation',
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

test('opening a page that does not exist: onPageNotFound must redirect within its call', async () => {
  // The fixture registers no listener: WeChat would show its own "page not found".
  await expect(launchMiniProgram({ distDir: FIXTURE, path: 'pages/gone/index' })).rejects.toThrow(
    /"pages\/gone\/index" is not found.*no onPageNotFound listener redirected/,
  )

  // A listener that redirects in the call is what WeChat expects.
  const fake = createFakeWx()
  const seen: unknown[] = []
  const reLaunch = fake.wx.reLaunch as (options: { url: string }) => void
  ;(fake.wx.onPageNotFound as (listener: (info: unknown) => void) => void)((info) => {
    seen.push(info)
    reLaunch({ url: '/pages/one/index' })
  })
  program = await launchMiniProgram({ distDir: FIXTURE, fakeWx: fake, path: 'pages/gone/index' })
  expect(program.currentPage.route).toBe('pages/one/index')
  expect(seen).toEqual([{ path: 'pages/gone/index', query: {}, isEntryPage: true }])
})

test('a listener that redirects only later (after an await) is too late', async () => {
  const fake = createFakeWx()
  ;(fake.wx.onPageNotFound as (l: () => void) => void)(() => {
    void Promise.resolve().then(() =>
      (fake.wx.reLaunch as (o: { url: string }) => void)({ url: '/pages/one/index' }),
    )
  })
  await expect(
    launchMiniProgram({ distDir: FIXTURE, fakeWx: fake, path: 'pages/gone/index' }),
  ).rejects.toThrow(/no onPageNotFound listener redirected/)
})

test('waitUntil and waitForRoute wait for what the app does on its own, and fail saying what did not happen', async () => {
  const p = await launch()
  let ready = false
  setTimeout(() => (ready = true), 50)
  await p.waitUntil(
    () => ready,
    () => 'never ready',
  )
  await expect(
    p.waitUntil(
      () => false,
      () => 'never ready',
      60,
    ),
  ).rejects.toThrow('never ready after 60 ms')
  await expect(p.waitForRoute('pages/two/index', 60)).rejects.toThrow(
    'still on pages/one/index, expected pages/two/index, after 60 ms',
  )
  await p.waitForRoute('pages/one/index')
})

describe("the app's sped-up clock", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  test('timeSpeedup divides the delays of the timers the build sets', async () => {
    const p = (program = await launchMiniProgram({ distDir: FIXTURE, timeSpeedup: 100 }))
    p.evaluate(`setTimeout(function () { getApp().fired = true }, 2000)`) // 20 ms
    await p.waitUntil(
      () => p.evaluate('getApp().fired') === true,
      () => 'a 2 s timer at 100x never fired',
      500,
    )
  })

  test('it runs at real speed while a wx.request is on the wire: the network is real, and a 10 s timeout must not shrink to what a loaded machine misses', async () => {
    const fake = createFakeWx()
    let answer = () => undefined as void
    fake.control.onRequest(
      () => new Promise((resolve) => (answer = () => resolve({ statusCode: 200, data: {} }))),
    )
    const p = (program = await launchMiniProgram({
      distDir: FIXTURE,
      fakeWx: fake,
      timeSpeedup: 100,
    }))
    // The app's request timeout: 5 s, which is 50 ms at 100x.
    p.evaluate(`setTimeout(function () { getApp().timedOut = true }, 5000)`)
    p.evaluate(
      `wx.request({ url: 'https://127.0.0.1:8443/slow', success: function () { getApp().answered = true } })`,
    )
    await sleep(250)
    expect(fake.control.requestsOnTheWire).toBe(1)
    expect(p.evaluate('getApp().timedOut')).toBeUndefined()
    answer()
    // Back to 100x once the answer is in: the rest of the 5 s passes in about 50 ms.
    await p.waitUntil(
      () => p.evaluate('getApp().timedOut') === true,
      () => 'the timer never fired after the answer',
      2000,
    )
    expect(p.evaluate('getApp().answered')).toBe(true)
    expect(fake.control.requestsOnTheWire).toBe(0)
  })
})

describe('closing: nothing of a closed mini program keeps running (a timer left behind keeps jest from exiting)', () => {
  test('close() cancels the timers the build set', async () => {
    const p = await launch()
    p.evaluate(`setTimeout(function () { getApp().fired = 'timeout' }, 30)`)
    p.evaluate(`setInterval(function () { getApp().fired = 'interval' }, 30)`)
    p.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(p.evaluate('getApp().fired')).toBeUndefined()
  })

  test('a timer the build sets after close (a poll whose answer came late) is never scheduled', async () => {
    const p = await launch()
    // What the kill switch's status watch does: an answer arrives, then the next poll is set.
    const answerArrives = p.evaluate(
      `(function () { return function () { setTimeout(function () { getApp().polled = true }, 10) } })()`,
    ) as () => void
    p.close()
    answerArrives()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(p.evaluate('getApp().polled')).toBeUndefined()
    expect(p.timersRefusedAfterClose).toBe(1)
  })

  test('a program a test file leaves open is found, closed and named at the end of the file', async () => {
    const left = await launchMiniProgram({ distDir: FIXTURE })
    left.evaluate(`setInterval(function () { getApp().ticks = (getApp().ticks || 0) + 1 }, 5)`)
    expect(closeProgramsLeftOpen()).toEqual(['pages/one/index'])
    const ticks = left.evaluate('getApp().ticks')
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(left.evaluate('getApp().ticks')).toBe(ticks)
    expect(closeProgramsLeftOpen()).toEqual([])
  })
})
