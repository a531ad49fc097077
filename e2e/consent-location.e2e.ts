import type { Page } from 'playwright-core'
import {
  answerConsent,
  expectSaved,
  openPhonePage,
  screenshot,
  appServerAndBrowser,
} from './support/browser'

// CONSENT and PERMISSION in the H5 build, in Chromium against the reference server: the first
// launch's consent dialog, "use my location" explained before anything is asked, the browser's
// answer (granted near Hangzhou, or denied), the no-personal-data mode after 不同意, withdrawal,
// and home on a 320 px phone. Every journey fails on a console error, an uncaught error, a CSP
// violation, a failed request or a 4xx/5xx answer (openPhonePage records them).

// The reference server serving the H5 build, and Chromium: one of each for this file.
const app = appServerAndBrowser()

/** A position in Hangzhou's east (杭州 in the list is 30.27, 120.16): digits found nowhere else. */
const NEAR_HANGZHOU = { latitude: 30.2593, longitude: 120.2194 }
/** How the coordinates could appear if they leaked: as written, or without the decimal point. */
const COORDINATE_DIGITS = ['30.2593', '302593', '120.2194', '1202194']

const LOCATE_EXPLANATION =
  '定位只用于找出离你最近的城市：模糊位置在手机上换算，坐标不保存、不上传。'

/**
 * Counts what the page asks of the browser's location: `position` (getCurrentPosition,
 * watchPosition) and `permission` (navigator.permissions.query for geolocation). Read with
 * `locationCalls`.
 */
async function countLocationCalls(page: Page) {
  await page.addInitScript(() => {
    const calls = { position: 0, permission: 0 }
    Object.defineProperty(window, '__locationCalls', { value: calls })
    const geolocation = Geolocation.prototype
    const getCurrentPosition = geolocation.getCurrentPosition
    geolocation.getCurrentPosition = function (...args) {
      calls.position += 1
      return getCurrentPosition.apply(this, args)
    }
    const watchPosition = geolocation.watchPosition
    geolocation.watchPosition = function (...args) {
      calls.position += 1
      return watchPosition.apply(this, args)
    }
    const query = Permissions.prototype.query
    Permissions.prototype.query = function (descriptor) {
      if (descriptor?.name === 'geolocation') calls.permission += 1
      return query.call(this, descriptor)
    }
  })
}

function locationCalls(page: Page): Promise<{ position: number; permission: number }> {
  return page.evaluate(
    () =>
      (window as unknown as { __locationCalls: { position: number; permission: number } })
        .__locationCalls,
  )
}

/** Every localStorage key and value of the page. */
function storage(page: Page): Promise<Array<[string, string]>> {
  return page.evaluate(() =>
    Object.keys(localStorage).map((key): [string, string] => [
      key,
      localStorage.getItem(key) ?? '',
    ]),
  )
}

/** Back through the title bar's back button. */
async function back(page: Page) {
  await page.locator('#taro-navigation-bar .taro-navigation-bar-back').click()
}

/** Home showing `city`'s weather. */
async function expectHomeWeather(page: Page, city: string) {
  await page.locator('#home-city', { hasText: city }).waitFor()
  await page.getByText('未来 5 天').waitFor()
  await expect(page.locator('#home-temperature').innerText()).resolves.toMatch(/^-?\d+°$/)
}

