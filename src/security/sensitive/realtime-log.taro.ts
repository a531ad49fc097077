import Taro from '@tarojs/taro'
import { scrub } from './scrub'

/**
 * SENSITIVE: the one place that writes to WeChat's realtime log (`wx.getRealtimeLogManager`,
 * base library 2.7.1+). What is written there is kept 7 days in the admin console and can be
 * searched by the user's WeChat id or OpenID: it is a personal-data sink, so every line is
 * scrubbed here (scrub.ts), whatever the caller did before, and cut to LINE_LIMIT characters.
 * WeChat keeps at most 5 KB and 200 calls per page visit: this writes at most RUN_BUDGET_BYTES
 * (UTF-8) in a whole run, which stays under both; later lines are dropped. Weapp only: H5 has no
 * such log. Never throws. Only this file may call the API (eslint.config.mjs).
 */
export const LINE_LIMIT = 500
export const RUN_BUDGET_BYTES = 4096

let manager: Taro.RealtimeLogManager | undefined
let spent = 0

export function writeRealtimeLog(line: string): void {
  if (process.env.TARO_ENV !== 'weapp') return
  try {
    const text = scrub(line.slice(0, LINE_LIMIT + 256)).slice(0, LINE_LIMIT)
    // UTF-8 bytes: a Chinese character is 3.
    const bytes = unescape(encodeURIComponent(text)).length
    if (spent + bytes > RUN_BUDGET_BYTES) return
    spent += bytes
    manager ??= Taro.getRealtimeLogManager()
    manager.error(text)
  } catch {
    // A log line is never worth breaking the caller for.
  }
}
