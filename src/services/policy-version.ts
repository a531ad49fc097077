/**
 * Which privacy policy the user is asked to agree to. The consent record (consent.ts) stores the
 * version agreed to; when this version changes, the app asks again and shows `changes`.
 *
 * Why the app keeps its own version: WeChat's privacy authorization cannot version a policy. It
 * asks again only when the admin console declares NEW data kinds, not when the text changes, and
 * it forgets the agreement when the user removes the mini program from "recently used".
 *
 * `version` is what the server records (`POST /v1/me/consent`): letters, digits, `.` and `-`, at
 * most 20 characters.
 */
export const POLICY = {
  version: '2026.12.1',
  /** The day this version takes effect (shown on the policy page). */
  effectiveDate: '2026-12-01',
  /** What changed since the previous version, in the user's words (shown when asked again). */
  changes: [
    '新增“使用我的位置”：经你同意获取模糊位置，只在手机上换算成最近的城市，坐标不保存、不上传。',
  ],
} as const
