import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildPrivacyGuide,
  CALLED_PRIVACY_APIS,
  declaredPrivateInfos,
  PRIVATE_INFO_KEYS,
  PrivacyGuideError,
  runPrivacyGuideCli,
  type PrivacyGuide,
} from '../../scripts/privacy-guide'
import { buildPolicy, type PolicyBlock } from '../../src/more/pages/privacy-policy/policy-content'
import {
  DATA_INVENTORY,
  WECHAT_PRIVACY_KEYS,
  type DataInventory,
  type Datum,
} from '../../src/services/data-inventory'

// POLICY: WeChat's privacy guide (the admin console's 用户隐私保护指引, settable with the
// `setPrivacySetting` open API) made from the same inventory as the policy page. It must agree
// with the APIs app.config.ts declares and with what the page lists.

const declared = declaredPrivateInfos()
const guide = buildPrivacyGuide(DATA_INVENTORY, declared)
const policy = buildPolicy(DATA_INVENTORY)
const blocks = policy.sections.flatMap((s) => s.blocks)
const block = (id: string) => blocks.find((b) => b.id === id) as PolicyBlock
const lineText = (b: PolicyBlock, suffix: string) =>
  b.lines.find((l) => l.id === `${b.id}-${suffix}`)?.text

test('the shape setPrivacySetting takes: owner_setting, setting_list, sdk_privacy_info_list', () => {
  expect(Object.keys(guide).sort()).toEqual(
    ['owner_setting', 'privacy_ver', 'sdk_privacy_info_list', 'setting_list'].sort(),
  )
  expect(guide.privacy_ver).toBe(2) // the development version: published with the next release
  expect(guide.owner_setting).toEqual({
    contact_email: DATA_INVENTORY.handler.email,
    notice_method: DATA_INVENTORY.handler.noticeMethod,
    store_expire_timestamp: expect.any(String),
  })
  for (const entry of [
    ...guide.setting_list,
    ...guide.sdk_privacy_info_list.flatMap((s) => s.sdk_list),
  ]) {
    expect(Object.keys(entry).sort()).toEqual(['privacy_key', 'privacy_text'])
    expect(WECHAT_PRIVACY_KEYS).toContain(entry.privacy_key)
    expect(entry.privacy_text).not.toMatch(/^(为了|用于)/)
  }
  for (const sdk of guide.sdk_privacy_info_list) {
    expect(Object.keys(sdk).sort()).toEqual(['sdk_biz_name', 'sdk_list', 'sdk_name'])
  }
})

test('what this app declares today: the fuzzy location, the clipboard, and WeChat analytics as the one SDK', () => {
  expect(guide.setting_list).toEqual([
    { privacy_key: 'Location', privacy_text: '找出离你最近的城市，显示当地天气' },
    { privacy_key: 'Clipboard', privacy_text: '把你导出的数据复制到剪贴板，方便你自己保存或转交' },
  ])
  // The clipboard is the one privacy API app.json cannot declare that the app calls.
  expect(CALLED_PRIVACY_APIS).toEqual({ setClipboardData: 'Clipboard' })
  expect(guide.sdk_privacy_info_list).toEqual([
    {
      sdk_name: '微信分析（wx.reportEvent）',
      sdk_biz_name: '深圳市腾讯计算机系统有限公司',
      sdk_list: [{ privacy_key: 'EXUserOpLog', privacy_text: '统计功能使用情况，改进应用' }],
    },
  ])
})

test('it agrees with app.config.ts: every declared API has its data kind, and no location kind is undeclared', () => {
  expect(declared).toEqual(['getFuzzyLocation'])
  const keys = guide.setting_list.map((entry) => entry.privacy_key)
  for (const api of declared) expect(keys).toContain(PRIVATE_INFO_KEYS[api])
  const locationKeys = new Set(Object.values(PRIVATE_INFO_KEYS))
  for (const key of keys.filter((k) => locationKeys.has(k))) {
    expect(declared.some((api) => PRIVATE_INFO_KEYS[api] === key)).toBe(true)
  }
})

test('it agrees with the policy page: each data kind is a datum shown there with the same purpose', () => {
  for (const entry of guide.setting_list) {
    const data = DATA_INVENTORY.data.filter(
      (d) =>
        d.wechatGuide &&
        'privacyKey' in d.wechatGuide &&
        d.wechatGuide.privacyKey === entry.privacy_key,
    )
    expect(data.length).toBeGreaterThan(0)
    for (const datum of data) {
      expect(entry.privacy_text).toContain(lineText(block(`policy-datum-${datum.id}`), 'purpose'))
    }
  }
  expect(guide.sdk_privacy_info_list.map((s) => s.sdk_name)).toEqual(
    policy.sections.find((s) => s.id === 'policy-sdks')?.blocks.map((b) => b.title),
  )
  for (const sdk of DATA_INVENTORY.sdks) {
    const listed = guide.sdk_privacy_info_list.find((s) => s.sdk_name === sdk.name)
    const shown = block(`policy-sdk-${sdk.id}`)
    expect(listed?.sdk_biz_name).toBe(lineText(shown, 'provider'))
    for (const entry of listed?.sdk_list ?? []) {
      expect(entry.privacy_text).toBe(lineText(shown, 'purpose'))
    }
  }
  expect(lineText(block('policy-about'), 'contact')).toContain(guide.owner_setting.contact_email)
})

