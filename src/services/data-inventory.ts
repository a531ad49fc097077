import { MAX_CLOCK_SKEW_MS } from '../security/transport/request-signing'
import {
  MAX_UNCONSENTED_AGE_MS,
  MONITOR_STORAGE_KEY,
  QUEUE_LIMIT,
} from '../security/monitor/monitor'
import { CONSENT_ITEM, CONSENT_TTL_MS, type ConsentPurpose } from './consent'
import { POLICY } from './policy-version'
import { CACHE_CITIES, CACHE_MAX_AGE_MS } from './server-weather-provider'
import { SESSION_ITEM, SIGNED_OUT_KEY } from './session'

/**
 * POLICY: the one data inventory. Every datum the app and the reference server handle, what it
 * is, why, on what legal ground, where it is kept, for how long, who else receives it, and which
 * consent gates it; plus the third-party SDK list and the handler. The privacy policy page
 * (src/more/pages/privacy-policy/), WeChat's privacy guide (`npm run privacy:guide`) and tests
 * (storage keys written by the weapp build, the server's SQLite columns) all derive from it, so
 * they cannot disagree. docs/data-inventory.md says how to add a datum or an SDK.
 *
 * Pure data and types: no Taro. Only subpackage pages, scripts and tests import it; the main
 * package keeps its own small constants (storage keys, TTLs), imported here where their module
 * is pure and checked by test/unit/data-inventory.test.ts where it is not.
 *
 * Law: PRC Personal Information Protection Law (PIPL). Art. 4 (what personal information is),
 * Art. 13 (legal bases), Art. 17 (what a policy must tell: handler, purposes, methods, kinds,
 * retention, how to exercise rights), Art. 21 (entrusted processing), Art. 23 (providing to
 * another handler: recipient named, separate consent), Art. 28 (sensitive personal information),
 * Art. 44–47 and 50 (the user's rights and how to exercise them). Not legal advice.
 */

/**
 * PIPL category. `personal`: relates to an identified or identifiable person (Art. 4), including
 * pseudonymised data (a hash that the server can link back is still personal, Art. 73(3)).
 * `sensitive`: Art. 28 (biometrics, religion, specific identity, medical health, financial
 * accounts, whereabouts tracks, and anything about a child under 14). `not-personal`: public or
 * random data that relates to nobody.
 */
export type PiplCategory = 'personal' | 'sensitive' | 'not-personal'

/**
 * The legal basis (PIPL Art. 13). `consent`: Art. 13(1), asked in the consent dialog.
 * `separate-consent`: Art. 13(1) with the separate consent Art. 23 (another handler) or Art. 29
 * (sensitive data) requires. `legal-duty`: Art. 13(3), necessary to fulfil a statutory duty.
 * `not-applicable`: not personal information, so PIPL needs no basis.
 */
export type LegalBasis = 'consent' | 'separate-consent' | 'legal-duty' | 'not-applicable'

/** Where a datum is kept. */
export type Place =
  | {
      kind: 'device'
      /** A storage key (weapp storage; localStorage on H5). Matched exactly. */
      key: string
      /** Sealed by the secure store (AES + HMAC, src/security/secure-storage/), or in clear. */
      sealed: boolean
    }
  | {
      kind: 'server-table'
      /** The SQLite file under the server's DATA_DIR. */
      database: 'server.db' | 'replay.db'
      table: string
      /** Every column of the table this datum accounts for (a server test reads the schema). */
      columns: string[]
    }
  | { kind: 'server-memory'; note: string }
  | { kind: 'server-log'; note: string }
  /** Processed for a moment and never written anywhere (the coordinates). */
  | { kind: 'not-stored'; note: string }
  /** Held by the SDK's provider, not by us. */
  | { kind: 'sdk'; sdk: SdkId }
  /**
   * The phone's system clipboard: written only when the user taps 复制; the app never reads it.
   * The phone keeps it, and other apps can read it, until something else is copied.
   */
  | { kind: 'clipboard'; note: string }

export interface Retention {
  /** In the user's words, e.g. "1 年，到期后再次询问". */
  text: string
  /** The period the code enforces, ms (0: not kept at all). Absent: nothing enforces a period. */
  ms?: number
}

/**
 * The data kinds of WeChat's privacy guide (`privacy_key` of the `setPrivacySetting` open API,
 * WeChat's documented list). Only these may be declared; `npm run privacy:guide` refuses others.
 */
export const WECHAT_PRIVACY_KEYS = [
  'UserInfo',
  'Location',
  'Address',
  'Invoice',
  'RunData',
  'Record',
  'Album',
  'Camera',
  'PhoneNumber',
  'Contact',
  'DeviceInfo',
  'EXIDNumber',
  'EXOrderInfo',
  'EXUserPublishContent',
  'EXUserFollowAcct',
  'EXUserOpLog',
  'AlbumWriteOnly',
  'LicensePlate',
  'BlueTooth',
  'CalendarWriteOnly',
  'Email',
  'MessageFile',
  'ChooseLocation',
  'Accelerometer',
  'Compass',
  'DeviceMotion',
  'Gyroscope',
  'Clipboard',
] as const
export type WechatPrivacyKey = (typeof WECHAT_PRIVACY_KEYS)[number]

