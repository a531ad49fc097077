import './taro-config-globals'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import appConfig from '../src/app.config'
import {
  checkInventory,
  DATA_INVENTORY,
  isPersonal,
  type DataInventory,
  type WechatPrivacyKey,
} from '../src/services/data-inventory'

const USAGE = `Usage:
  npm run privacy:guide                 print WeChat's privacy guide (JSON) made from the data inventory
  npm run privacy:guide -- <file.json>  write it to a file

The JSON is the body of WeChat's setPrivacySetting open API (the admin console's 用户隐私保护指引:
owner_setting, setting_list, sdk_privacy_info_list). It is refused, with every problem listed,
when the inventory is incomplete or disagrees with app.config.ts requiredPrivateInfos.`

/** WeChat's privacy guide as `setPrivacySetting` takes it (privacy_ver 2: the development version). */
export interface PrivacyGuide {
  privacy_ver: 2
  owner_setting: {
    contact_email: string
    notice_method: string
    store_expire_timestamp: string
  }
  setting_list: GuideEntry[]
  sdk_privacy_info_list: Array<{ sdk_name: string; sdk_biz_name: string; sdk_list: GuideEntry[] }>
}

interface GuideEntry {
  privacy_key: WechatPrivacyKey
  privacy_text: string
}

/**
 * The data kind of each API that app.json `requiredPrivateInfos` can declare (WeChat's table of
 * privacy APIs: the fuzzy and precise location APIs give 位置信息, the pickers 选择的位置信息,
 * chooseAddress 地址).
 */
export const PRIVATE_INFO_KEYS: Record<string, WechatPrivacyKey> = {
  getFuzzyLocation: 'Location',
  getLocation: 'Location',
  onLocationChange: 'Location',
  startLocationUpdate: 'Location',
  startLocationUpdateBackground: 'Location',
  chooseLocation: 'ChooseLocation',
  choosePoi: 'ChooseLocation',
  chooseAddress: 'Address',
}

/**
 * The privacy APIs the app calls that app.json cannot declare (`requiredPrivateInfos` takes only
 * the location APIs), with their data kind. WeChat refuses such a call ("api scope is not declared
 * in the privacy agreement") unless the privacy guide declares its kind, so the guide must. The
 * weapp build is searched for every one of them (test/weapp/privacy-apis.test.ts): a new call of
 * a privacy API fails that test until it is listed here and its datum is in the inventory.
 */
export const CALLED_PRIVACY_APIS: Record<string, WechatPrivacyKey> = {
  // 隐私中心 > 查看我的数据 > 复制 (the inventory's `copied-export`).
  setClipboardData: 'Clipboard',
}

/** The guide cannot be made: `problems` lists each, as `subject.field: what`. */
export class PrivacyGuideError extends Error {
  constructor(readonly problems: string[]) {
    super(`WeChat's privacy guide was not made:\n  ${problems.join('\n  ')}`)
  }
}

/** What app.config.ts declares in `requiredPrivateInfos`. */
export function declaredPrivateInfos(): string[] {
  return [...((appConfig as { requiredPrivateInfos?: string[] }).requiredPrivateInfos ?? [])]
}

/**
 * WeChat's privacy guide from the inventory: each personal datum under its WeChat data kind with
 * its purpose, each SDK with its kinds, the handler's contact and how changes are announced, and
 * the retention of everything the handler keeps. Throws PrivacyGuideError when the inventory
 * fails its checks (data-inventory.ts `checkInventory`), disagrees with `requiredPrivateInfos`,
 * or lacks the data kind of a privacy API the app calls (`CALLED_PRIVACY_APIS`).
 */
export function buildPrivacyGuide(
  inventory: DataInventory = DATA_INVENTORY,
  requiredPrivateInfos: string[] = declaredPrivateInfos(),
  calledPrivacyApis: Record<string, WechatPrivacyKey> = CALLED_PRIVACY_APIS,
): PrivacyGuide {
  const problems = checkInventory(inventory).map((p) => `${p.subject}.${p.field}: ${p.code}`)
  const personal = inventory.data.filter(isPersonal)

  const settingList: GuideEntry[] = []
  for (const datum of personal) {
    const entry = datum.wechatGuide
    if (!entry || !('privacyKey' in entry)) continue
    const same = settingList.find((e) => e.privacy_key === entry.privacyKey)
    if (same) same.privacy_text += `；${datum.purpose}`
    else settingList.push({ privacy_key: entry.privacyKey, privacy_text: datum.purpose })
  }

  // The declared APIs and the data kinds must match both ways.
  const where = 'app.config.ts.requiredPrivateInfos'
  const keys = new Set(settingList.map((e) => e.privacy_key))
  for (const api of requiredPrivateInfos) {
    const key = PRIVATE_INFO_KEYS[api]
    if (!key) problems.push(`${where}: ${api} has no known data kind`)
    else if (!keys.has(key)) problems.push(`${where}: ${api} needs ${key} in the guide`)
  }
  for (const key of new Set(Object.values(PRIVATE_INFO_KEYS))) {
    if (keys.has(key) && !requiredPrivateInfos.some((api) => PRIVATE_INFO_KEYS[api] === key)) {
      problems.push(`${where}: ${key} is in the guide, but no API of it is declared`)
    }
  }
  for (const [api, key] of Object.entries(calledPrivacyApis)) {
    if (!keys.has(key)) problems.push(`CALLED_PRIVACY_APIS: ${api} needs ${key} in the guide`)
  }
  if (problems.length > 0) throw new PrivacyGuideError(problems)

  // What the handler keeps, and how long; what an SDK receives is kept under its own policy.
  const retention = personal
    .filter((datum) => datum.sharedWith.length === 0)
    .map((datum) => `${datum.name}：${datum.retention.text}`)
    .join('；')

  return {
    privacy_ver: 2,
    owner_setting: {
      contact_email: inventory.handler.email,
      notice_method: inventory.handler.noticeMethod,
      store_expire_timestamp: retention,
    },
    setting_list: settingList,
    sdk_privacy_info_list: inventory.sdks.map((sdk) => ({
      sdk_name: sdk.name,
      sdk_biz_name: sdk.provider,
      sdk_list: sdk.wechatGuide.map((key) => ({ privacy_key: key, privacy_text: sdk.purpose })),
    })),
  }
}

/** `npm run privacy:guide [-- <file>]`; returns the exit code. */
export function runPrivacyGuideCli(
  argv: string[],
  print: (line: string) => void = console.log,
  printError: (line: string) => void = console.error,
): number {
  let positionals: string[]
  try {
    ;({ positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} }))
  } catch {
    printError(USAGE)
    return 2
  }
  if (positionals.length > 1) {
    printError(USAGE)
    return 2
  }
  let guide: PrivacyGuide
  try {
    guide = buildPrivacyGuide()
  } catch (error) {
    if (!(error instanceof PrivacyGuideError)) throw error
    printError(error.message)
    return 1
  }
  const json = `${JSON.stringify(guide, null, 2)}\n`
  const [file] = positionals
  if (!file) {
    print(json.trimEnd())
    return 0
  }
  writeFileSync(resolve(file), json)
  print(`Wrote WeChat's privacy guide to ${resolve(file)} (setPrivacySetting body).`)
  return 0
}

if (require.main === module) {
  process.exitCode = runPrivacyGuideCli(process.argv.slice(2))
}