test('retention: every personal datum the handler keeps, with the period the page states', () => {
  const text = guide.owner_setting.store_expire_timestamp
  for (const datum of DATA_INVENTORY.data) {
    if (datum.category === 'not-personal' || datum.sharedWith.length > 0) continue
    expect(text).toContain(`${datum.name}：${datum.retention.text}`)
  }
  expect(text).not.toContain('使用统计') // kept by the SDK's provider, not by the handler
})

// --- refusals ----------------------------------------------------------------------------------

function variant(change: (inventory: DataInventory) => void): DataInventory {
  const copy = structuredClone({ ...DATA_INVENTORY, policy: undefined }) as unknown as DataInventory
  copy.policy = DATA_INVENTORY.policy
  change(copy)
  return copy
}
const datum = (inventory: DataInventory, id: string) =>
  inventory.data.find((d) => d.id === id) as Datum

test.each<[string, DataInventory, string[], string]>([
  [
    'a privacy API the app calls (setClipboardData), but no datum under its kind',
    variant((i) => (datum(i, 'copied-export').wechatGuide = { omitted: 'forgotten' })),
    declared,
    'CALLED_PRIVACY_APIS: setClipboardData needs Clipboard in the guide',
  ],
  [
    'an entry without a purpose',
    variant((i) => (datum(i, 'fuzzy-location').purpose = '')),
    declared,
    'fuzzy-location.purpose: missing',
  ],
  [
    'a data kind WeChat does not have',
    variant((i) => (datum(i, 'fuzzy-location').wechatGuide = { privacyKey: 'Weather' as never })),
    declared,
    'fuzzy-location.wechatGuide: unknown-wechat-key',
  ],
  [
    'a purpose that would read “为了为了…”',
    variant((i) => (datum(i, 'fuzzy-location').purpose = '为了显示天气')),
    declared,
    'fuzzy-location.purpose: guide-text-wording',
  ],
  [
    'an SDK without its provider',
    variant((i) => (i.sdks[0].provider = '')),
    declared,
    'wechat-analytics.provider: missing',
  ],
  [
    'no contact for the owner_setting',
    variant((i) => (i.handler.email = '')),
    declared,
    'handler.email: invalid',
  ],
  [
    'getFuzzyLocation declared, but no datum under Location',
    variant((i) => (datum(i, 'fuzzy-location').wechatGuide = { omitted: 'forgotten' })),
    declared,
    'app.config.ts.requiredPrivateInfos: getFuzzyLocation needs Location in the guide',
  ],
  [
    'a location data kind without its API declared in app.config.ts',
    DATA_INVENTORY,
    [],
    'app.config.ts.requiredPrivateInfos: Location is in the guide, but no API of it is declared',
  ],
  [
    'an API the generator cannot map',
    DATA_INVENTORY,
    ['getFuzzyLocation', 'getWeRunData'],
    'app.config.ts.requiredPrivateInfos: getWeRunData has no known data kind',
  ],
])('refuses %s', (_name, inventory, apis, message) => {
  let error: unknown
  try {
    buildPrivacyGuide(inventory, apis)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(PrivacyGuideError)
  expect((error as PrivacyGuideError).problems).toContain(message)
  expect((error as Error).message).toContain(message)
})

// --- the command ------------------------------------------------------------------------------

test('npm run privacy:guide -- <file> writes the JSON; without a path it prints it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'privacy-guide-'))
  try {
    const printed: string[] = []
    const file = join(dir, 'guide.json')
    const print = (line: string) => printed.push(line)
    expect(runPrivacyGuideCli([file], print, print)).toBe(0)
    expect(JSON.parse(readFileSync(file, 'utf8')) as PrivacyGuide).toEqual(guide)
    expect(printed.join('\n')).toContain(file)

    const out: string[] = []
    const printOut = (line: string) => out.push(line)
    expect(runPrivacyGuideCli([], printOut, printOut)).toBe(0)
    expect(JSON.parse(out.join('\n'))).toEqual(guide)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.each([[['--nope']], [['a.json', 'b.json']]])(
  'npm run privacy:guide refuses %j with usage',
  (argv) => {
    const printed: string[] = []
    const print = (line: string) => printed.push(line)
    expect(runPrivacyGuideCli(argv, print, print)).toBe(2)
    expect(printed.join('\n')).toContain('Usage')
  },
)
