import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { BrowserContextOptions, Page } from 'playwright-core'
import {
  answerConsent,
  expectSaved,
  openPhonePage,
  screenshot,
  appServerAndBrowser,
} from './support/browser'
import type { MyDataExport, SessionResponse } from '../src/services/api-contract'

// The privacy center's data rights in the H5 build, in Chromium against the reference server:
// see and copy what the server holds (查看我的数据), delete it with what is on the device
// (删除我的数据), online, offline and cancelled. Every journey fails on a console error, an
// uncaught error, a CSP violation, a failed request or a 4xx/5xx answer (openPhonePage records
// them); the offline journey accepts exactly the two calls it cuts off.

// The reference server serving the H5 build, and Chromium: one of each for this file.
const app = appServerAndBrowser()

/** The server tables that hold a user's rows, and the column that links each to the user. */
const USER_TABLES = [
  ['users', 'id'],
  ['sessions', 'user_id'],
  ['consents', 'user_id'],
  ['error_reports', 'user_id'],
] as const

/** How many rows of `userId` each table holds. */
function serverRows(userId: string): Record<string, number> {
  return Object.fromEntries(
    USER_TABLES.map(([table, column]) => {
      const row = app.server.db
        .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`)
        .get(userId) as { n: number }
      return [table, Number(row.n)]
    }),
  )
}

/** Every localStorage key of the page. */
function storageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(localStorage).sort())
}

/** Home showing `city`'s weather. */
async function expectHomeWeather(page: Page, city: string) {
  await page.locator('#home-city', { hasText: city }).waitFor()
  await page.getByText('未来 5 天').waitFor()
}

/** The server's answer to the app's next `method` call of `path`. */
function nextCall(page: Page, method: string, path: string) {
  return page.waitForResponse(
    (response) =>
      response.request().method() === method && new URL(response.url()).pathname === path,
    { timeout: 10_000 },
  )
}

/**
 * A first launch: 同意, 上海 chosen from the list (its weather kept on the device), then the
 * privacy center and 登录. Returns the session the server issued (read from its answer to the
 * app, as the app received it) and the user it belongs to (from the server's sessions table).
 */
async function signedInAtPrivacyCenter(options: BrowserContextOptions = {}) {
  const { page, problems } = await openPhonePage(app.browser, options)
  await page.goto(app.server.url)
  await answerConsent(page, 'agree')
  await expectHomeWeather(page, '北京')

  await page.locator('#home-city').click()
  await page.locator('#city-shanghai').click()
  await expectHomeWeather(page, '上海')
  await page.waitForFunction(() =>
    ['weather.selectedCity', 'weather.lastGood'].every((key) => localStorage.getItem(key)),
  )

  await page.locator('#home-privacy-center').click()
  await page.locator('#privacy-session-status', { hasText: '未登录' }).waitFor()
  const issuedAnswer = nextCall(page, 'POST', '/v1/session')
  await page.locator('#privacy-sign-in').click()
  await page.locator('#privacy-session-status', { hasText: '已登录' }).waitFor()
  const issued = (await (await issuedAnswer).json()) as SessionResponse

  const tokenSha256 = createHash('sha256').update(issued.token).digest('hex')
  const row = app.server.db
    .prepare('SELECT user_id AS userId FROM sessions WHERE token_sha256 = ?')
    .get(tokenSha256) as { userId: string } | undefined
  expect(row?.userId).toEqual(expect.any(String))
  const userId = row?.userId ?? ''
  // Signed in: one session, the agreement the sign-in sent, no error reports.
  expect(serverRows(userId)).toEqual({ users: 1, sessions: 1, consents: 1, error_reports: 0 })
  await page.locator('#privacy-device-session', { hasText: '已加密保存（内容不显示）' }).waitFor()
  return { page, problems, issued, userId }
}

/** The keys a signed-in device holds, besides the consent record. */
const SIGNED_IN_KEYS = ['secure.keyring', 'secure.item.session', 'weather.selectedCity']

/** 删除我的数据, and the confirmation modal (Taro's on H5) it opens first. */
async function askToDelete(page: Page) {
  await page.locator('#privacy-delete').click()
  // (The modal's wrapper has no size of its own: its content is what shows.)
  const modal = page.locator('.taro__modal .taro-modal__content')
  await modal.locator('.taro-modal__title', { hasText: '删除我的数据' }).waitFor()
  await expect(modal.locator('.taro-modal__text').innerText()).resolves.toBe(
    '将删除服务器上你的账号和全部记录，并清除本机保存的数据。此操作无法撤销。',
  )
  return modal
}

/** After a deletion: only the consent decision (and the sign-out choice) is left on the device. */
async function expectOnlyConsentLeft(page: Page) {
  const keys = await storageKeys(page)
  // Left: the consent decision, and the choice that nothing signs in again on its own.
  expect(keys.filter((key) => !key.startsWith('consent.'))).toEqual(['session.signedOut'])
  expect(keys).toContain('consent.item.record')
  await page.locator('#privacy-device-session', { hasText: '未保存' }).waitFor()
  await expect(page.locator('#privacy-device-session').innerText()).resolves.not.toContain(
    '已加密保存',
  )
  await expect(page.locator('#privacy-device-consent-record').innerText()).resolves.toContain(
    '已加密保存（内容不显示）',
  )
}

/** 删除回执（12月1日 10:05）: the receipt's first line, with the time the device finished. */
const RECEIPT_HEADING = /^删除回执（\d{1,2}月\d{1,2}日\u00a0\d{1,2}:\d{2}）$/m
const RECEIPT_DEVICE = '本机：已清除登录凭证、加密数据和密钥、所选城市与天气缓存。'

test('查看我的数据: a readable summary and the full JSON the server holds; no secret on the page', async () => {
  const { page, problems, issued, userId } = await signedInAtPrivacyCenter()

  const exported = nextCall(page, 'GET', '/v1/me/data')
  await page.locator('#privacy-export').click()
  const result = page.locator('#privacy-export-result')
  await result.waitFor()
  expect((await exported).ok()).toBe(true)

  const summary = await result.innerText()
  expect(summary).toContain('同意记录：1 条')
  expect(summary).toContain('登录会话：1 个')
  expect(summary).toContain('错误报告：0 条')
  expect(summary).toContain('完整数据（也可长按选择复制）：')

  // The JSON shown is what the server holds for that session: asked again, it answers the same
  // (only the export's own time differs).
  const shown = JSON.parse(await page.locator('#privacy-export-json').innerText()) as MyDataExport
  const fromServer = await app.server.signed(issued, '/v1/me/data')
  expect(fromServer.status).toBe(200)
  const held = fromServer.body as MyDataExport
  expect(shown.user.id).toBe(userId)
  expect(held.user.id).toBe(userId)
  expect(shown.user.openidHmac).toMatch(/^[0-9a-f]{64}$/)
  expect(summary).toContain(`（${shown.user.openidHmac.slice(0, 8)}…）`)
  expect({ ...shown, exportedAt: undefined }).toEqual({ ...held, exportedAt: undefined })
  expect(shown.consents).toEqual([
    expect.objectContaining({ decision: 'agreed', decidedAt: expect.any(String) }),
  ])
  expect(shown.sessions).toHaveLength(1)
  expect(shown.errorReports).toEqual([])

  // The device card: the session is there, sealed, and shown as such; no secret anywhere on the
  // page (its whole HTML, hidden pages included).
  await expect(page.locator('#privacy-device-session').innerText()).resolves.toContain(
    '已加密保存（内容不显示）',
  )
  // Its key, said for what it is.
  await expect(page.locator('#privacy-device-secure-keyring').innerText()).resolves.toContain(
    '已保存：随机生成的密钥，只用来加密封存登录状态，不含你的任何信息',
  )
  const html = await page.content()
  for (const secret of [issued.token, issued.signingKey]) expect(html).not.toContain(secret)
  expect(html).not.toMatch(/dev_[A-Za-z0-9_-]{24}/)

  await result.scrollIntoViewIfNeeded()
  expectSaved(await screenshot(page, 'privacy-01-export'))

  expect(problems).toEqual([])
  await page.context().close()
})

test('复制 and 下载 (web): the export on the clipboard and in a JSON file, and no copy left in the page’s storage', async () => {
  const { page, problems, userId } = await signedInAtPrivacyCenter({
    permissions: ['clipboard-read', 'clipboard-write'],
  })
  await page.locator('#privacy-export').click()
  await page.locator('#privacy-export-result').waitFor()
  const shown = JSON.parse(await page.locator('#privacy-export-json').innerText()) as MyDataExport
  expect(shown.user.id).toBe(userId)

  await page.locator('#privacy-export-copy').click()
  await page.locator('#privacy-export-copy-status', { hasText: '已复制到剪贴板' }).waitFor()
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(JSON.parse(copied)).toEqual(shown)

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#privacy-export-download').click(),
  ])
  expect(download.suggestedFilename()).toBe(
    `anxin-weather-my-data-${shown.exportedAt.slice(0, 10)}.json`,
  )
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as MyDataExport
  expect(saved).toEqual(shown)

  // Neither left the export in the page's storage (Taro's own H5 setClipboardData would have:
  // it keeps the text under taro_clipboard).
  const keys = await storageKeys(page)
  expect(keys).not.toContain('taro_clipboard')
  const stored = await page.evaluate(() =>
    Object.keys(localStorage)
      .map((key) => localStorage.getItem(key))
      .join('\n'),
  )
  expect(stored).not.toContain(shown.user.openidHmac)
  await page.locator('#privacy-export-copy').scrollIntoViewIfNeeded()
  expectSaved(await screenshot(page, 'privacy-04-export-copied', { fullPage: false }))

  expect(problems).toEqual([])
  await page.context().close()
})

test('删除我的数据 -> 删除: the receipt; the server holds no row of the user; only the consent decision stays on the device', async () => {
  const { page, problems, issued, userId } = await signedInAtPrivacyCenter()
  expect(await storageKeys(page)).toEqual(
    expect.arrayContaining([...SIGNED_IN_KEYS, 'weather.lastGood']),
  )

  const modal = await askToDelete(page)
  const erased = nextCall(page, 'DELETE', '/v1/me')
  await modal.locator('.taro-model__confirm', { hasText: '删除' }).click()
  const receipt = page.locator('#privacy-delete-receipt')
  await receipt.waitFor()
  expect((await erased).ok()).toBe(true)

  const text = await receipt.innerText()
  expect(text).toMatch(RECEIPT_HEADING)
  expect(text).toContain(RECEIPT_DEVICE)
  expect(text).toContain('服务器：已删除账号、1 个登录会话、1 条同意记录和 0 条错误报告。')

  // The device: the consent decision only. The server: nothing of the user, the token refused.
  await expectOnlyConsentLeft(page)
  await expect(page.locator('#privacy-device-chosen-city').innerText()).resolves.toContain('未保存')
  expect(serverRows(userId)).toEqual({ users: 0, sessions: 0, consents: 0, error_reports: 0 })
  expect((await app.server.signed(issued, '/v1/me/data')).status).toBe(401)
  // Signed out: 登录 is offered again, 查看我的数据 is not.
  await page.locator('#privacy-sign-in').waitFor()
  await expect(page.locator('#privacy-export').count()).resolves.toBe(0)

  await page.locator('.taro-modal__content').waitFor({ state: 'hidden' })
  await receipt.scrollIntoViewIfNeeded()
  expectSaved(await screenshot(page, 'privacy-02-delete-receipt'))

  expect(problems).toEqual([])
  await page.context().close()
})

test('删除我的数据 offline: the device part is done, the receipt says the server part is pending', async () => {
  const { page, problems, issued, userId } = await signedInAtPrivacyCenter()
  // The network to the API fails from here on (the page itself is loaded).
  const cutOff: string[] = []
  await page.route('**/v1/**', (route) => {
    cutOff.push(`${route.request().method()} ${new URL(route.request().url()).pathname}`)
    return route.abort('internetdisconnected')
  })

  const modal = await askToDelete(page)
  await modal.locator('.taro-model__confirm', { hasText: '删除' }).click()
  const receipt = page.locator('#privacy-delete-receipt')
  await receipt.waitFor()

  const text = await receipt.innerText()
  expect(text).toMatch(RECEIPT_HEADING)
  expect(text).toContain(RECEIPT_DEVICE)
  expect(text).toContain('服务器：暂时无法删除（ERR_NETWORK）')
  expect(text).toContain('请联网后重新登录并再删除一次')
  await expectOnlyConsentLeft(page)

  // Exactly the one call the deletion makes was cut off (the session is then forgotten on the
  // device without another request).
  expect(cutOff).toEqual(['DELETE /v1/me'])
  expect(problems).toEqual([`request failed: ${app.server.url}/v1/me`])
  // The server never heard of it: the user, the session and the agreement are still there.
  expect(serverRows(userId)).toEqual({ users: 1, sessions: 1, consents: 1, error_reports: 0 })
  expect((await app.server.signed(issued, '/v1/me/data')).status).toBe(200)

  await page.locator('.taro-modal__content').waitFor({ state: 'hidden' })
  await receipt.scrollIntoViewIfNeeded()
  expectSaved(await screenshot(page, 'privacy-03-delete-offline'))
  await page.context().close()
})

test('删除我的数据 -> 取消: nothing is deleted, still signed in', async () => {
  const { page, problems, issued, userId } = await signedInAtPrivacyCenter()
  const deletions: string[] = []
  page.on('request', (request) => {
    if (request.method() === 'DELETE') deletions.push(request.url())
  })
  const before = await storageKeys(page)
  expect(before).toEqual(expect.arrayContaining(SIGNED_IN_KEYS))

  const modal = await askToDelete(page)
  await modal.locator('.taro-model__cancel', { hasText: '取消' }).click()
  await page.locator('.taro-modal__content').waitFor({ state: 'hidden' })

  // Still signed in and able to export: 查看我的数据 answers with the same one session.
  await page.locator('#privacy-session-status', { hasText: '已登录' }).waitFor()
  await page.locator('#privacy-export').click()
  await expect(page.locator('#privacy-export-result').innerText()).resolves.toContain(
    '登录会话：1 个',
  )
  await expect(page.locator('#privacy-delete-receipt').count()).resolves.toBe(0)
  expect(await storageKeys(page)).toEqual(before)
  await expect(page.locator('#privacy-device-session').innerText()).resolves.toContain(
    '已加密保存（内容不显示）',
  )
  expect(deletions).toEqual([])
  expect(serverRows(userId)).toEqual({ users: 1, sessions: 1, consents: 1, error_reports: 0 })
  expect((await app.server.signed(issued, '/v1/me/data')).status).toBe(200)

  expect(problems).toEqual([])
  await page.context().close()
})