test('agree, then "use my location": explained before asking; granted near Hangzhou -> 杭州 weather; the coordinates never leave the page', async () => {
  const { page, problems } = await openPhonePage(app.browser)
  await countLocationCalls(page)
  const sent: string[] = []
  page.on('request', (request) => {
    sent.push(
      [request.url(), request.postData() ?? '', JSON.stringify(request.headers())].join('\n'),
    )
  })
  await page.goto(app.server.url)

  // The first launch: the dialog over home, in plain words; analytics is a separate box, off.
  const dialog = page.locator('#consent-dialog')
  await dialog.waitFor()
  await expect(dialog.innerText()).resolves.toContain('欢迎使用安心天气')
  await expect(dialog.innerText()).resolves.toContain('使用我的位置：你点击时才获取模糊位置')
  await page.locator('#consent-policy').waitFor()
  await expect(page.locator('#consent-analytics .consent__box--on').count()).resolves.toBe(0)
  await expect(page.locator('#consent-analytics .consent__box').innerText()).resolves.toBe('')
  // The sheet fits the screen: 同意 and 不同意 are reachable without scrolling.
  for (const button of ['#consent-agree', '#consent-decline']) {
    const box = await page.locator(button).boundingBox()
    expect(box).not.toBeNull()
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(812)
  }
  // The two answers weigh the same: buttons of one width.
  const widths = await Promise.all(
    ['#consent-agree', '#consent-decline'].map(
      async (button) => (await page.locator(button).boundingBox())?.width ?? 0,
    ),
  )
  expect(Math.abs(widths[0] - widths[1])).toBeLessThanOrEqual(2)
  expectSaved(await screenshot(page, 'consent-01-dialog'))

  await answerConsent(page, 'agree')
  await expect(page.locator('#consent-dialog').count()).resolves.toBe(0)
  await expectHomeWeather(page, '北京')

  // 使用我的位置 on home opens the picker with the location card highlighted and its one
  // sentence on screen; nothing has been asked of the browser yet.
  await page.locator('#home-locate').click()
  const card = page.locator('#locate-card.picker__locate--asked')
  await card.waitFor()
  await expect(page.locator('#locate-status').innerText()).resolves.toBe(LOCATE_EXPLANATION)
  await expect(page.locator('#locate-button').innerText()).resolves.toBe('使用我的位置')
  await page.locator('#city-hangzhou').waitFor()
  expect(await locationCalls(page)).toEqual({ position: 0, permission: 0 })
  expectSaved(await screenshot(page, 'consent-02-location-explained'))

  // The user allows location in the browser (as its prompt would); the tap asks once.
  const context = page.context()
  await context.grantPermissions(['geolocation'], { origin: new URL(app.server.url).origin })
  await context.setGeolocation(NEAR_HANGZHOU)
  await page.locator('#locate-button').click()
  await expectHomeWeather(page, '杭州')
  await expect(page.locator('.home__province').innerText()).resolves.toBe('浙江')
  // The tap read the permission, then asked for the position: once each.
  expect(await locationCalls(page)).toEqual({ position: 1, permission: 1 })
  expect(sent.some((line) => /\/v1\/weather\?cityId=hangzhou\b/.test(line))).toBe(true)

  // The coordinates stayed on the page: in no request (address, body, headers), in no stored
  // value, in nothing the server logged. Only the city id was remembered.
  const stored = await storage(page)
  expect(app.server.logs.length).toBeGreaterThan(0)
  for (const digits of COORDINATE_DIGITS) {
    expect(sent.filter((line) => line.includes(digits))).toEqual([])
    expect(stored.filter(([key, value]) => `${key}${value}`.includes(digits))).toEqual([])
    expect(app.server.logs.filter((line) => line.includes(digits))).toEqual([])
  }
  // (Taro's H5 storage wraps each value: { data }.)
  const chosen = JSON.parse(JSON.parse(Object.fromEntries(stored)['weather.selectedCity']).data)
  // Marked as found from the location: withdrawing consent forgets it.
  expect(chosen).toEqual({ id: 'hangzhou', name: '杭州', province: '浙江', source: 'location' })
  expect(stored.flat().join('\n')).not.toMatch(/latitude|longitude/i)

  // A reload keeps 杭州 and asks nothing again (no dialog, no location).
  await page.reload()
  await expectHomeWeather(page, '杭州')
  await expect(page.locator('#consent-dialog').count()).resolves.toBe(0)
  expect(await locationCalls(page)).toEqual({ position: 0, permission: 0 })

  expect(problems).toEqual([])
  await context.close()
})

