import Taro from '@tarojs/taro'

/**
 * CONSENT, WeChat's half: the platform's own privacy authorization, wrapped once for the app.
 * (WeChat docs: 小程序隐私协议开发指南; APIs from base library 2.32.3.)
 *
 * - A privacy API (here: `getFuzzyLocation`, `setClipboardData`) called before the user agreed
 *   stays pending, and WeChat calls the ONE registered `onNeedPrivacyAuthorization` listener (a
 *   later registration replaces the earlier one, so the app registers it once, in app.ts). Each
 *   call brings its own `resolve`. They are queued here and every one is resolved exactly once: `agree` after a real
 *   tap on `<Button openType="agreePrivacyAuthorization">` (WeChat checks the button was tapped),
 *   `disagree` otherwise (the pending API then fails with `privacy permission is not authorized`).
 * - Whatever page is on top shows the consent dialog (components/consent-dialog) while anything
 *   is pending: pages subscribe with `onPrivacyRequests`.
 * - These APIs are callback-only in Taro 4 (typed `void`): promisified here and nowhere else.
 * - Outside weapp (H5) Taro's stubs "succeed" in production builds: nothing here trusts them, and
 *   the app's own consent record (consent.ts) is the only truth there.
 */

/** What `resolve` accepts (WeChat's `onNeedPrivacyAuthorization` ResolveOption). */
type PrivacyResolve = (option: {
  event: 'exposureAuthorization' | 'agree' | 'disagree'
  buttonId?: string
}) => void

interface PendingRequest {
  resolve: PrivacyResolve
  /** The API that asked, e.g. `getFuzzyLocation` (WeChat's `eventInfo.referrer`). */
  referrer: string
  exposed: boolean
}

const pending: PendingRequest[] = []
const listeners = new Set<(count: number) => void>()
let installed = false

/**
 * Registers the app's one `onNeedPrivacyAuthorization` listener (weapp; elsewhere a no-op).
 * Call once, at app level. A base library older than 2.32.3 has no such API: nothing to do then.
 */
export function installPrivacyListener(): void {
  if (process.env.TARO_ENV !== 'weapp' || installed) return
  const register = (
    Taro as unknown as {
      onNeedPrivacyAuthorization?: (
        listener: (resolve: PrivacyResolve, eventInfo?: { referrer?: string }) => void,
      ) => void
    }
  ).onNeedPrivacyAuthorization
  if (typeof register !== 'function') return
  installed = true
  register((resolve, eventInfo) => {
    pending.push({ resolve, referrer: String(eventInfo?.referrer ?? ''), exposed: false })
    notify()
  })
}

/** How many privacy requests wait for the user; `listener` hears every change. */
export function onPrivacyRequests(listener: (count: number) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function pendingPrivacyRequests(): number {
  return pending.length
}

/** The dialog is on screen: tells WeChat for each pending request (once each; optional in WeChat). */
export function reportPrivacyDialogShown(): void {
  for (const request of pending) {
    if (request.exposed) continue
    request.exposed = true
    safely(() => request.resolve({ event: 'exposureAuthorization' }))
  }
}

/**
 * Resolves every pending request once: `agree` with the id of the agree button the user tapped
 * (call from that button's `onAgreePrivacyAuthorization`), or `disagree`.
 */
export function settlePrivacyRequests(decision: { agreedWithButton: string } | 'disagree'): void {
  const settled = pending.splice(0, pending.length)
  for (const request of settled) {
    safely(() =>
      request.resolve(
        decision === 'disagree'
          ? { event: 'disagree' }
          : { event: 'agree', buttonId: decision.agreedWithButton },
      ),
    )
  }
  if (settled.length > 0) notify()
}

/**
 * WeChat's answer to "does the user still need to authorize?", and the contract's name for the
 * link. Outside weapp, or when the API is missing or fails: `{ needAuthorization: false }` with
 * no contract (the app's own record decides; every failure is handled the same way).
 */
export function getPrivacySetting(): Promise<{
  needAuthorization: boolean
  contractName?: string
}> {
  const none = { needAuthorization: false }
  const api = (Taro as unknown as { getPrivacySetting?: (option: object) => void })
    .getPrivacySetting
  if (process.env.TARO_ENV !== 'weapp' || typeof api !== 'function') return Promise.resolve(none)
  return new Promise((resolve) => {
    try {
      api({
        success: (result: { needAuthorization?: unknown; privacyContractName?: unknown }) =>
          resolve({
            needAuthorization: result?.needAuthorization === true,
            contractName:
              typeof result?.privacyContractName === 'string'
                ? result.privacyContractName
                : undefined,
          }),
        fail: () => resolve(none),
      })
    } catch {
      resolve(none)
    }
  })
}

/** Opens WeChat's page for the privacy contract (weapp; resolves false where it cannot). */
export function openPrivacyContract(): Promise<boolean> {
  const api = (Taro as unknown as { openPrivacyContract?: (option: object) => void })
    .openPrivacyContract
  if (process.env.TARO_ENV !== 'weapp' || typeof api !== 'function') return Promise.resolve(false)
  return new Promise((resolve) => {
    try {
      api({ success: () => resolve(true), fail: () => resolve(false) })
    } catch {
      resolve(false)
    }
  })
}

function notify(): void {
  for (const listener of [...listeners]) listener(pending.length)
}

// A resolve that throws (an already settled request) must not stop the others.
function safely(run: () => void): void {
  try {
    run()
  } catch {
    // Nothing to undo: the request is no longer ours to settle.
  }
}
