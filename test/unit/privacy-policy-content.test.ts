import {
  buildPolicy,
  buildSummary,
  type PolicyBlock,
  type PolicyDocument,
} from '../../src/more/pages/privacy-policy/policy-content'
import {
  buildCollectedList,
  buildSharingList,
} from '../../src/more/pages/privacy-policy/privacy-lists'
import { DATA_INVENTORY, isPersonal, type DataInventory } from '../../src/services/data-inventory'
import { POLICY } from '../../src/services/policy-version'
import { namesIn, technicalNames } from '../policy-technical-names'

// POLICY: the privacy policy page's content, made from the inventory. PIPL Art. 17 says what a
// policy must tell before processing; Art. 23 what it must tell about each recipient. These
// tests check each item is on the page for every datum and every SDK, not just somewhere.

const policy = buildPolicy(DATA_INVENTORY)

function block(document: PolicyDocument, id: string): PolicyBlock {
  const found = document.sections.flatMap((s) => s.blocks).find((b) => b.id === id)
  if (!found) throw new Error(`no block ${id}`)
  return found
}
const line = (b: PolicyBlock, suffix: string) => b.lines.find((l) => l.id === `${b.id}-${suffix}`)
const allText = (document: PolicyDocument) => JSON.stringify(document)

test('Art. 17: the handler’s name and contact, the version, its effective date and what changed', () => {
  const about = block(policy, 'policy-about')
  expect(line(about, 'handler')?.text).toBe(DATA_INVENTORY.handler.name)
  expect(line(about, 'contact')?.text).toContain(DATA_INVENTORY.handler.email)
  expect(line(about, 'version')?.text).toBe(POLICY.version)
  expect(line(about, 'effective')?.text).toBe(POLICY.effectiveDate)
  const changes = block(policy, 'policy-changes')
  expect(changes.lines.map((l) => l.text)).toEqual([...POLICY.changes])
  // Contact again at the end, where people look for it.
  expect(allText({ ...policy, sections: [policy.sections.at(-1)!] })).toContain(
    DATA_INVENTORY.handler.email,
  )
})

test.each(DATA_INVENTORY.data.map((d) => [d.id, d] as const))(
  'Art. 17 for %s: kinds, purpose, method, legal basis, where, retention, collection and deletion',
  (id, datum) => {
    const b = block(policy, `policy-datum-${id}`)
    expect(b.title).toBe(datum.name)
    expect(line(b, 'what')?.text).toBe(datum.what)
    expect(line(b, 'purpose')?.text).toBe(datum.purpose)
    expect(line(b, 'method')?.text).toBe(datum.method)
    expect(line(b, 'retention')?.text).toBe(datum.retention.text)
    expect(line(b, 'basis')?.text).toBeTruthy()
    expect(line(b, 'where')?.text).toBeTruthy()
    expect(line(b, 'collected')?.text).toBe(datum.collectedWhen)
    expect(line(b, 'deleted')?.text).toBe(datum.deletedWhen)
    expect(line(b, 'shared')?.text).toBeTruthy()
    for (const sdkId of datum.sharedWith) {
      const sdk = DATA_INVENTORY.sdks.find((s) => s.id === sdkId)
      expect(line(b, 'shared')?.text).toContain(sdk?.name)
    }
  },
)

test('personal data and the rest are in separate sections', () => {
  const ids = (sectionId: string) =>
    policy.sections.find((s) => s.id === sectionId)?.blocks.map((b) => b.id)
  expect(ids('policy-personal')).toEqual(
    DATA_INVENTORY.data.filter(isPersonal).map((d) => `policy-datum-${d.id}`),
  )
  expect(ids('policy-other')).toEqual(
    DATA_INVENTORY.data.filter((d) => !isPersonal(d)).map((d) => `policy-datum-${d.id}`),
  )
})

test('the coordinates are said to be kept nowhere', () => {
  const coordinates = block(policy, 'policy-datum-fuzzy-location')
  expect(line(coordinates, 'where')?.text).toMatch(/^不保存/)
  expect(line(coordinates, 'method')?.text).toContain('坐标不保存、不上传')
})

test.each(DATA_INVENTORY.sdks.map((s) => [s.id, s] as const))(
  'Art. 23 for the SDK %s: recipient, contact, purpose, method, data kinds, article and policy link',
  (id, sdk) => {
    const b = block(policy, `policy-sdk-${id}`)
    expect(b.title).toBe(sdk.name)
    expect(line(b, 'provider')?.text).toBe(sdk.provider)
    expect(line(b, 'contact')?.text).toBe(sdk.contact)
    expect(line(b, 'purpose')?.text).toBe(sdk.purpose)
    expect(line(b, 'method')?.text).toBe(sdk.method)
    expect(line(b, 'data')?.text).toBe(sdk.data)
    expect(line(b, 'role')?.text).toMatch(/第二十(一|三)条/)
    expect(line(b, 'consent')?.text).toContain('单独')
    expect(line(b, 'policy')?.text).toBe(sdk.policyUrl)
  },
)

test('Art. 44–47 and 50: every right, its article and where to use it (the privacy center)', () => {
  for (const right of DATA_INVENTORY.rights) {
    const b = block(policy, `policy-right-${right.id}`)
    expect(b.title).toContain(right.name)
    expect(b.title).toContain(right.article)
    expect(line(b, 'how')?.text).toBe(right.how)
  }
  const articles = DATA_INVENTORY.rights.map((r) => r.article)
  for (const article of ['第四十四条', '第四十五条', '第四十六条', '第四十七条', '第五十条']) {
    expect(articles).toContain(article)
  }
  const rights = policy.sections.find((s) => s.id === 'policy-rights')
  expect(rights?.intro?.join('')).toContain('隐私中心')
})