/**
 * How a personal datum appears in WeChat's privacy guide: under one of WeChat's data kinds, with
 * the datum's `purpose` as the text (WeChat shows "为了{purpose}", so a purpose never starts with
 * 为了 or 用于), or not at all, with the reason (the guide lists what WeChat's privacy APIs and
 * SDKs hand over; the policy page lists everything).
 */
export type WechatGuideEntry = { privacyKey: WechatPrivacyKey } | { omitted: string }

export type SdkId = 'wechat-analytics'

export interface Datum {
  /** Stable, kebab-case: element ids on the policy page and names in tests use it. */
  id: string
  /** What the user calls it. */
  name: string
  /** What it contains: the data kinds (Art. 17: 个人信息的种类). */
  what: string
  category: PiplCategory
  /** Why this category (for example why a datum is not sensitive, or not personal). */
  categoryNote?: string
  /** Art. 17: 处理目的. */
  purpose: string
  /** Art. 13. */
  basis: LegalBasis
  /** Art. 17: 处理方式 (how it is collected, used, stored, sent). */
  method: string
  where: Place[]
  retention: Retention
  /** SDKs that receive it (Art. 21 / 23, per the SDK's `role`). Empty: nobody but the handler. */
  sharedWith: SdkId[]
  collectedWhen: string
  deletedWhen: string
  /** The consent purpose (consent.ts) without which it is not collected. */
  gatedBy?: ConsentPurpose
  /** Required for personal data. */
  wechatGuide?: WechatGuideEntry
}

/**
 * A third-party SDK: the recipient Art. 23 requires the policy to name. `role`: `entrusted`
 * (Art. 21: processes only for us, under a contract) or `other-handler` (Art. 23: decides its
 * own processing; needs separate consent).
 */
export interface Sdk {
  id: SdkId
  name: string
  provider: string
  contact: string
  purpose: string
  method: string
  /** The data kinds it receives. */
  data: string
  role: 'entrusted' | 'other-handler'
  policyUrl: string
  gatedBy: ConsentPurpose
  /** Its data kinds in WeChat's privacy guide (`sdk_privacy_info_list[].sdk_list`, `purpose`). */
  wechatGuide: WechatPrivacyKey[]
}

/** A right of Art. 44–47 and how to exercise it in the app (Art. 50). */
export interface Right {
  id: string
  name: string
  article: string
  how: string
}

export interface Handler {
  name: string
  email: string
  /** How changes are announced (WeChat's guide: notice_method). */
  noticeMethod: string
}

export interface DataInventory {
  handler: Handler
  policy: typeof POLICY
  data: Datum[]
  sdks: Sdk[]
  rights: Right[]
}

/** The consent purposes (consent.ts) in the user's words; a Record, so none can be left out. */
export const CONSENT_PURPOSE_LABELS: Record<ConsentPurpose, string> = {
  account: '登录账号',
  location: '使用我的位置',
  errorReports: '错误报告',
  analytics: '使用统计',
}

/**
 * What each consent purpose lets the app do, in one plain sentence: the policy's summary lists
 * these (the data under each purpose are named from `gatedBy`). A Record, so none is left out.
 */
export const CONSENT_PURPOSE_SUMMARY: Record<ConsentPurpose, string> = {
  location: '你点“使用我的位置”时，把模糊位置在手机上换算成城市，坐标不保存、不上传',
  account: '登录后，你可以查看、导出和删除我们服务器上关于你的数据',
  errorReports: '应用出错时，去除个人信息后发送错误报告，帮我们修复故障',
  analytics: '只在你单独开启后，把功能的使用情况发送给微信分析',
}

/** Art. 13 in the user's words, with the article. */
export const LEGAL_BASIS_TEXT: Record<LegalBasis, string> = {
  consent: '你的同意（《个人信息保护法》第十三条第一款第一项）',
  'separate-consent': '你的单独同意（第十三条第一款第一项、第二十三条）',
  'legal-duty': '履行法定义务所必需（第十三条第一款第三项）',
  'not-applicable': '不属于个人信息，无需法律依据',
}

export const CATEGORY_TEXT: Record<PiplCategory, string> = {
  personal: '个人信息',
  sensitive: '敏感个人信息（第二十八条）',
  'not-personal': '不属于个人信息',
}

export const SDK_ROLE_TEXT: Record<Sdk['role'], string> = {
  entrusted: '委托处理（《个人信息保护法》第二十一条）',
  'other-handler': '向其他个人信息处理者提供，需你单独同意（第二十三条）',
}

/**
 * The server's default session lifetime (server/src/settings.ts SESSION_TTL_SECONDS; a server
 * test checks they agree). The device keeps the session exactly as long as the server says.
 */
