import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startTestServer, type TestServer } from '../../server/test/test-server'
import { buildSummary } from '../../src/more/pages/privacy-policy/policy-content'
import { DATA_INVENTORY, isPersonal } from '../../src/services/data-inventory'
import { createFakeWx, type FakeWx } from '../weapp-harness/fake-wx'
import { launchMiniProgram, type MiniProgram } from '../weapp-harness/mini-program'
import { findById, visibleText } from '../weapp-harness/render-tree'
import { connectToServer } from './connect-to-server'
import { expectStorageDeclared } from './storage-declared'
import { agreeOnFirstLaunch } from './first-launch'
import { namesIn, technicalNames } from '../policy-technical-names'

// POLICY in the real weapp build (dist/): the privacy policy page, opened from home's footer and
// from the consent dialog, shows every datum of the data inventory, the SDK list, the rights and
// where to use them; and the inventory stays out of the main package.

// The policy is the longest page: each look renders all of it with WeChat's template compiler.
// A loaded 2-core machine once took over 30 s for a journey through it.
jest.setTimeout(90_000)

const POLICY_ROUTE = 'more/pages/privacy-policy/index'
const COLLECTED_ROUTE = 'more/pages/collected-list/index'
const SHARING_ROUTE = 'more/pages/sharing-list/index'
const DIST = resolve(__dirname, '../../dist')

let server: TestServer
let app: MiniProgram | undefined
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server?.close()
})
afterEach(() => app?.close())

async function launch(fake: FakeWx = createFakeWx()) {
  connectToServer(fake, server)
  app = await launchMiniProgram({ fakeWx: fake })
  return app
}

/** The visible text of the element with this id on the current page. */
function textOf(program: MiniProgram, id: string): string {
  const node = findById(program.currentPage.render(), id)
  if (!node) throw new Error(`no element #${id} on ${program.currentPage.route}`)
  return visibleText(node)
}

/** Every item of the inventory is on the page, each in its own element. */
function expectEveryItem(program: MiniProgram) {
  const { handler, policy, data, sdks, rights } = DATA_INVENTORY
  const about = textOf(program, 'policy-about')
  for (const text of [handler.name, handler.email, policy.version, policy.effectiveDate]) {
    expect(about).toContain(text)
  }
  for (const change of policy.changes) expect(textOf(program, 'policy-changes')).toContain(change)
  for (const datum of data) {
    const shown = textOf(program, `policy-datum-${datum.id}`)
    for (const text of [
      datum.name,
      datum.what,
      datum.purpose,
      datum.method,
      datum.retention.text,
      datum.collectedWhen,
      datum.deletedWhen,
    ]) {
      expect({ datum: datum.id, shows: shown.includes(text) }).toEqual({
        datum: datum.id,
        shows: true,
      })
    }
  }
  for (const sdk of sdks) {
    const shown = textOf(program, `policy-sdk-${sdk.id}`)
    for (const text of [
      sdk.name,
      sdk.provider,
      sdk.contact,
      sdk.purpose,
      sdk.data,
      sdk.policyUrl,
    ]) {
      expect(shown).toContain(text)
    }
  }
  for (const right of rights)
    expect(textOf(program, `policy-right-${right.id}`)).toContain(right.how)
  expect(textOf(program, 'policy-rights')).toContain('隐私中心')
}

/**
 * Layers: the summary is the first card and says what the inventory makes of it; no key, table
 * or column is on screen until the developer part is opened, and then every one is.
 */
async function expectLayers(program: MiniProgram) {
  const root = program.currentPage.render()
  const summary = textOf(program, 'policy-summary')
  for (const paragraph of buildSummary()) {
    for (const line of paragraph.split('\n')) expect(summary).toContain(line)
  }
  expect(program.currentPage.text().indexOf(summary)).toBeLessThan(
    program.currentPage.text().indexOf(textOf(program, 'policy-personal')),
  )
  const closed = program.currentPage.text()
  expect(namesIn(closed)).toEqual([])
  expect(findById(root, 'policy-developer-detail')).toBeUndefined()

  await program.currentPage.tap({ id: 'policy-developer-toggle' })
  await program.currentPage.waitForText('收起技术细节')
  const detail = textOf(program, 'policy-developer-detail')
  expect(technicalNames().filter((name) => !detail.includes(name))).toEqual([])
  expect(detail).toContain('docs/data-inventory.md')
  await program.currentPage.tap({ id: 'policy-developer-toggle' })
  await program.currentPage.waitForText('展开技术细节')
  expect(findById(program.currentPage.render(), 'policy-developer-detail')).toBeUndefined()
}

/** From the summary, the two lists: every personal datum, every SDK with its own policy. */
async function expectLists(program: MiniProgram) {
  await program.currentPage.tap({ id: 'policy-open-collected-list' })
  expect(program.currentPage.route).toBe(COLLECTED_ROUTE)
  await program.currentPage.waitForText('已收集个人信息清单')
  for (const datum of DATA_INVENTORY.data) {
    const block = findById(program.currentPage.render(), `collected-${datum.id}`)
    if (!isPersonal(datum)) {
      expect({ datum: datum.id, listed: Boolean(block) }).toEqual({
        datum: datum.id,
        listed: false,
      })
      continue
    }
    const shown = textOf(program, `collected-${datum.id}`)
    for (const text of [datum.name, datum.what, datum.purpose, datum.collectedWhen]) {
      expect({ datum: datum.id, shows: shown.includes(text) }).toEqual({
        datum: datum.id,
        shows: true,
      })
    }
  }
  program.evaluate('wx.navigateBack({})')
  await program.settle()
  expect(program.currentPage.route).toBe(POLICY_ROUTE)

  await program.currentPage.tap({ id: 'policy-open-sharing-list' })
  expect(program.currentPage.route).toBe(SHARING_ROUTE)
  await program.currentPage.waitForText('第三方信息共享清单')
  for (const sdk of DATA_INVENTORY.sdks) {
    const shown = textOf(program, `sharing-${sdk.id}`)
    for (const text of [sdk.name, sdk.provider, sdk.purpose, sdk.data, sdk.method, sdk.policyUrl]) {
      expect(shown).toContain(text)
    }
  }
  program.evaluate('wx.navigateBack({})')
  await program.settle()
  expect(program.currentPage.route).toBe(POLICY_ROUTE)
}