test('sensitive personal information: the page says none is processed, derived from the inventory', () => {
  expect(allText(policy)).toContain('不处理敏感个人信息')
  const withSensitive: DataInventory = {
    ...DATA_INVENTORY,
    data: DATA_INVENTORY.data.map((d) =>
      d.id === 'fuzzy-location' ? { ...d, category: 'sensitive' as const } : d,
    ),
  }
  const text = allText(buildPolicy(withSensitive))
  expect(text).not.toContain('不处理敏感个人信息')
  expect(text).toContain('模糊位置（经纬度）')
})

test('the summary names the personal data processed without consent, and on what ground', () => {
  const summary = policy.sections.find((s) => s.id === 'policy-summary')?.intro?.join('') ?? ''
  const byDuty = DATA_INVENTORY.data.filter((d) => isPersonal(d) && d.basis === 'legal-duty')
  expect(byDuty.length).toBeGreaterThan(0)
  for (const d of byDuty) expect(summary).toContain(d.name)
  expect(summary).toContain('法定义务')
})

test('element ids are unique (tests and screen readers find each item by them)', () => {
  const ids = policy.sections.flatMap((s) => [
    s.id,
    ...s.blocks.flatMap((b) => [b.id, ...b.lines.map((l) => l.id)]),
  ])
  expect(new Set(ids).size).toBe(ids.length)
  for (const id of ids) expect(id).toMatch(/^policy-[a-z0-9-]+$/)
})

test('lines are short enough to read on a phone: no line label over 6 characters', () => {
  for (const section of policy.sections) {
    for (const b of section.blocks) for (const l of b.lines) expect(l.label.length).toBeLessThan(7)
  }
})

// ---------------------------------------------------------------------------------------------
// Layers: a short summary first, every datum in plain words, the technical detail apart.

/** The summary's limit: 400 characters (what it measures today is printed by the test name). */
const SUMMARY_MAX_CHARACTERS = 400

test(`the summary comes first and stays short: at most ${SUMMARY_MAX_CHARACTERS} characters`, () => {
  expect(policy.sections[0].id).toBe('policy-summary')
  const summary = policy.sections[0]
  expect(summary.intro).toEqual(buildSummary(DATA_INVENTORY))
  expect(summary.blocks).toEqual([])
  const characters = [...(summary.intro ?? []).join('')].length
  expect(characters).toBeGreaterThan(100)
  expect(characters).toBeLessThanOrEqual(SUMMARY_MAX_CHARACTERS)
  // What we use (each consent), why, what you can do and where.
  const text = (summary.intro ?? []).join('\n')
  for (const words of [
    '使用我的位置',
    '登录账号',
    '错误报告',
    '使用统计',
    '隐私中心',
    '撤回同意',
  ]) {
    expect(text).toContain(words)
  }
})

test('no storage key, database, table or column name outside the developer part', () => {
  const names = technicalNames()
  expect(names).toEqual(
    expect.arrayContaining(['consent.item.record', 'server.db', 'error_reports', 'fingerprint']),
  )
  const userFacing = [
    policy.title,
    policy.versionLine,
    ...policy.sections.flatMap((section) => [
      section.title,
      ...(section.intro ?? []),
      ...section.blocks.flatMap((b) => [b.title, ...b.lines.flatMap((l) => [l.label, l.text])]),
    ]),
    ...[buildCollectedList(), buildSharingList()].flatMap((list) => [
      list.title,
      ...list.intro,
      ...list.blocks.flatMap((b) => [b.title, ...b.lines.flatMap((l) => [l.label, l.text])]),
    ]),
  ].join('\n')
  expect(namesIn(userFacing, names)).toEqual([])
  // The check finds them where they are: in the developer part.
  const developer = JSON.stringify(policy.developer)
  expect(namesIn(developer, names).sort()).toEqual([...names].sort())
})

test('the developer part: every datum, with every storage key, table and column of it', () => {
  const { developer } = policy
  expect(developer.id).toBe('policy-developer')
  expect(developer.intro).toContain('docs/data-inventory.md')
  expect(developer.entries.map((e) => e.id)).toEqual(
    DATA_INVENTORY.data.map((d) => `policy-dev-${d.id}`),
  )
  for (const datum of DATA_INVENTORY.data) {
    const tokens = developer.entries
      .find((e) => e.id === `policy-dev-${datum.id}`)!
      .places.flatMap((p) => p.tokens)
    const expected = datum.where.flatMap((place) =>
      place.kind === 'device'
        ? [place.key]
        : place.kind === 'server-table'
          ? [place.database, place.table, ...place.columns]
          : [],
    )
    expect({ datum: datum.id, tokens }).toEqual({ datum: datum.id, tokens: expected })
  }
})

test('only web addresses may break anywhere: they, and nothing else, are marked as addresses', () => {
  const lines = [
    ...policy.sections.flatMap((s) => s.blocks.flatMap((b) => b.lines)),
    ...buildSharingList().blocks.flatMap((b) => b.lines),
    ...buildCollectedList().blocks.flatMap((b) => b.lines),
  ]
  for (const l of lines)
    expect({ id: l.id, url: Boolean(l.url) }).toEqual({ id: l.id, url: /^https:\/\//.test(l.text) })
  expect(lines.some((l) => l.url)).toBe(true)
})
