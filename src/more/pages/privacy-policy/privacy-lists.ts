import { DATA_INVENTORY, isPersonal, type DataInventory } from '../../../services/data-inventory'
import type { PolicyBlock } from './policy-content'

/**
 * POLICY: the two lists (双清单) China's MIIT has asked apps to publish next to their policy
 * since 2021, made from the same data inventory as the policy page, so the three cannot disagree:
 * - 已收集个人信息清单: every personal datum, what it holds, its purpose and the scene in which
 *   it is collected;
 * - 第三方信息共享清单: every recipient (SDK) with its provider, purpose, the data it receives,
 *   how, and a link to its own policy.
 * Pure data, no Taro: the list pages render it and test/unit/privacy-lists.test.ts reads it.
 */
/** The pages of the two lists, in the `more` subpackage (opened from the policy and the center). */
export const COLLECTED_LIST_URL = '/more/pages/collected-list/index'
export const SHARING_LIST_URL = '/more/pages/sharing-list/index'

export interface PrivacyList {
  /** The element id of the list on its page. */
  id: 'collected-list' | 'sharing-list'
  title: string
  intro: string[]
  blocks: PolicyBlock[]
}

/** 已收集个人信息清单: one block per personal datum of the inventory, in its order. */
export function buildCollectedList(inventory: DataInventory = DATA_INVENTORY): PrivacyList {
  return {
    id: 'collected-list',
    title: '已收集个人信息清单',
    intro: [
      '本应用可能收集的每一项个人信息，以及收集它的目的和场景。不属于个人信息的数据见隐私政策。',
    ],
    blocks: inventory.data.filter(isPersonal).map((datum) => {
      const id = `collected-${datum.id}`
      return {
        id,
        title: datum.name,
        lines: [
          { id: `${id}-what`, label: '信息内容', text: datum.what },
          { id: `${id}-purpose`, label: '使用目的', text: datum.purpose },
          { id: `${id}-scene`, label: '收集场景', text: datum.collectedWhen },
          { id: `${id}-retention`, label: '保存期限', text: datum.retention.text },
        ],
      }
    }),
  }
}

/** 第三方信息共享清单: one block per SDK (recipient) of the inventory. */
export function buildSharingList(inventory: DataInventory = DATA_INVENTORY): PrivacyList {
  const { sdks } = inventory
  return {
    id: 'sharing-list',
    title: '第三方信息共享清单',
    intro: [
      sdks.length === 0
        ? '本应用不向任何第三方提供你的个人信息。'
        : `本应用只向下列 ${sdks.length} 个第三方提供信息，每一个都需要你先同意；除此之外不向任何人提供你的个人信息。`,
    ],
    blocks: sdks.map((sdk) => {
      const id = `sharing-${sdk.id}`
      return {
        id,
        title: sdk.name,
        lines: [
          { id: `${id}-provider`, label: '接收方', text: sdk.provider },
          { id: `${id}-purpose`, label: '共享目的', text: sdk.purpose },
          { id: `${id}-data`, label: '共享信息', text: sdk.data },
          { id: `${id}-method`, label: '共享方式', text: sdk.method },
          { id: `${id}-contact`, label: '联系方式', text: sdk.contact },
          { id: `${id}-policy`, label: '隐私政策', text: sdk.policyUrl, url: true },
        ],
      }
    }),
  }
}
