import {
  CATEGORY_TEXT,
  CONSENT_PURPOSE_LABELS,
  CONSENT_PURPOSE_SUMMARY,
  DATA_INVENTORY,
  isPersonal,
  LEGAL_BASIS_TEXT,
  SDK_ROLE_TEXT,
  type DataInventory,
  type Datum,
  type Place,
} from '../../../services/data-inventory'
import type { ConsentPurpose } from '../../../services/consent'

/**
 * POLICY: the privacy policy as a document made from the data inventory, with no Taro in it, so
 * the page renders it and tests read it (test/unit/privacy-policy-content.test.ts checks every
 * item PIPL Art. 17 and Art. 23 require is here, for every datum and SDK). Every section, block
 * and line has a stable id: `policy-datum-<id>-purpose`, `policy-sdk-<id>-provider`, ...
 *
 * It is layered, as people read policies: a short summary first (what we use, why, what you can
 * do), then every datum in plain Chinese, the SDKs, the rights and who we are; the technical
 * detail (storage keys, server tables and their columns) is kept apart in `developer`, which the
 * page shows collapsed at the very end. `sections` is what every reader sees: it names no key,
 * table or column (a test holds it to that).
 */

export interface PolicyLine {
  id: string
  /** A short label ("用途"), at most 6 characters: the page shows it before the text. */
  label: string
  text: string
  /** The text is a web address: the only kind of line allowed to break anywhere on a phone. */
  url?: boolean
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

/** One datum's places as a developer needs them: storage keys, databases, tables, columns. */
export interface DeveloperEntry {
  /** `policy-dev-<datum id>`. */
  id: string
  name: string
  places: Array<{
    /** What the tokens are, in words ("手机存储键，加密封存", "服务器数据库和表", "列"). */
    label: string
    /** Keys, file, table and column names: shown each as one unbreakable token. */
    tokens: string[]
  }>
}

/** The part for developers: where each datum is kept, in the code's own names. */
export interface DeveloperPart {
  id: 'policy-developer'
  title: string
  intro: string
  entries: DeveloperEntry[]
}

export interface PolicyDocument {
  title: string
  /** "版本 … · … 起生效": under the title, before the summary. */
  versionLine: string
  /** What every reader sees, in order; the summary (`policy-summary`) first. */
  sections: PolicySection[]
  /** The technical detail, apart from `sections`: the page shows it collapsed, at the end. */
  developer: DeveloperPart
}

/** Consent purposes in the order the summary lists them (the order a user meets them). */
const SUMMARY_ORDER: ConsentPurpose[] = ['location', 'account', 'errorReports', 'analytics']

/**
 * The summary, a screen or two on a phone: weather needs nothing personal; what each consent
 * lets us do; what is processed without consent, and why; sensitive data and sharing; what you
 * can do, and how to reach us. Made from the inventory, like the rest.
 */
export function buildSummary(inventory: DataInventory = DATA_INVENTORY): string[] {
  const { handler, data, sdks } = inventory
  const sensitive = data.filter((d) => d.category === 'sensitive')
  const byDuty = data.filter((d) => isPersonal(d) && d.basis === 'legal-duty')
  const purposes = SUMMARY_ORDER.filter((purpose) =>
    data.some((d) => isPersonal(d) && d.basis !== 'legal-duty' && d.gatedBy === purpose),
  )
  const separate = sdks.filter((sdk) => sdk.role === 'other-handler')
  return [
    '查看天气不需要你的个人信息：不同意本政策，也可以手动选择城市查看天气。',
    [
      '经你同意才会做的事（可随时撤回）：',
      ...purposes.map(
        (purpose) => `· ${CONSENT_PURPOSE_LABELS[purpose]}：${CONSENT_PURPOSE_SUMMARY[purpose]}。`,
      ),
    ].join('\n'),
    byDuty.length === 0
      ? '其余个人信息都经你同意才会处理。'
      : `无需同意的只有：${byDuty.map((d) => d.name).join('、')}，是履行法定义务所必需。`,
    (sensitive.length === 0
      ? '本应用不处理敏感个人信息'
      : `本应用处理以下敏感个人信息，均经你单独同意：${sensitive.map((d) => d.name).join('、')}`) +
      (separate.length === 0
        ? '；不向任何第三方提供你的信息。'
        : `；只在你单独同意后向${separate.map((s) => s.name).join('、')}提供信息。`),
    `你可以随时在隐私中心查看、复制、删除你的数据或撤回同意；有疑问请发邮件至 ${handler.email}。`,
  ]
}

/** The whole policy, from the inventory. */
export function buildPolicy(inventory: DataInventory = DATA_INVENTORY): PolicyDocument {
  const { handler, policy, data, sdks, rights } = inventory
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
    const places = [...new Set(datum.where.map((p) => placeText(p, sdkName)))]
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
        line('where', '存放位置', places.join('；')),
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
    versionLine: `版本 ${policy.version} · ${policy.effectiveDate} 起生效`,
    sections: [
      {
        id: 'policy-summary',
        title: '一页看懂',
        intro: buildSummary(inventory),
        blocks: [],
      },
      {
        id: 'policy-personal',
        title: '我们处理的个人信息',
        intro: ['逐项说明：是什么、为什么、存在哪里、保存多久、何时删除。'],
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
              { id: `${id}-policy`, label: '隐私政策', text: sdk.policyUrl, url: true },
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
        id: 'policy-contact-us',
        title: '联系我们',
        intro: [`${handler.name}，邮箱 ${handler.email}。`],
        blocks: [],
      },
    ],
    developer: {
      id: 'policy-developer',
      title: '给开发者：数据存放的技术细节',
      intro:
        '供开发者和审计人员核对：每项数据所在的手机存储键、服务器数据库文件、表和列。项目中的 docs/data-inventory.md 有完整说明。',
      entries: data.map((datum) => ({
        id: `policy-dev-${datum.id}`,
        name: datum.name,
        places: datum.where.flatMap(developerPlace),
      })),
    },
  }
}

/** Where a datum is kept, in plain words: no key, file, table or column name. */
function placeText(place: Place, sdkName: (id: string) => string): string {
  switch (place.kind) {
    case 'device':
      return `你的手机上（${place.sealed ? '加密保存' : '未加密'}）`
    case 'server-table':
      return '我们的服务器'
    case 'server-memory':
      return `我们服务器的内存中（${place.note}）`
    case 'server-log':
      return place.note
    case 'not-stored':
      return `不保存：${place.note}`
    case 'sdk':
      return `由${sdkName(place.sdk)}的提供方保存`
    case 'clipboard':
      return place.note
  }
}

/** Where a datum is kept, in the code's names (nothing for places that have none). */
function developerPlace(place: Place): DeveloperEntry['places'] {
  switch (place.kind) {
    case 'device':
      return [
        {
          label: `手机存储键（${place.sealed ? '加密封存' : '未加密'}）`,
          tokens: [place.key],
        },
      ]
    case 'server-table':
      return [
        { label: '服务器数据库和表', tokens: [place.database, place.table] },
        { label: '列', tokens: place.columns },
      ]
    default:
      return []
  }
}