test('location denied by the browser: the card says so, and the list is there to pick from', async () => {
  // A context without the geolocation permission: headless Chromium denies the request.
  const { page, problems } = await openPhonePage(app.browser)
  await countLocationCalls(page)
  await page.goto(app.server.url)
  await answerConsent(page, 'agree')
  await expectHomeWeather(page, '北京')

  await page.locator('#home-locate').click()
  await page.locator('#locate-status', { hasText: LOCATE_EXPLANATION }).waitFor()
  await page.locator('#locate-button').click()
  await page.locator('#locate-status', { hasText: '浏览器没有允许定位' }).waitFor()
  await expect(page.locator('#locate-status').innerText()).resolves.toBe(
    '浏览器没有允许定位。可以在浏览器设置中允许，或在下方手动选择城市。',
  )
  await expect(page.locator('#locate-button').innerText()).resolves.toBe('再试一次')
  // No dead end: the whole list is still there.
  await page.locator('#city-current').waitFor()
  await page.locator('#city-shanghai').waitFor()
  await page.locator('#city-search input').waitFor()
  // One request, the permission read before it (not yet denied) and after it (denied).
  expect(await locationCalls(page)).toEqual({ position: 1, permission: 2 })
  expectSaved(await screenshot(page, 'consent-03-location-denied'))

  await page.locator('#city-shanghai').click()
  await expectHomeWeather(page, '上海')

  expect(problems).toEqual([])
  await page.context().close()
})

test('decline: weather and manual cities without personal data, no location, no sign-in; reconsider -> agree', async () => {
  const { page, problems } = await openPhonePage(app.browser)
  await countLocationCalls(page)
  const accountCalls: string[] = []
  page.on('request', (request) => {
    if (/\/v1\/(session|me)\b/.test(request.url())) accountCalls.push(request.url())
  })
  await page.goto(app.server.url)

  await answerConsent(page, 'decline')
  const banner = page.locator('#home-no-personal-data')
  await banner.waitFor()
  await expect(banner.innerText()).resolves.toContain('未同意隐私政策')
  await page.locator('#home-reconsider').waitFor()
  await expectHomeWeather(page, '北京')
  expectSaved(await screenshot(page, 'consent-04-declined-mode'))

  // The picker: the location card says consent comes first; the list works.
  await page.locator('#home-city').click()
  await page.locator('#city-search input').waitFor()
  await expect(page.locator('#locate-card').innerText()).resolves.toContain(
    '同意隐私政策后才能使用定位。',
  )
  await page.locator('#locate-consent').waitFor()
  await expect(page.locator('#locate-button').count()).resolves.toBe(0)
  await page.locator('#city-chengdu').click()
  await expectHomeWeather(page, '成都')
  await banner.waitFor()

  // Home's 使用我的位置 opens the same card, highlighted, still asking for consent first.
  await page.locator('#home-locate').click()
  await page.locator('#locate-card.picker__locate--asked #locate-consent').waitFor()
  await expect(page.locator('#locate-button').count()).resolves.toBe(0)
  await back(page)
  await expectHomeWeather(page, '成都')

  // The privacy center: the decline on record, sign-in needs consent and is not offered.
  await page.locator('#home-privacy-center').click()
  await page.locator('#privacy-consent-status', { hasText: '你未同意隐私政策' }).waitFor()
  await page.locator('#privacy-reconsider').waitFor()
  await page.locator('#privacy-session', { hasText: '登录需要你先同意隐私政策。' }).waitFor()
  await expect(page.locator('#privacy-sign-in').count()).resolves.toBe(0)
  await expect(page.locator('#privacy-withdraw').count()).resolves.toBe(0)
  await back(page)
  await expectHomeWeather(page, '成都')

  // On the device: the consent record and weather only; no session, nothing else.
  const keys = (await storage(page)).map(([key]) => key)
  expect(keys.filter((key) => key.startsWith('secure.'))).toEqual([])
  expect(keys.filter((key) => !/^(consent|weather)\./.test(key))).toEqual([])
  expect(keys).toEqual(expect.arrayContaining(['consent.item.record', 'weather.selectedCity']))
  expect(await locationCalls(page)).toEqual({ position: 0, permission: 0 })
  expect(accountCalls).toEqual([])

  // 重新选择 -> the dialog again -> 同意: the banner goes; location is offered now.
  await page.locator('#home-reconsider').click()
  await answerConsent(page, 'agree')
  await banner.waitFor({ state: 'detached' })
  await expectHomeWeather(page, '成都')
  await page.locator('#home-locate').click()
  await page.locator('#locate-status', { hasText: LOCATE_EXPLANATION }).waitFor()
  await page.locator('#locate-button').waitFor()
  expect(await locationCalls(page)).toEqual({ position: 0, permission: 0 })

  expect(problems).toEqual([])
  await page.context().close()
})