export const SESSION_LIFETIME_MS = 2 * 60 * 60 * 1000
/** Spent request nonces (server/src/replay-guard.ts NONCE_MEMORY_MS). */
const NONCE_MEMORY_MS = 2 * MAX_CLOCK_SKEW_MS
/** The server's per-address request limit counts over this window (@fastify/rate-limit). */
const RATE_LIMIT_WINDOW_MS = 60 * 1000
/** Admin tokens (server/src/admin.ts ADMIN_TOKEN_TTL_MS). */
export const ADMIN_TOKEN_LIFETIME_MS = 15 * 60 * 1000

const UNTIL_DELETED = '保存至你在隐私中心删除数据'

const data: Datum[] = [
  // --- on the device ------------------------------------------------------------------------
  {
    id: 'consent-record',
    name: '同意记录（手机上）',
    what: '你是否同意本政策、同意的版本和时间、是否开启使用统计',
    category: 'personal',
    purpose: '记住你的选择，不反复询问；政策更新时请你重新确认',
    basis: 'legal-duty',
    method: '你在同意弹窗或隐私中心做出选择时，加密封存在手机上',
    where: [{ kind: 'device', key: `consent.item.${CONSENT_ITEM}`, sealed: true }],
    retention: { text: '1 年，到期后再次询问', ms: CONSENT_TTL_MS },
    sharedWith: [],
    collectedWhen: '你点击“同意”或“不同意”，或在隐私中心更改选择时',
    deletedWhen: '1 年后自动删除；撤回同意时改记为“已撤回”',
    wechatGuide: { omitted: '本应用自己的同意记录，不是微信隐私接口提供的信息' },
  },
  {
    id: 'consent-keyring',
    name: '同意记录的密钥',
    what: '每次安装随机生成的加密密钥',
    category: 'not-personal',
    categoryNote: '随机数，与任何人无关；它保护同意记录',
    purpose: '加密封存同意记录',
    basis: 'not-applicable',
    method:
      '首次保存同意记录时在手机上生成；微信版另用微信的加密存储保存；网页版用浏览器保管、无法导出的设备密钥（IndexedDB）加密后保存',
    where: [{ kind: 'device', key: 'consent.keyring', sealed: false }],
    retention: { text: '保留在手机上，直到删除小程序或清除其存储' },
    sharedWith: [],
    collectedWhen: '首次保存同意记录时',
    deletedWhen: '无法读取时自动丢弃；删除小程序时随之删除',
  },
  {
    id: 'session',
    name: '登录状态（手机上）',
    what: '服务器签发的会话令牌、请求签名密钥和到期时间',
    category: 'personal',
    purpose: '登录后查看、导出和删除你在服务器上的数据；为请求签名，防止被篡改或重放',
    basis: 'consent',
    gatedBy: 'account',
    method: '你在隐私中心点击登录后，由服务器签发，加密封存在手机上',
    where: [{ kind: 'device', key: `secure.item.${SESSION_ITEM}`, sealed: true }],
    retention: { text: '2 小时（服务器设定的会话有效期）', ms: SESSION_LIFETIME_MS },
    sharedWith: [],
    collectedWhen:
      '你在隐私中心登录时，或同意后应用第一次发送错误报告时（你退出登录后不会自动登录）',
    deletedWhen: '到期、退出登录、撤回同意或删除数据时',
    wechatGuide: { omitted: '本应用服务器签发的凭证，不是微信隐私接口提供的信息' },
  },
  {
    id: 'secure-keyring',
    name: '登录状态的密钥',
    what: '每次安装随机生成的加密密钥',
    category: 'not-personal',
    categoryNote: '随机数，与任何人无关；它保护登录状态',
    purpose: '加密封存登录状态',
    basis: 'not-applicable',
    method:
      '首次登录时在手机上生成；微信版另用微信的加密存储保存；网页版用浏览器保管、无法导出的设备密钥（IndexedDB）加密后保存',
    where: [{ kind: 'device', key: 'secure.keyring', sealed: false }],
    retention: { text: '与登录状态同在' },
    sharedWith: [],
    collectedWhen: '首次登录时',
    deletedWhen: '退出登录、撤回同意或删除数据时',
  },
  {
    id: 'fuzzy-location',
    name: '模糊位置（经纬度）',
    what: '微信提供的模糊经纬度（误差约数公里）',
    category: 'personal',
    categoryNote:
      '某一时刻的模糊位置，只用来换算城市，不形成行踪轨迹，不属于第二十八条所列的敏感个人信息',
    purpose: '找出离你最近的城市，显示当地天气',
    basis: 'consent',
    gatedBy: 'location',
    method:
      '你点击“使用我的位置”并允许后，经微信获取，只在手机上换算成最近的城市；坐标不保存、不上传',
    where: [{ kind: 'not-stored', note: '只在换算城市的片刻存在于手机内存中' }],
    retention: { text: '不保存', ms: 0 },
    sharedWith: [],
    collectedWhen: '你点击“使用我的位置”并允许定位时',
    deletedWhen: '换算出城市后立即丢弃',
    wechatGuide: { privacyKey: 'Location' },
  },
  {
    id: 'location-city',
    name: '由位置得到的城市',
    what: '离你最近的城市（城市编号和名称）',
    category: 'personal',
    categoryNote: '由你的位置得出，能反映你在哪个城市',
    purpose: '显示当地天气，下次打开时记住',
    basis: 'consent',
    gatedBy: 'location',
    method:
      '保存为“当前城市”并注明来自定位，与手动选择的城市存放在同一处；查询天气时只发送城市编号',
    where: [{ kind: 'device', key: 'weather.selectedCity', sealed: false }],
    retention: { text: '直到你选择其他城市、撤回同意或删除数据' },
    sharedWith: [],
    collectedWhen: '定位换算出城市时',
    deletedWhen: '你选择其他城市、撤回同意，或在隐私中心删除数据时',
    wechatGuide: { omitted: '由模糊位置在手机上换算得出，已在“位置信息”中说明' },
  },
  {
    id: 'chosen-city',
    name: '手动选择的城市',
    what: '你在城市列表中选择的城市（城市编号和名称）',
    category: 'not-personal',
    categoryNote: '公开的城市名称，不与你的身份关联，也不随任何标识发送',
    purpose: '显示该城市的天气，下次打开时记住',
    basis: 'not-applicable',
    method: '保存在手机上；查询天气时只发送城市编号',
    where: [{ kind: 'device', key: 'weather.selectedCity', sealed: false }],
    retention: { text: '直到你选择其他城市或删除数据' },
    sharedWith: [],
    collectedWhen: '你在城市列表中选择城市时',
    deletedWhen: '你选择其他城市，或在隐私中心删除数据时',
  },
  {
    id: 'kept-weather',
    name: '最近获取的天气',
    what: `最近 ${CACHE_CITIES} 个城市各自最后一次获取的天气预报`,
    category: 'not-personal',
    categoryNote: '公开的天气数据',
    purpose: '连不上服务器时显示上次的天气',
    basis: 'not-applicable',
    method: '每次成功获取天气后保存在手机上',
    where: [{ kind: 'device', key: 'weather.lastGood', sealed: false }],
    retention: { text: '超过 3 天的不再显示；新的天气会替换旧的', ms: CACHE_MAX_AGE_MS },
    sharedWith: [],
    collectedWhen: '每次成功获取天气时',
    deletedWhen: '被新的天气替换，或在隐私中心删除数据时',
  },
  {
    id: 'signed-out-choice',
    name: '退出登录的选择',
    what: '一个标记：你在隐私中心退出了登录或删除了数据',
    category: 'not-personal',
    categoryNote: '只有一个是/否标记，不含任何账号信息',
    purpose: '你退出登录后，应用不会为发送错误报告而自动再次登录',
    basis: 'not-applicable',
    method: '你退出登录或删除数据时保存在手机上',
    where: [{ kind: 'device', key: SIGNED_OUT_KEY, sealed: false }],
    retention: { text: '直到你再次登录' },
    sharedWith: [],
    collectedWhen: '你退出登录或删除数据时',
    deletedWhen: '你再次登录时',
  },
  {
    id: 'queued-error-reports',
    name: '待发送的错误报告',
    what: `应用出错时生成的错误报告（与服务器上的“错误报告”字段相同），在保存前已去除手机号、证件号、银行卡号、邮箱、坐标和令牌；最多 ${QUEUE_LIMIT} 条，重复的错误只计次数`,
    category: 'not-personal',
    categoryNote: '保存前已去除个人信息，只在手机上，不与任何账号关联',
    purpose: '在你同意后把错误报告发给我们，发现并修复应用故障',
    basis: 'not-applicable',
    method: `应用出错时保存在手机上（不加密：内容已清洗）；你同意后才发送，发送成功即删除；你作出选择前最多保存 24 小时；不同意或撤回同意时立即删除`,
    where: [{ kind: 'device', key: MONITOR_STORAGE_KEY, sealed: false }],
    retention: {
      text: '发送成功即删除；你作出选择前最多保存 1 天（24 小时）',
      ms: MAX_UNCONSENTED_AGE_MS,
    },
    sharedWith: [],
    collectedWhen: '应用出错时',
    deletedWhen:
      '发送成功后、超过保存期限仍未作出选择时、不同意或撤回同意时，或在隐私中心删除数据时',
  },
  {
    id: 'analytics-events',
    name: '使用统计',
    what: '事件名称和白名单内的固定取值（如用哪种方式选择了城市、定位为何没有成功）；不含城市、位置、标识符或你输入的文字',
    category: 'personal',
    categoryNote: '微信能把事件与你的微信账号关联',
    purpose: '统计功能使用情况，改进应用',
    basis: 'separate-consent',
    gatedBy: 'analytics',
    method:
      '只在你单独开启“使用统计”后，通过微信接口 wx.reportEvent 发送给微信分析；网页版不发送；本应用不保存',
    where: [{ kind: 'sdk', sdk: 'wechat-analytics' }],
    retention: { text: '本应用不保存；微信按其隐私保护指引保存' },
    sharedWith: ['wechat-analytics'],
    collectedWhen: '你开启使用统计后，使用应用时',
    deletedWhen: '关闭使用统计或撤回同意后不再发送；已发送的由微信按其规则删除',
    wechatGuide: { omitted: '由第三方 SDK 微信分析收集，列在 SDK 信息中' },
  },
  {
    id: 'copied-export',
    name: '复制的导出数据',
    what: '你在隐私中心导出的、服务器上关于你的全部数据（一段文字）',
    category: 'personal',
    categoryNote: '内容就是你的账号数据',
    purpose: '把你导出的数据复制到剪贴板，方便你自己保存或转交',
    basis: 'legal-duty',
    gatedBy: 'account',
    method:
      '只在你点击“复制”时写入手机的剪贴板；本应用从不读取剪贴板。网页版另可点击“下载”，保存为你设备上的文件',
    where: [
      {
        kind: 'clipboard',
        note: '手机的系统剪贴板：其他应用也能读取，直到你复制别的内容',
      },
    ],
    retention: { text: '本应用不保存；剪贴板里的内容在你复制别的内容时被替换' },
    sharedWith: [],
    collectedWhen: '你在隐私中心查看数据后点击“复制”时',
    deletedWhen: '你复制别的内容时被替换；下载的文件由你自己保管和删除',
    wechatGuide: { privacyKey: 'Clipboard' },
  },
  // --- on the server ------------------------------------------------------------------------
  {
    id: 'account',
    name: '账号',
    what: '随机的账号编号、微信 openid 的 HMAC-SHA256 摘要（不保存 openid 本身）、创建时间',
    category: 'personal',
    categoryNote: '去标识化的信息：服务器凭密钥仍能认出同一个人，因此仍是个人信息',
    purpose: '登录时认出你，让你查看、导出和删除自己的数据',
    basis: 'consent',
    gatedBy: 'account',
    method:
      '登录时微信给出一次性登录凭证，服务器凭它向微信换取 openid，只保存其 HMAC 摘要；微信返回的 session_key 不保存',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'users',
        columns: ['id', 'openid_hmac', 'created_at'],
      },
    ],
    retention: { text: UNTIL_DELETED },
    sharedWith: [],
    collectedWhen: '你第一次登录时（在隐私中心，或同意后应用第一次发送错误报告时）',
    deletedWhen: '你在隐私中心删除数据时，连同会话、同意记录和错误报告一起删除',
    wechatGuide: { omitted: '登录凭证经 wx.login 获取，不属于隐私保护指引的信息类型' },
  },
  {
    id: 'server-sessions',
    name: '登录会话（服务器上）',
    what: '会话令牌的 SHA-256 摘要、所属账号、创建和到期时间',
    category: 'personal',
    purpose: '确认请求来自已登录的你',
    basis: 'consent',
    gatedBy: 'account',
    method: '登录时创建；服务器只保存令牌的摘要，签名密钥不保存（每次由令牌推导）',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'sessions',
        columns: ['token_sha256', 'user_id', 'created_at', 'expires_at'],
      },
    ],
    retention: {
      text: '有效 2 小时；过期的记录在你下次登录或删除数据时清除',
      ms: SESSION_LIFETIME_MS,
    },
    sharedWith: [],
    collectedWhen: '你登录时',
    deletedWhen: '退出登录、撤回同意或删除数据时；过期的在下次登录时',
    wechatGuide: { omitted: '本应用服务器自己的会话记录' },
  },
  {
    id: 'server-consents',
    name: '同意记录（服务器上）',
    what: '你同意或撤回的政策版本、决定、做出决定的时间和服务器收到的时间',
    category: 'personal',
    purpose: '证明并尊重你对本政策的决定',
    basis: 'legal-duty',
    gatedBy: 'account',
    method: '登录后，你在手机上做出的同意或撤回决定发送到服务器保存',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'consents',
        columns: ['id', 'user_id', 'policy_version', 'decision', 'decided_at', 'recorded_at'],
      },
    ],
    retention: { text: UNTIL_DELETED },
    sharedWith: [],
    collectedWhen: '登录后你同意或撤回同意时',
    deletedWhen: '你在隐私中心删除数据时',
    wechatGuide: { omitted: '本应用自己的同意记录，不是微信隐私接口提供的信息' },
  },
  {
    id: 'error-reports',
    name: '错误报告',
    what: '错误类型、信息、调用栈、页面路径、应用版本、微信基础库版本、运行平台（如 iOS、Android）、发生次数和时间；手机号、证件号、银行卡号、邮箱、坐标和令牌在发送前后都会被去除',
    category: 'personal',
    categoryNote: '与你的账号关联保存，便于你导出和删除',
    purpose: '发现并修复应用故障',
    basis: 'consent',
    gatedBy: 'errorReports',
    method: '应用出错时，经你同意并登录后发送到我们的服务器；服务器再次清洗后保存',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'error_reports',
        columns: [
          'id',
          'fingerprint',
          'user_id',
          'kind',
          'message',
          'stack',
          'page',
          'app_version',
          'occurred_at',
          'received_at',
          'truncated_fields',
          'base_library',
          'platform',
          'count',
        ],
      },
    ],
    retention: { text: '保存至你撤回同意或在隐私中心删除数据' },
    sharedWith: [],
    collectedWhen: '应用出错时',
    deletedWhen: '你撤回同意时，或在隐私中心删除数据时（随账号一起删除）',
    wechatGuide: { omitted: '本应用自己的诊断数据，隐私保护指引中没有对应类型' },
  },
  {
    id: 'error-groups',
    name: '错误汇总',
    what: '去除个人信息后的错误类型、信息和首个调用位置的共同形态（数字替换为 #）、首次和最近出现时间、次数；以及手机上未能保存而丢弃的错误报告的数量（只计数，不含报告内容）',
    category: 'not-personal',
    categoryNote:
      '汇总数据，不指向任何人；删除数据后仍保留计数，一类错误的报告全部删除后，其信息和调用位置随之清空',
    purpose: '按出现次数排查故障',
    basis: 'not-applicable',
    method: '收到错误报告时按错误特征累计',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'error_groups',
        columns: [
          'fingerprint',
          'kind',
          'message',
          'top_frame',
          'first_seen',
          'last_seen',
          'count',
        ],
      },
    ],
    retention: { text: '长期保存，用于统计' },
    sharedWith: [],
    collectedWhen: '收到错误报告时',
    deletedWhen: '信息和调用位置：该类错误的报告全部删除时（撤回同意或删除数据）；计数：运维清理时',
  },
  {
    id: 'spent-nonces',
    name: '防重放记录',
    what: '已用过的请求随机数、签名时间和会话令牌的摘要',
    category: 'personal',
    categoryNote: '经会话摘要可关联到账号',
    purpose: '拒绝被截获后重复发送的请求',
    basis: 'consent',
    gatedBy: 'account',
    method: '服务器收到每个签名请求时记录',
    where: [
      {
        kind: 'server-table',
        database: 'replay.db',
        table: 'spent_nonces',
        columns: ['signed_at', 'session', 'nonce'],
      },
    ],
    retention: { text: '10 分钟后自动删除', ms: NONCE_MEMORY_MS },
    sharedWith: [],
    collectedWhen: '登录后每次发送签名请求时',
    deletedWhen: '10 分钟后自动删除',
    wechatGuide: { omitted: '本应用服务器的安全记录' },
  },
  {
    id: 'network-address',
    name: '网络地址（IP）',
    what: '请求来自的 IP 地址',
    category: 'personal',
    purpose: '限制请求频率，防止滥用和攻击',
    basis: 'legal-duty',
    method: '服务器在内存中按地址计数，不写入数据库或日志',
    where: [{ kind: 'server-memory', note: '限流计数器' }],
    retention: { text: '1 分钟后失效', ms: RATE_LIMIT_WINDOW_MS },
    sharedWith: [],
    collectedWhen: '每次请求时',
    deletedWhen: '1 分钟后失效，服务器重启时清空',
    wechatGuide: { omitted: '网络通信本身产生的信息，隐私保护指引中没有对应类型' },
  },
  {
    id: 'request-log',
    name: '服务器请求日志',
    what: '请求方法、路径（已去除坐标）、状态码、耗时和随机请求编号；不含 IP、令牌或账号',
    category: 'not-personal',
    categoryNote: '不含任何能指向个人的内容',
    purpose: '运行监控和排查故障',
    basis: 'not-applicable',
    method: '服务器处理请求时写入运行日志',
    where: [{ kind: 'server-log', note: '服务器的运行日志' }],
    retention: { text: '由服务器的日志系统设定' },
    sharedWith: [],
    collectedWhen: '每次请求时',
    deletedWhen: '按日志系统的设定轮换删除',
  },
  {
    id: 'incidents',
    name: '维护公告',
    what: '维护公告的内容、开始和（预计）结束时间',
    category: 'not-personal',
    categoryNote: '运维人员发布的公告，不含用户信息',
    purpose: '发生故障时让所有用户看到维护页面',
    basis: 'not-applicable',
    method: '运维人员开启或结束维护时写入',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'incidents',
        columns: [
          'id',
          'message',
          'started_at',
          'ended_at',
          'retry_after_seconds',
          'expected_end_at',
        ],
      },
    ],
    retention: { text: '长期保存，用于事件复盘' },
    sharedWith: [],
    collectedWhen: '运维人员开启维护时',
    deletedWhen: '运维清理时',
  },
  {
    id: 'admin-tokens',
    name: '运维登录令牌',
    what: '运维登录令牌的 SHA-256 摘要和到期时间',
    category: 'not-personal',
    categoryNote: '运维凭证，不含用户信息，也不对应具体的人',
    purpose: '确认运维操作经过登录',
    basis: 'not-applicable',
    method: '运维人员登录时生成，只保存摘要',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'admin_tokens',
        columns: ['token_sha256', 'created_at', 'expires_at'],
      },
    ],
    retention: { text: '15 分钟后失效', ms: ADMIN_TOKEN_LIFETIME_MS },
    sharedWith: [],
    collectedWhen: '运维人员登录时',
    deletedWhen: '失效后运维清理时',
  },
  {
    id: 'audit-log',
    name: '运维审计日志',
    what: '每次运维接口请求（包括被拒绝的）的时间、动作、结果和说明（如维护公告内容）、来源 IP 地址、运维令牌的摘要（不含令牌本身）、重复被拒的次数，以及防篡改的链式摘要',
    category: 'not-personal',
    categoryNote: '记录运维操作，不含用户信息；来源 IP 地址属于运维人员或调用运维接口的人',
    purpose: '事后核查每一次运维操作',
    basis: 'not-applicable',
    method: '每次运维操作（包括被拒绝的）时写入',
    where: [
      {
        kind: 'server-table',
        database: 'server.db',
        table: 'audit_log',
        columns: ['id', 'at', 'action', 'outcome', 'detail', 'address', 'actor', 'count', 'hash'],
      },
    ],
    retention: { text: '长期保存，用于审计' },
    sharedWith: [],
    collectedWhen: '每次运维操作时',
    deletedWhen: '运维清理时',
  },
]

