import Taro from '@tarojs/taro'
import { logger } from '../security/sensitive/logger'
import { ANALYTICS_EVENTS, createAnalytics, type AnalyticsSdk } from './analytics'
import { consent } from './app-consent'

/**
 * SDK: the app's analytics facade (analytics.ts), bound to WeChat and to the consent record.
 * Pages call `analytics.track('city_selected', { source: 'search' })`; this is the one file ESLint
 * lets call `Taro.reportEvent`.
 *
 * weapp: WeChat analytics (We分析) through `wx.reportEvent(eventId, data)` (base library 2.14.4+;
 * each event id and field must first be created in the admin console's event management). Taro 4
 * types it as `Taro.reportEvent` and copies it from `wx` when it exists: an older base library
 * has none, and the event is skipped.
 * H5: a no-op. Taro's H5 `reportEvent` is a "not supported" stub, so the platform is checked, not
 * the function.
 *
 * Only subpackage pages import this file, so it and the logger stay out of the main package.
 */
const wechatAnalytics: AnalyticsSdk = {
  id: 'wechat-analytics',
  send(eventId, data) {
    if (process.env.TARO_ENV !== 'weapp') return
    if (typeof Taro.reportEvent !== 'function') return
    Taro.reportEvent(eventId, data)
  },
}

export const analytics = createAnalytics({
  events: ANALYTICS_EVENTS,
  sdks: [wechatAnalytics],
  allowed: () => consent.allows('analytics'),
  log: logger,
})
