/**
 * The app's settings, read once at start-up and checked (a bad value stops the app with a readable
 * message instead of sending requests somewhere unexpected).
 *
 * TARO_APP_API_ORIGIN (in `.env`, overridden by `.env.production` or `.env.local`; Taro writes the
 * value into the build) is the API's origin, e.g. `https://api.example.com`. The same origin must
 * be listed as a "request 合法域名" in the WeChat admin console (开发管理 → 开发设置 → 服务器域名);
 * WeChat refuses any other, and so does the app's client. `.env` points at the reference server
 * on this machine.
 */
/**
 * The documented default: the reference server on this machine, the same value `.env` gives the
 * builds. Used where no build ran (jest) and by a build whose env files lack the setting.
 */
export const DEFAULT_API_ORIGIN = 'https://127.0.0.1:8443'

/**
 * TARO_APP_API_ORIGIN as the build wrote it in, or undefined. Taro replaces
 * `process.env.TARO_APP_API_ORIGIN` with its value only when an env file of the mode being built
 * defines it; otherwise the bundle keeps the expression, and WeChat's runtime has no `process`:
 * reading it would throw "process is not defined" before the first page shows.
 */
function builtApiOrigin(): string | undefined {
  try {
    return process.env.TARO_APP_API_ORIGIN || undefined
  } catch {
    return undefined
  }
}

function apiOrigin(): string {
  // H5 served over https by the reference server itself (workshops, the browser tests): the API is
  // the page's own origin, whichever port it runs on.
  if (process.env.TARO_ENV === 'h5' && typeof location !== 'undefined') {
    if (location.protocol === 'https:') return location.origin
  }
  return builtApiOrigin() ?? DEFAULT_API_ORIGIN
}

export const API_ORIGIN = apiOrigin()

/** The only origins the HTTPS client will call. */
export const ALLOWED_ORIGINS: readonly string[] = [API_ORIGIN]

/** The app's version, sent with error reports (MONITOR). Kept equal to package.json's by a test. */
export const APP_VERSION = '0.1.0'