const sdks: Sdk[] = [
  {
    id: 'wechat-analytics',
    name: '微信分析（wx.reportEvent）',
    provider: '深圳市腾讯计算机系统有限公司',
    contact: '微信“我 > 设置 > 帮助与反馈”，或其隐私保护指引所列的联系方式',
    purpose: '统计功能使用情况，改进应用',
    method: '经你单独同意后，应用调用微信接口 wx.reportEvent 发送事件；不另外引入代码包',
    data: '事件名称和白名单内的固定取值（如选择城市的方式）；不含城市、位置、通讯录、标识符或你输入的文字',
    role: 'other-handler',
    policyUrl: 'https://weixin.qq.com/cgi-bin/readtemplate?lang=zh_CN&t=weixin_agreement&s=privacy',
    gatedBy: 'analytics',
    wechatGuide: ['EXUserOpLog'],
  },
]

const rights: Right[] = [
  {
    id: 'know',
    name: '知情和决定',
    article: '第四十四条',
    how: '本页说明我们处理的每一项信息及其依据；经你同意处理的，可随时在隐私中心更改或撤回',
  },
  {
    id: 'access',
    name: '查阅和复制',
    article: '第四十五条',
    how: '隐私中心 > 查看我的数据：显示服务器保存的全部数据，可一键复制（网页版还可下载为文件）',
  },
  {
    id: 'correct',
    name: '更正和补充',
    article: '第四十六条',
    how: '城市可随时在城市列表中更换，统计选项可在隐私中心开关；服务器不保存你填写的资料，发现不准确可删除或联系我们',
  },
  {
    id: 'delete',
    name: '删除',
    article: '第四十七条',
    how: '隐私中心 > 删除我的数据：删除服务器上的账号及其全部数据，以及手机上除同意记录外的数据',
  },
  {
    id: 'withdraw',
    name: '撤回同意',
    article: '第十五条',
    how: '隐私中心 > 撤回同意：退出登录并清除手机上的加密数据，手动选择城市的天气照常可用',
  },
  {
    id: 'request',
    name: '提出请求',
    article: '第五十条',
    how: '也可以发邮件联系我们；我们会核实后尽快处理，拒绝时会说明理由',
  },
]