test('withdraw: after agreeing and signing in, 撤回同意 ends the session and goes back to no personal data', async () => {
  const { page, problems } = await openPhonePage(app.browser)
  const issued: Array<{ token: string; signingKey: string }> = []
  page.on('response', async (response) => {
    if (response.url().endsWith('/v1/session') && response.status() === 201) {
      issued.push((await response.json()) as { token: string; signingKey: string })
    }
  })
  /** The server's answer to the app's next `method` call of `path` (whose body has `decision`). */
  const nextCall = (method: string, path: string, decision?: string) =>
    page.waitForResponse(
      (response) =>
        response.request().method() === method &&
        new URL(response.url()).pathname === path &&
        (decision === undefined ||
          JSON.parse(response.request().postData() ?? '{}').decision === decision),
      { timeout: 10_000 },
    )
  await page.goto(app.server.url)
  await answerConsent(page, 'agree')
  await expectHomeWeather(page, '北京')

  await page.locator('#home-privacy-center').click()
  await page.locator('#privacy-consent-status', { hasText: '匿名使用统计：未开启' }).waitFor()
  // Signing in hands the server the agreement it had not recorded.
  const agreedSent = nextCall('POST', '/v1/me/consent', 'agreed')
  await page.locator('#privacy-sign-in').click()
  await page.locator('#privacy-session-status', { hasText: '已登录' }).waitFor()
  expect(issued).toHaveLength(1)
  const signedIn = (await storage(page)).map(([key]) => key)
  expect(signedIn).toEqual(expect.arrayContaining(['secure.keyring', 'secure.item.session']))
  expect((await agreedSent).ok()).toBe(true)

  // 撤回同意 asks first (Taro's modal on H5); 撤回 confirms.
  await page.locator('#privacy-withdraw').click()
  const modal = page.locator('.taro__modal')
  await modal.locator('.taro-modal__title', { hasText: '撤回同意' }).waitFor()
  const withdrawalSent = nextCall('POST', '/v1/me/consent', 'withdrawn')
  const sessionEnded = nextCall('DELETE', '/v1/session')
  await modal.locator('.taro-model__confirm', { hasText: '撤回' }).click()

  await page.locator('#privacy-consent-status', { hasText: '你已撤回同意隐私政策' }).waitFor()
  await page.locator('#privacy-reconsider').waitFor()
  // The session card follows once the server has heard the withdrawal and the session is ended
  // (a moment after the consent card: a CI run read it in between).
  await page.locator('#privacy-session', { hasText: '登录需要你先同意隐私政策。' }).waitFor()
  await expect(page.locator('#privacy-sign-in').count()).resolves.toBe(0)
  await page.waitForFunction(() =>
    Object.keys(localStorage).every((key) => !key.startsWith('secure.')),
  )
  const keys = (await storage(page)).map(([key]) => key)
  expect(keys.filter((key) => !/^(consent|weather)\./.test(key))).toEqual([])
  // The server recorded the withdrawal, then the session ended there too.
  expect((await withdrawalSent).ok()).toBe(true)
  expect((await sessionEnded).ok()).toBe(true)
  expect((await app.server.signed(issued[0], '/v1/me/data')).status).toBe(401)
  expectSaved(await screenshot(page, 'consent-05-withdrawn'))

  // Home is in the no-personal-data mode, and stays so after a reload.
  await back(page)
  await page.locator('#home-no-personal-data').waitFor()
  await page.reload()
  await expectHomeWeather(page, '北京')
  await page.locator('#home-no-personal-data').waitFor()
  await expect(page.locator('#consent-dialog').count()).resolves.toBe(0)

  expect(problems).toEqual([])
  await page.context().close()
})

/**
 * Home's values that must each stay on one line (height one computed line-height, one line box),
 * inside their box, inside their row, next to their neighbours: what is drawn (text, or the icon)
 * at least `minGap` px from what its neighbour draws. Returns what breaks, in words.
 */
