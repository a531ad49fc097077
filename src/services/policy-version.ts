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
  version: '2026.12.2',
  /** The day this version takes effect (shown on the policy page). */
  effectiveDate: '2026-12-01',
  /** What changed since the previous version, in the user's words (shown when asked again). */
  changes: [
    '错误报告：应用出错时，去除个人信息后发送给我们；为此在同意后自动登录（你退出登录后不会自动登录）。撤回同意时删除服务器上的错误报告。',
  ],
} as const