function expectHealthy(program: MiniProgram, fake: FakeWx) {
  expect(program.errors).toEqual([])
  expect(program.consoleErrors).toEqual([])
  expect(fake.control.violations).toEqual([])
}

test('home’s 隐私政策 opens the policy: summary first, every datum of the inventory, the SDK, the rights, the version, the two lists; keys only for developers', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await program.currentPage.waitForText('欢迎使用安心天气')
  await program.currentPage.tap({ id: 'consent-decline' })
  const privacyCallsBefore = fake.control.privacyLog.length
  await program.currentPage.tap({ id: 'home-privacy-policy' })
  expect(program.currentPage.route).toBe(POLICY_ROUTE)
  await program.currentPage.waitForText('安心天气隐私政策')
  expectEveryItem(program)
  await expectLayers(program)
  await expectLists(program)
  // Reading the policy asks WeChat for nothing and sends nothing personal.
  expect(fake.control.privacyLog.slice(privacyCallsBefore)).toEqual([])
  expect(fake.control.calls.some((call) => call.api === 'login')).toBe(false)

  // From the rights, one tap to where they are used.
  await program.currentPage.tap({ id: 'policy-open-privacy-center' })
  expect(program.currentPage.route).toBe('more/pages/privacy-center/index')
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('the consent dialog’s 《隐私政策》 opens the same page before deciding; back on home the question is still there', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await program.currentPage.waitForText('欢迎使用安心天气')
  await program.currentPage.tap({ id: 'consent-policy' })
  expect(program.currentPage.route).toBe(POLICY_ROUTE)
  await program.currentPage.waitForText('安心天气隐私政策')
  // The page is for reading: no dialog over it.
  expect(program.currentPage.text()).not.toContain('欢迎使用安心天气')
  expectEveryItem(program)

  program.evaluate('wx.navigateBack({})')
  await program.settle()
  expect(program.currentPage.route).toBe('pages/home/index')
  await agreeOnFirstLaunch(program)
  await program.settle()
  expect(program.currentPage.text()).not.toContain('欢迎使用安心天气')
  expectHealthy(program, fake)
  expectStorageDeclared(fake)
})

test('the privacy center opens the two lists too', async () => {
  const fake = createFakeWx()
  const program = await launch(fake)
  await program.currentPage.waitForText('欢迎使用安心天气')
  await program.currentPage.tap({ id: 'consent-decline' })
  await program.currentPage.tap({ id: 'home-privacy-center' })
  expect(program.currentPage.route).toBe('more/pages/privacy-center/index')
  await program.currentPage.tap({ id: 'privacy-open-collected-list' })
  expect(program.currentPage.route).toBe(COLLECTED_ROUTE)
  await program.currentPage.waitForText('已收集个人信息清单')
  program.evaluate('wx.navigateBack({})')
  await program.settle()
  await program.currentPage.tap({ id: 'privacy-open-sharing-list' })
  expect(program.currentPage.route).toBe(SHARING_ROUTE)
  await program.currentPage.waitForText(DATA_INVENTORY.sdks[0].policyUrl)
  expectHealthy(program, fake)
})

/** Every file of the build outside the subpackage `more/`: what WeChat downloads before home. */
function mainPackageFiles(): string[] {
  return (readdirSync(DIST, { recursive: true }) as string[])
    .filter((file) => !file.startsWith('more/') && /\.(js|json|wxml|wxss|wxs)$/.test(file))
    .map((file) => join(DIST, file))
}

/** A text as it may appear in minified code: as is, or with non-ASCII escaped. */
const forms = (text: string) => [
  text,
  text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
]

test('the inventory is in the subpackage only: the main package holds none of its text', () => {
  const markers = [
    DATA_INVENTORY.handler.email,
    DATA_INVENTORY.sdks[0].policyUrl,
    // The longest literal run of each: a number in it may be joined in at run time.
    ...DATA_INVENTORY.data.map((d) =>
      d.what
        .split(/\s*\d+\s*/)
        .reduce((longest, part) => (part.length > longest.length ? part : longest), ''),
    ),
  ]
  const main = mainPackageFiles()
  expect(main.length).toBeGreaterThan(0)
  const mainText = main.map((file) => readFileSync(file, 'utf8')).join('\n')
  for (const marker of markers) {
    for (const form of forms(marker))
      expect({ marker, inMain: mainText.includes(form) }).toEqual({
        marker,
        inMain: false,
      })
  }
  // ...and it is in the build: the check above looks for text that exists.
  const policyPage = readFileSync(join(DIST, POLICY_ROUTE + '.js'), 'utf8')
  const subpackage = [policyPage, readFileSync(join(DIST, 'more/sub-vendors.js'), 'utf8')].join(
    '\n',
  )
  for (const marker of markers) {
    expect({
      marker,
      inSubpackage: forms(marker).some((form) => subpackage.includes(form)),
    }).toEqual({ marker, inSubpackage: true })
  }
})