function homeLayoutProblems(page: Page, minGap: number): Promise<string[]> {
  return page.evaluate((minGap) => {
    const problems: string[] = []
    const name = (element: Element) =>
      `${element.className.split(' ')[0]} "${(element as HTMLElement).innerText.replace(/\s+/g, ' ')}"`
    for (const element of document.querySelectorAll(
      '.detail__value, .forecast__rain, .forecast__range',
    )) {
      const box = element.getBoundingClientRect()
      const lineHeight = parseFloat(getComputedStyle(element).lineHeight)
      const range = document.createRange()
      range.selectNodeContents(element)
      const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size
      if (!(lineHeight > 0) || box.height >= lineHeight * 1.5 || lines !== 1) {
        problems.push(
          `${name(element)}: ${lines} lines, ${box.height}px high (line ${lineHeight}px)`,
        )
      }
      if (element.scrollWidth > element.clientWidth) {
        problems.push(
          `${name(element)}: ${element.scrollWidth}px of text in ${element.clientWidth}px`,
        )
      }
    }
    /** Left and right of what `element` draws: its text, or its box when it has none. */
    const ink = (element: Element) => {
      const rects: DOMRect[] = []
      const texts = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
      for (let text = texts.nextNode(); text; text = texts.nextNode()) {
        const range = document.createRange()
        range.selectNodeContents(text)
        rects.push(...[...range.getClientRects()].filter((rect) => rect.width > 0))
      }
      const box = element.getBoundingClientRect()
      return rects.length > 0
        ? {
            left: Math.min(...rects.map((rect) => rect.left)),
            right: Math.max(...rects.map((rect) => rect.right)),
          }
        : { left: box.left, right: box.right }
    }
    // Side by side: each row's (and the details card's) children in order, inside it.
    for (const row of document.querySelectorAll('.forecast__row, .home__details')) {
      const outer = row.getBoundingClientRect()
      const children = [...row.children]
      children.forEach((child, index) => {
        const box = child.getBoundingClientRect()
        if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5) {
          problems.push(`${name(child)} sticks out of ${name(row)}`)
        }
        const before = children[index - 1]
        const gap = before ? ink(child).left - ink(before).right : Infinity
        if (gap < minGap - 0.5) {
          problems.push(`${name(before)} and ${name(child)} are ${gap.toFixed(1)}px apart`)
        }
      })
      if (outer.right > window.innerWidth) problems.push(`${name(row)} is wider than the screen`)
    }
    return problems
  }, minGap)
}

test('home on a 320 px wide phone: wind, rain chance and temperature ranges each stay on one line', async () => {
  const { page, problems } = await openPhonePage(app.browser, {
    viewport: { width: 320, height: 640 },
  })
  await page.goto(app.server.url)
  await answerConsent(page, 'agree')
  await expectHomeWeather(page, '北京')
  await expect(page.locator('.detail__value').count()).resolves.toBe(3)
  await expect(page.locator('.forecast__rain').count()).resolves.toBe(5)
  await expect(page.locator('.forecast__range').count()).resolves.toBe(5)

  // Today's weather, as the server sent it: a clear gap between neighbours.
  expect(await homeLayoutProblems(page, 6)).toEqual([])
  expectSaved(await screenshot(page, 'home-320px'))

  // The widest values the API can send (a typhoon's three-digit wind, a 哈尔滨 winter, certain
  // rain), written into the same elements: the layout must hold for them too.
  await page.evaluate(() => {
    const write = (selector: string, text: string) =>
      document.querySelectorAll(selector).forEach((element) => (element.textContent = text))
    const [feelsLike, humidity, wind] = document.querySelectorAll('.detail__value')
    feelsLike.textContent = '-28°'
    humidity.textContent = '100%'
    wind.textContent = '东北风 120 公里/时'
    write('.forecast__rain', '降水 100%')
    write('.forecast__range', '-28° / -15°')
  })
  // Even at their widest, 降水 100% and -28° / -15° keep space between them.
  expect(await homeLayoutProblems(page, 6)).toEqual([])
  expectSaved(await screenshot(page, 'home-320px-widest'))

  expect(problems).toEqual([])
  await page.context().close()
})
