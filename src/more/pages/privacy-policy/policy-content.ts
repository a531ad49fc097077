import {
  CATEGORY_TEXT,
  CONSENT_PURPOSE_LABELS,
  DATA_INVENTORY,
  isPersonal,
  LEGAL_BASIS_TEXT,
  SDK_ROLE_TEXT,
  type DataInventory,
  type Datum,
  type Place,
} from '../../../services/data-inventory'

/**
 * POLICY: the privacy policy as a document made from the data inventory, with no Taro in it, so
 * the page renders it and tests read it (test/unit/privacy-policy-content.test.ts checks every
 * item PIPL Art. 17 and Art. 23 require is here, for every datum and SDK). Every section, block
 * and line has a stable id: `policy-datum-<id>-purpose`, `policy-sdk-<id>-provider`, ...
 */

export interface PolicyLine {
  id: string
  /** A short label ("用途"), at most 6 characters: the page shows it above the text. */
  label: string
  text: string
}

export interface PolicyBlock {
  id: string
  title: string
  lines: PolicyLine[]
}

export interface PolicySection {
  id: string
  title: string
  /** Short paragraphs before the blocks. */
  intro?: string[]
  blocks: PolicyBlock[]
}

export interface PolicyDocument {
  title: string
  sections: PolicySection[]
}

export function buildPolicy(inventory: DataInventory = DATA_INVENTORY): PolicyDocument {
  const { handler, policy, data, sdks, rights } = inventory
  const sensitive = data.filter((d) => d.category === 'sensitive')
  const byDuty = data.filter((d) => isPersonal(d) && d.basis === 'legal-duty')
  const sdkName = (id: string) => sdks.find((s) => s.id === id)?.name ?? id

  const datumBlock = (datum: Datum): PolicyBlock => {
    const id = `policy-datum-${datum.id}`
    const line = (suffix: string, label: string, text: string) => ({
      id: `${id}-${suffix}`,
      label,
      text,
    })
    const category = CATEGORY_TEXT[datum.category]
    const basis = datum.gatedBy
      ? `${LEGAL_BASIS_TEXT[datum.basis]}；需要你同意“${CONSENT_PURPOSE_LABELS[datum.gatedBy]}”`
      : LEGAL_BASIS_TEXT[datum.basis]
    return {
      id,
      title: datum.name,
      lines: [
        line('what', '信息内容', datum.what),
        line(
          'category',
          '类别',
          datum.categoryNote ? `${category}：${datum.categoryNote}` : category,
        ),
        line('purpose', '用途', datum.purpose),
        line('basis', '法律依据', basis),
        line('method', '处理方式', datum.method),
        line('where', '存放位置', datum.where.map((p) => placeText(p, sdkName)).join('；')),
        line('retention', '保存期限', datum.retention.text),
        line('collected', '何时收集', datum.collectedWhen),
        line('deleted', '何时删除', datum.deletedWhen),
        line(
          'shared',
          '提供给',
          datum.sharedWith.length > 0
            ? datum.sharedWith.map(sdkName).join('、')
            : '不提供给任何第三方',
        ),
      ],
    }
  }

  return {
    title: '安心天气隐私政策',
    sections: [
      {
        id: 'policy-section-about',
        title: '关于本政策',
        blocks: [
          {
            id: 'policy-about',
            title: '本政策由谁制定',
            lines: [
              { id: 'policy-about-handler', label: '处理者', text: handler.name },
              { id: 'policy-about-contact', label: '联系方式', text: `邮箱 ${handler.email}` },
              { id: 'policy-about-version', label: '版本', text: policy.version },
              { id: 'policy-about-effective', label: '生效日期', text: policy.effectiveDate },
              { id: 'policy-about-notice', label: '更新方式', text: handler.noticeMethod },
            ],
          },
          {
            id: 'policy-changes',
            title: '本次更新',
            lines: policy.changes.map((text, i) => ({
              id: `policy-changes-${i + 1}`,
              label: `第 ${i + 1} 项`,
              text,
            })),
          },
        ],
      },
      {
        id: 'policy-summary',
        title: '一句话说明',
        intro: [
          '查看天气不需要你提供个人信息；不同意也可以手动选择城市查看天气。',
          byDuty.length === 0
            ? '下面每项个人信息都经你同意才会处理。'
            : `${byDuty.map((d) => d.name).join('、')}是履行法定义务所必需；其余个人信息都经你同意才会处理。`,
          sensitive.length === 0
            ? '本应用不处理敏感个人信息。'
            : `本应用处理以下敏感个人信息，均经你单独同意：${sensitive.map((d) => d.name).join('、')}。`,
        ],
        blocks: [],
      },
      {
        id: 'policy-personal',
        title: '我们处理的个人信息',
        blocks: data.filter(isPersonal).map(datumBlock),
      },
      {
        id: 'policy-other',
        title: '其他数据（不属于个人信息）',
        intro: ['为了完整，这里也列出不属于个人信息的数据。'],
        blocks: data.filter((d) => !isPersonal(d)).map(datumBlock),
      },
      {
        id: 'policy-sdks',
        title: '第三方 SDK',
        intro: ['只有下列 SDK 会收到信息。'],
        blocks: sdks.map((sdk) => {
          const id = `policy-sdk-${sdk.id}`
          return {
            id,
            title: sdk.name,
            lines: [
              { id: `${id}-provider`, label: '提供方', text: sdk.provider },
              { id: `${id}-contact`, label: '联系方式', text: sdk.contact },
              { id: `${id}-purpose`, label: '用途', text: sdk.purpose },
              { id: `${id}-method`, label: '处理方式', text: sdk.method },
              { id: `${id}-data`, label: '收到的信息', text: sdk.data },
              { id: `${id}-role`, label: '法律依据', text: SDK_ROLE_TEXT[sdk.role] },
              {
                id: `${id}-consent`,
                label: '同意项',
                text: `需要你${sdk.role === 'other-handler' ? '单独' : ''}同意“${CONSENT_PURPOSE_LABELS[sdk.gatedBy]}”`,
              },
              { id: `${id}-policy`, label: '隐私政策', text: sdk.policyUrl },
            ],
          }
        }),
      },
      {
        id: 'policy-rights',
        title: '你的权利',
        intro: ['在首页底部打开“隐私中心”即可行使下列权利，不需要联系任何人。'],
        blocks: rights.map((right) => ({
          id: `policy-right-${right.id}`,
          title: `${right.name}（${right.article}）`,
          lines: [{ id: `policy-right-${right.id}-how`, label: '怎么做', text: right.how }],
        })),
      },
      {
        id: 'policy-contact-us',
        title: '联系我们',
        intro: [`${handler.name}，邮箱 ${handler.email}。`],
        blocks: [],
      },
    ],
  }
}

function placeText(place: Place, sdkName: (id: string) => string): string {
  switch (place.kind) {
    case 'device':
      return `手机存储 ${place.key}（${place.sealed ? '加密封存' : '未加密'}）`
    case 'server-table':
      return `服务器 ${place.database} 的 ${place.table} 表（${place.columns.join('、')}）`
    case 'server-memory':
      return `服务器内存（${place.note}）`
    case 'server-log':
      return place.note
    case 'not-stored':
      return `不保存：${place.note}`
    case 'sdk':
      return `由${sdkName(place.sdk)}的提供方保存`
  }
}
