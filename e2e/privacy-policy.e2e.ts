import type { Page } from 'playwright-core'
import { buildSummary } from '../src/more/pages/privacy-policy/policy-content'
import { DATA_INVENTORY, isPersonal } from '../src/services/data-inventory'
import {
  answerConsent,
  appServerAndBrowser,
  expectSaved,
  openPhonePage,
  screenshot,
} from './support/browser'
import { namesIn, technicalNames } from '../test/policy-technical-names'

// POLICY in the H5 build, on a 375×740 phone, as a reader meets it: the summary first and short,
// no storage key, table or column until the developer part is opened, no Latin word broken
// across lines ("finger/print"), and the two lists one tap away.

const app = appServerAndBrowser()
const PHONE = { width: 375, height: 740 }

/**
 * Every Latin word (letters, digits, `_ . - @`, 3 characters or more) in the visible text under
 * `selector` that the browser laid out over more than one line, with the lines' tops. Web
 * addresses (`.policy__text--url`) may break: they have nowhere else to.
 */
function brokenWords(page: Page, selector: string) {
  return page.evaluate((root) => {
    const broken: Array<{ word: string; lines: number }> = []
    const container = document.querySelector(root)
    if (!container) throw new Error(`no ${root} on the page`)
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement
      if (!element || element.closest('.policy__text--url')) continue
      if (element.getClientRects().length === 0) continue // hidden
      for (const match of (node.textContent ?? '').matchAll(/[A-Za-z0-9][A-Za-z0-9_.@-]{2,}/g)) {
        const range = document.createRange()
        range.setStart(node, match.index ?? 0)
        range.setEnd(node, (match.index ?? 0) + match[0].length)
        const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)))
        if (tops.size > 1) broken.push({ word: match[0], lines: tops.size })
      }
    }
    return broken
  }, selector)
}

/** How many Latin words the check above looked at (so that it cannot pass by seeing none). */
function wordCount(page: Page, selector: string) {
  return page.evaluate(
    (root) =>
      (document.querySelector(root)?.textContent ?? '').match(/[A-Za-z0-9][A-Za-z0-9_.@-]{2,}/g)
        ?.length ?? 0,
    selector,
  )
}

test('the policy in layers: the summary within two screens, no key or column until 展开技术细节, no word broken, both lists', async () => {
  const { page, problems } = await openPhonePage(app.browser, { viewport: PHONE })
  await page.goto(app.server.url)
  await answerConsent(page, 'decline')
  await page.getByText('未来 5 天').waitFor()
  await page.locator('#home-privacy-policy').click()
  await page.locator('#policy-title:visible').waitFor()

  // The summary: first, what the inventory makes of it, and within two 375×740 screens.
  const summary = page.locator('#policy-summary')
  const summaryText = await summary.innerText()
  for (const paragraph of buildSummary()) {
    for (const line of paragraph.split('\n')) expect(summaryText).toContain(line)
  }
  await page.locator('#policy-open-collected-list').waitFor()
  const box = await page.locator('#policy-open-sharing-list').boundingBox()
  expect(box).not.toBeNull()
  expect((box?.y ?? Infinity) + (box?.height ?? 0)).toBeLessThanOrEqual(2 * PHONE.height)
  expectSaved(await screenshot(page, 'policy-01-summary', { fullPage: false }))

  // Plain words for readers: no key, table or column in what the page shows.
  const shown = await page.locator('#policy').innerText()
  expect(namesIn(shown)).toEqual([])
  expect(await wordCount(page, '#policy')).toBeGreaterThan(10)
  expect(await brokenWords(page, '#policy')).toEqual([])

  // The developer part, at the end: every name, each kept whole on its line.
  await page.locator('#policy-developer-toggle').click()
  await page.locator('#policy-developer-detail').waitFor()
  const detail = await page.locator('#policy-developer-detail').innerText()
  expect(technicalNames().filter((name) => !detail.includes(name))).toEqual([])
  expect(await page.locator('#policy-developer-detail .policy__token').count()).toBeGreaterThan(40)
  expect(await brokenWords(page, '#policy-developer-detail')).toEqual([])
  await page.locator('#policy-dev-error-reports').scrollIntoViewIfNeeded()
  expectSaved(await screenshot(page, 'policy-04-developer', { fullPage: false }))
  await page.locator('#policy-developer-toggle').click()
  await page.locator('#policy-developer-detail').waitFor({ state: 'detached' })

  // 已收集个人信息清单: every personal datum, and nothing else.
  await page.locator('#policy-open-collected-list').click()
  await page.locator('#collected-list-title:visible').waitFor()
  for (const datum of DATA_INVENTORY.data) {
    const block = page.locator(`#collected-${datum.id}`)
    if (!isPersonal(datum)) {
      await expect(block.count()).resolves.toBe(0)
      continue
    }
    const text = await block.innerText()
    for (const item of [datum.name, datum.what, datum.purpose, datum.collectedWhen]) {
      expect({ datum: datum.id, shows: text.includes(item) }).toEqual({
        datum: datum.id,
        shows: true,
      })
    }
  }
  expect(await brokenWords(page, '#collected-list')).toEqual([])
  expectSaved(await screenshot(page, 'policy-02-collected-list', { fullPage: false }))
  await page.locator('.taro-navigation-bar-back').click()
  await page.locator('#policy-title:visible').waitFor()

  // 第三方信息共享清单: every SDK, with its own policy's address.
  await page.locator('#policy-open-sharing-list').click()
  await page.locator('#sharing-list-title:visible').waitFor()
  for (const sdk of DATA_INVENTORY.sdks) {
    const text = await page.locator(`#sharing-${sdk.id}`).innerText()
    for (const item of [sdk.name, sdk.provider, sdk.purpose, sdk.data, sdk.method, sdk.policyUrl]) {
      expect(text).toContain(item)
    }
  }
  expect(await brokenWords(page, '#sharing-list')).toEqual([])
  expectSaved(await screenshot(page, 'policy-03-sharing-list', { fullPage: false }))

  expect(problems).toEqual([])
  await page.context().close()
})

test('the privacy center opens the two lists too', async () => {
  const { page, problems } = await openPhonePage(app.browser, { viewport: PHONE })
  await page.goto(app.server.url)
  await answerConsent(page, 'decline')
  await page.getByText('未来 5 天').waitFor()
  await page.locator('#home-privacy-center').click()
  await page.locator('#privacy-open-collected-list').click()
  await page.locator('#collected-list-title:visible').waitFor()
  await page.locator('.taro-navigation-bar-back').click()
  await page.locator('#privacy-open-sharing-list:visible').click()
  await page.locator('#sharing-list-title:visible').waitFor()
  expect(problems).toEqual([])
  await page.context().close()
})