/** The app's data inventory: the single source of truth for the policy and the guide. */
export const DATA_INVENTORY: DataInventory = {
  // A placeholder handler: a real app puts its own legal name and a monitored address here.
  handler: {
    name: '安心天气示例团队',
    email: 'privacy@example.com',
    noticeMethod: '小程序内弹窗：政策更新时请你重新确认',
  },
  policy: POLICY,
  data,
  sdks,
  rights,
}

export function isPersonal(datum: Datum): boolean {
  return datum.category !== 'not-personal'
}

/** The data a device storage key belongs to (several when they share a key), or none. */
export function matchDeviceKey(key: string, inventory = DATA_INVENTORY): Datum[] {
  return inventory.data.filter((datum) =>
    datum.where.some((place) => place.kind === 'device' && place.key === key),
  )
}

const UNITS: Array<[number, string]> = [
  [365 * 24 * 60 * 60 * 1000, '年'],
  [24 * 60 * 60 * 1000, '天'],
  [60 * 60 * 1000, '小时'],
  [60 * 1000, '分钟'],
  [1000, '秒'],
]

/** A period in the user's words: the largest unit that divides it, e.g. "2 小时", "1 年". */
export function formatDuration(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`
  }
  return `${ms} 毫秒`
}

/** One broken rule: which datum, SDK or the handler (`subject`), which field, and what. */
export interface InventoryProblem {
  subject: string
  field: string
  code:
    | 'missing'
    | 'invalid'
    | 'duplicate'
    | 'not-https'
    | 'personal-without-basis'
    | 'consent-without-purpose'
    | 'needs-separate-consent'
    | 'unknown-sdk'
    | 'unknown-wechat-key'
    | 'guide-text-wording'
    | 'retention-text-mismatch'
    | 'sdk-receives-nothing'
}

const blank = (text: unknown) => typeof text !== 'string' || text.trim() === ''

/**
 * Every rule an inventory must meet before a policy or a guide is made from it; empty when it
 * meets them all. Art. 17 needs, for every datum: kinds (`what`), purpose, method and retention;
 * Art. 23 needs, for every recipient: name, contact, purpose, method and kinds.
 */
export function checkInventory(inventory: DataInventory): InventoryProblem[] {
  const problems: InventoryProblem[] = []
  const problem = (subject: string, field: string, code: InventoryProblem['code']) =>
    problems.push({ subject, field, code })

  if (blank(inventory.handler.name)) problem('handler', 'name', 'missing')
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(inventory.handler.email)) {
    problem('handler', 'email', 'invalid')
  }
  if (blank(inventory.handler.noticeMethod)) problem('handler', 'noticeMethod', 'missing')

  const seen = new Set<string>()
  for (const datum of inventory.data) {
    const id = datum.id
    if (seen.has(id)) problem(id, 'id', 'duplicate')
    seen.add(id)
    for (const field of [
      'name',
      'what',
      'purpose',
      'method',
      'collectedWhen',
      'deletedWhen',
    ] as const) {
      if (blank(datum[field])) problem(id, field, 'missing')
    }
    if (datum.where.length === 0) problem(id, 'where', 'missing')
    checkRetention(datum, problem)
    const personal = isPersonal(datum)
    if (personal && datum.basis === 'not-applicable') problem(id, 'basis', 'personal-without-basis')
    if ((datum.basis === 'consent' || datum.basis === 'separate-consent') && !datum.gatedBy) {
      problem(id, 'gatedBy', 'consent-without-purpose')
    }
    for (const sdkId of datum.sharedWith) {
      const sdk = inventory.sdks.find((s) => s.id === sdkId)
      if (!sdk) problem(id, 'sharedWith', 'unknown-sdk')
      else if (sdk.role === 'other-handler' && datum.basis !== 'separate-consent') {
        problem(id, 'basis', 'needs-separate-consent')
      }
    }
    if (personal) checkGuide(id, datum.wechatGuide, datum.purpose, problem)
  }

  for (const sdk of inventory.sdks) {
    for (const field of ['name', 'provider', 'contact', 'purpose', 'method', 'data'] as const) {
      if (blank(sdk[field])) problem(sdk.id, field, 'missing')
    }
    if (!/^https:\/\/\S+$/.test(sdk.policyUrl)) problem(sdk.id, 'policyUrl', 'not-https')
    if (!inventory.data.some((datum) => datum.sharedWith.includes(sdk.id))) {
      problem(sdk.id, 'data', 'sdk-receives-nothing')
    }
    if (sdk.wechatGuide.length === 0) problem(sdk.id, 'wechatGuide', 'missing')
    for (const privacyKey of sdk.wechatGuide) {
      checkGuide(sdk.id, { privacyKey }, sdk.purpose, problem)
    }
  }

  for (const right of inventory.rights) {
    for (const field of ['name', 'article', 'how'] as const) {
      if (blank(right[field])) problem(right.id, field, 'missing')
    }
  }
  return problems
}

function checkRetention(
  datum: Datum,
  problem: (subject: string, field: string, code: InventoryProblem['code']) => void,
) {
  const { text, ms } = datum.retention ?? { text: '' }
  if (blank(text)) return problem(datum.id, 'retention', 'missing')
  if (ms === undefined) return
  if (!Number.isSafeInteger(ms) || ms < 0) return problem(datum.id, 'retention', 'invalid')
  if (ms > 0 && !text.includes(formatDuration(ms))) {
    problem(datum.id, 'retention', 'retention-text-mismatch')
  }
}

function checkGuide(
  subject: string,
  entry: WechatGuideEntry | undefined,
  purpose: string,
  problem: (subject: string, field: string, code: InventoryProblem['code']) => void,
) {
  if (!entry) return problem(subject, 'wechatGuide', 'missing')
  if ('omitted' in entry) {
    if (blank(entry.omitted)) problem(subject, 'wechatGuide', 'missing')
    return
  }
  if (!(WECHAT_PRIVACY_KEYS as readonly string[]).includes(entry.privacyKey)) {
    problem(subject, 'wechatGuide', 'unknown-wechat-key')
  }
  // WeChat shows "为了{purpose}": the purpose is written without its own 为了 or 用于.
  if (/^\s*(为了|用于)/.test(purpose ?? '')) problem(subject, 'purpose', 'guide-text-wording')
}
