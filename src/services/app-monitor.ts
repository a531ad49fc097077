import Taro from '@tarojs/taro'
import { createMonitor, type MonitorConsent, type ReportKind } from '../security/monitor'
import { MONITOR_STORAGE_KEY } from '../security/monitor/monitor'
import { writeRealtimeLog } from '../security/sensitive/realtime-log.taro'
import { apiClient } from './api-client'
import { API_ROUTES, parseErrorReportReceipt } from './api-contract'
import { consent } from './app-consent'
import { consentOnServer, resendConsent, session, signedOutByChoice, signIn } from './app-session'
import { postWithConsent } from './report-delivery'
import { API_ORIGIN, APP_VERSION } from './settings'

/**
 * MONITOR: the app's one error monitor (the logic and its guarantees: src/security/monitor/).
 * This file binds it to the platform:
 * - captures: `wx.onError` (script errors: one string, message and stack), `onUnhandledRejection`
 *   and every page's error boundary (components/page-error-boundary); on H5 the window's `error`
 *   event, whose Error object still has its stack;
 * - storage: the queue is plain device storage under MONITOR_STORAGE_KEY (its reports are
 *   scrubbed before they are kept; docs/data-inventory.md lists it);
 * - consent: reports leave the device only once the user agreed (consent.ts, purpose
 *   `errorReports`); before a choice they wait on the device for 24 h at most; a decline or a
 *   withdrawal drops them;
 * - delivery: `POST /v1/monitor/errors` through the one HTTPS client, signed: the first report
 *   after consent signs in (which also hands the server the consent decision), so the reports
 *   are the user's to see and delete in the privacy center; after the user signed out (or
 *   deleted their data) by choice, reports wait on the device until they sign in again; the
 *   server takes reports only with an 'agreed' on record, so a decision not yet sent goes first,
 *   and a refusal for want of one sends the decision again once (report-delivery.ts);
 * - WeChat's realtime log gets the same scrubbed line, only with consent (a personal-data sink).
 */

export const monitor = createMonitor({
  load: () => {
    try {
      return Taro.getStorageSync(MONITOR_STORAGE_KEY)
    } catch {
      return undefined
    }
  },
  // An empty queue leaves nothing behind (a deletion in the privacy center, a decline).
  save: (state) =>
    state.reports.length || state.droppedOnDevice
      ? Taro.setStorageSync(MONITOR_STORAGE_KEY, state)
      : Taro.removeStorageSync(MONITOR_STORAGE_KEY),
  consent: consentForReports,
  send: async (batch) => {
    if (!(await session.state()).signedIn) {
      // After the user's own 退出登录 reports wait for their next sign-in (the monitor retries).
      if (signedOutByChoice()) throw new Error('signed out by the user')
      await signIn() // sends the consent decision before it returns
    } else {
      // A decision the server has not recorded yet (just agreed, or an earlier send failed) goes
      // first: the server refuses reports without an 'agreed' on record (ERR_CONSENT_REQUIRED).
      await consentOnServer()
    }
    const post = () =>
      apiClient.call({
        method: 'POST',
        url: API_ORIGIN + API_ROUTES.monitorErrors,
        body: batch,
        signed: true,
        parse: parseErrorReportReceipt,
      })
    return postWithConsent(post, resendConsent)
  },
  now: () => Date.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  log: writeRealtimeLog,
  context: () => ({ page: currentRoute(), appVersion: APP_VERSION, ...device() }),
})

// Error objects already reported. React's development build hands an error a page's boundary
// caught to the window's `error` event too (H5): it must not be reported a second time.
const reported = new WeakSet<object>()

/**
 * Reports one error (`raw` as the handler received it) on `page` (the current route unless the
 * handler knows better, e.g. the missing page of onPageNotFound). Never throws.
 */
export function reportError(kind: ReportKind, raw: unknown, page = currentRoute()): void {
  if (typeof raw === 'object' && raw !== null) {
    if (reported.has(raw)) return
    reported.add(raw)
  }
  monitor.capture(kind, raw, page)
}

/**
 * Starts listening for errors. app.ts calls it first, before anything else can fail. On H5,
 * Taro's `onError` passes only the event's message text; the Error object has the stack.
 */
export function installErrorCapture(): void {
  if (process.env.TARO_ENV === 'weapp') {
    Taro.onError((text) => reportError('error', text))
  } else {
    window.addEventListener('error', (event) => reportError('error', event.error ?? event.message))
  }
  Taro.onUnhandledRejection((event) => reportError('unhandledrejection', event))
  consent.subscribe(() => monitor.consentChanged())
}

/** What the consent record says about error reports, in the monitor's three answers. */
function consentForReports(): MonitorConsent {
  if (consent.allows('errorReports')) return 'allowed'
  const state = consent.state()
  // Not read yet, never decided, or agreed to an older policy (asked again): wait for a choice.
  if (!state || state.status === 'unknown' || state.status === 'agreed') return 'unknown'
  return 'refused'
}

function currentRoute(): string | undefined {
  return Taro.getCurrentPages().pop()?.route
}

// Read once, at the first report: getAppBaseInfo / getDeviceInfo replace the unmaintained
// getSystemInfo (base library 2.20.1+). Neither needs the user's permission.
let deviceInfo: { baseLibrary?: string; platform?: string } | undefined
function device() {
  if (!deviceInfo) {
    deviceInfo = { platform: 'h5' }
    if (process.env.TARO_ENV === 'weapp') {
      try {
        deviceInfo = {
          baseLibrary: Taro.getAppBaseInfo().SDKVersion,
          platform: Taro.getDeviceInfo().platform,
        }
      } catch {
        deviceInfo = {}
      }
    }
  }
  return deviceInfo
}
