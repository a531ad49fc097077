import { buildPolicy } from '../../src/more/pages/privacy-policy/policy-content'
import {
  buildCollectedList,
  buildSharingList,
  type PrivacyList,
} from '../../src/more/pages/privacy-policy/privacy-lists'
import { DATA_INVENTORY, isPersonal, type DataInventory } from '../../src/services/data-inventory'

// POLICY: the two lists (已收集个人信息清单, 第三方信息共享清单) come from the same inventory as
// the policy page: every entry they should have, each item in its own line, nothing else.

const line = (list: PrivacyList, blockId: string, suffix: string) =>
  list.blocks.find((b) => b.id === blockId)?.lines.find((l) => l.id === `${blockId}-${suffix}`)
    ?.text

describe('已收集个人信息清单', () => {
  const list = buildCollectedList(DATA_INVENTORY)

  test('one entry for every personal datum of the inventory, in its order, and nothing else', () => {
    expect(list.title).toBe('已收集个人信息清单')
    const personal = DATA_INVENTORY.data.filter(isPersonal)
    expect(personal.length).toBeGreaterThan(5)
    expect(list.blocks.map((b) => b.id)).toEqual(personal.map((d) => `collected-${d.id}`))
  })

  test.each(DATA_INVENTORY.data.filter(isPersonal).map((d) => [d.id, d] as const))(
    '%s: what it holds, its purpose, the scene it is collected in, how long it is kept',
    (id, datum) => {
      const blockId = `collected-${id}`
      expect(list.blocks.find((b) => b.id === blockId)?.title).toBe(datum.name)
      expect(line(list, blockId, 'what')).toBe(datum.what)
      expect(line(list, blockId, 'purpose')).toBe(datum.purpose)
      expect(line(list, blockId, 'scene')).toBe(datum.collectedWhen)
      expect(line(list, blockId, 'retention')).toBe(datum.retention.text)
    },
  )

  test('a new personal datum appears in it; a datum that is not personal does not', () => {
    const added: DataInventory = {
      ...DATA_INVENTORY,
      data: [
        ...DATA_INVENTORY.data,
        { ...DATA_INVENTORY.data[0], id: 'test-new', name: '新的信息', category: 'personal' },
        { ...DATA_INVENTORY.data[0], id: 'test-public', category: 'not-personal' },
      ],
    }
    const ids = buildCollectedList(added).blocks.map((b) => b.id)
    expect(ids).toContain('collected-test-new')
    expect(ids).not.toContain('collected-test-public')
  })
})

describe('第三方信息共享清单', () => {
  const list = buildSharingList(DATA_INVENTORY)

  test('one entry for every SDK of the inventory', () => {
    expect(list.title).toBe('第三方信息共享清单')
    expect(DATA_INVENTORY.sdks.length).toBeGreaterThan(0)
    expect(list.blocks.map((b) => b.id)).toEqual(
      DATA_INVENTORY.sdks.map((sdk) => `sharing-${sdk.id}`),
    )
    expect(list.intro.join('')).toContain(`${DATA_INVENTORY.sdks.length} 个第三方`)
  })

  test.each(DATA_INVENTORY.sdks.map((s) => [s.id, s] as const))(
    '%s: name, recipient, purpose, data, method, contact and its own policy link',
    (id, sdk) => {
      const blockId = `sharing-${id}`
      expect(list.blocks.find((b) => b.id === blockId)?.title).toBe(sdk.name)
      expect(line(list, blockId, 'provider')).toBe(sdk.provider)
      expect(line(list, blockId, 'purpose')).toBe(sdk.purpose)
      expect(line(list, blockId, 'data')).toBe(sdk.data)
      expect(line(list, blockId, 'method')).toBe(sdk.method)
      expect(line(list, blockId, 'contact')).toBe(sdk.contact)
      expect(line(list, blockId, 'policy')).toBe(sdk.policyUrl)
      expect(sdk.policyUrl).toMatch(/^https:\/\//)
    },
  )

  test('every datum given to a third party names a recipient that is in the list', () => {
    const listed = new Set(list.blocks.map((b) => b.title))
    for (const datum of DATA_INVENTORY.data) {
      for (const sdkId of datum.sharedWith) {
        const sdk = DATA_INVENTORY.sdks.find((s) => s.id === sdkId)
        expect(listed.has(sdk?.name ?? sdkId)).toBe(true)
      }
    }
  })

  test('with no SDK it says nothing is shared', () => {
    const none = buildSharingList({ ...DATA_INVENTORY, sdks: [] })
    expect(none.blocks).toEqual([])
    expect(none.intro.join('')).toBe('本应用不向任何第三方提供你的个人信息。')
  })
})

test('the lists say the same as the policy page (one source of truth)', () => {
  const policy = buildPolicy(DATA_INVENTORY)
  const policyText = JSON.stringify(policy.sections)
  for (const list of [buildCollectedList(), buildSharingList()]) {
    for (const l of list.blocks.flatMap((b) => b.lines)) expect(policyText).toContain(l.text)
  }
})
