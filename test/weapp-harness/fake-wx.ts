import { randomBytes } from 'node:crypto'

/**
 * A programmable stand-in for WeChat's `wx` object, for running the real weapp build in Node.
 *
 * It behaves like WeChat where the app can tell the difference:
 * - async APIs call `success`/`fail` and then `complete`, later (never synchronously), and
 *   return a Promise when no callback is given;
 * - failures carry an `errMsg` of the form `"<api>:fail <reason>"`; `*Sync` APIs throw an Error
 *   with that message;
 * - storage keeps WeChat's limits (1 MB a key, 10 MB in all; 0.7 MB / 7.1 MB with `encrypt`), and
 *   data written with `encrypt: true` can only be read back with `encrypt: true`. WeChat does not
 *   document the errMsg of that mismatch, so each fake answers it with a wording of its own that
 *   no code can have been written against (set `storageMismatchWording` to pick one);
 * - `wx.request` sends what WeChat sends: only https to the configured request domains (else
 *   `request:fail url not in domain list`), the URL percent-encoded as a phone's network stack
 *   sends it, `content-type: application/json` when the app set no content-type (every method, a
 *   bodiless DELETE included), a fixed `Referer: https://servicewechat.com/<appid>/<version>/page-frame.html`
 *   the app cannot override, no `Origin`, GET `data` objects serialised into the query string and
 *   other methods' object `data` sent as JSON. Handlers see the wire form (`url`, `header`, `body`);
 * - `authSetting[scope]` is `undefined` (never asked), `false` (denied) or `true`;
 * - privacy authorization follows WeChat's rules (base library 2.32.3+): a privacy API called
 *   before the user agreed is held pending and `onNeedPrivacyAuthorization`'s last listener is
 *   called with `(resolve, { referrer })`; `resolve({ event: 'agree', buttonId })` only counts
 *   after a real tap on `<button open-type="agreePrivacyAuthorization" id="<buttonId>">` made
 *   since the request; with no listener WeChat shows its own popup. Breaches of these rules are
 *   recorded in `control.violations`;
 * - `getFuzzyLocation` needs `requiredPrivateInfos` and `scope.userFuzzyLocation`; the precise
 *   location APIs exist only to be caught (every call is a violation and fails);
 * - `setClipboardData` (and `getClipboardData`) are privacy APIs too: they go through privacy
 *   authorization, fail when the privacy guide does not declare `Clipboard` (when the test says
 *   what the guide declares: `privacy.guideKinds`), take only a string, and on success WeChat
 *   shows its own "内容已复制" toast; `control.clipboard` holds what was copied;
 * - `openSetting` only works from a tap handler (base library 2.3.0+);
 * - `getRandomValues` exists, but the runtime has no global `crypto` (the harness does not add one).
 *
 * Everything a test needs to program is on `control`: storage, settings, what the user answers in
 * prompts and privacy popups, login codes, network responses, one-off failures, the location, and
 * logs of every call.
 */

export interface WxCallbacks<T = Record<string, unknown>> {
  success?: (result: T) => void
  fail?: (error: { errMsg: string; errno?: number }) => void
  complete?: (resultOrError: unknown) => void
}

/** What a request handler sees: the request as WeChat puts it on the wire. */
export interface FakeRequest {
  /** The URL sent: percent-encoded, with GET `data` serialised into the query. */
  url: string
  method: string
  /** The headers sent: the app's, plus WeChat's defaults and its fixed Referer. */
  header: Record<string, string>
  /** The body sent (undefined for none). */
  body?: string
  /** `data` as the app passed it. */
  data: unknown
  timeout?: number
}

/** A handler's answer: an HTTP response, or `{ fail }` for a network-level failure. */
export type FakeResponse =
  { statusCode: number; data?: unknown; header?: Record<string, string> } | { fail: string }

export type RequestHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>

/** How the user answers a system prompt (authorize, showModal...). */
export type PromptAnswer = 'accept' | 'deny'

/**
 * How the user answers a scope prompt (`wx.authorize`, the first `wx.getFuzzyLocation`):
 * - `accept` / `deny`: taps allow / deny; WeChat remembers it in `authSetting`;
 * - `wait`: never answers (the prompt stays open) until the test calls `control.answerPrompt`;
 * - `fail`: WeChat fails the call with a wording no app code has seen (see
 *   `scopePromptFailWording`), and remembers nothing.
 */
export type ScopePromptAnswer = PromptAnswer | 'wait' | 'fail'

/** The scope `wx.getFuzzyLocation` needs. */
export const FUZZY_LOCATION_SCOPE = 'scope.userFuzzyLocation'

/** Location APIs this app must never call (getFuzzyLocation excludes the first four). */
export const PRECISE_LOCATION_APIS = [
  'getLocation',
  'onLocationChange',
  'startLocationUpdate',
  'startLocationUpdateBackground',
  'chooseLocation',
] as const

/** The calls `control.privacyLog` records. */
export const PRIVACY_AND_LOCATION_APIS: readonly string[] = [
  'getPrivacySetting',
  'onNeedPrivacyAuthorization',
  'requirePrivacyAuthorize',
  'openPrivacyContract',
  'getSetting',
  'authorize',
  'openSetting',
  'getFuzzyLocation',
  ...PRECISE_LOCATION_APIS,
  'setClipboardData',
  'getClipboardData',
]

/**
 * The data kind (the privacy guide's `privacy_key`) of each privacy API the fake implements:
 * WeChat refuses the call when the guide does not declare it (`authorize` only for the location
 * scopes, the ones that are privacy APIs).
 */
export const PRIVACY_API_KINDS: Readonly<Record<string, string>> = {
  getFuzzyLocation: 'Location',
  authorize: 'Location',
  setClipboardData: 'Clipboard',
  getClipboardData: 'Clipboard',
}

/** What WeChat answers for a privacy API whose data kind the privacy guide does not declare. */
export const KIND_NOT_DECLARED_REASON = 'api scope is not declared in the privacy agreement'

/** Scopes whose `wx.authorize` is itself a privacy API (the location ones). */
const PRIVACY_SCOPES = new Set([
  FUZZY_LOCATION_SCOPE,
  'scope.userLocation',
  'scope.userLocationBackground',
])

/** The documented reason a privacy API fails after `resolve({ event: 'disagree' })`. */
export const PRIVACY_NOT_AUTHORIZED = 'privacy permission is not authorized'

/**
 * What WeChat answers for a location API missing from app.json's `requiredPrivateInfos` (the
 * wording developers report for getLocation; WeChat's documentation gives none).
 */
export const NOT_DECLARED_REASON =
  'the api need to be declared in the requiredPrivateInfos field in app.json/ext.json'

/** One `onNeedPrivacyAuthorization` event: a privacy API call held until the app resolves it. */
export interface PrivacyRequest {
  /** 1, 2, ... in the order WeChat raised them. */
  id: number
  /** The API that needed authorization (`eventInfo.referrer`). */
  referrer: string
  /** `waiting` until the app's `resolve` agrees (accepted) or disagrees. */
  state: 'waiting' | 'agreed' | 'disagreed'
  /** The app reported its popup visible: `resolve({ event: 'exposureAuthorization' })`. */
  exposed: boolean
}

/** WeChat's privacy record for this user, and what the simulated user does in its popups. */
export interface FakePrivacy {
  /** The admin console's privacy guide declares data kinds; when false nothing needs agreement. */
  declaresDataKinds: boolean
  /** WeChat's record that the user agreed (cleared when they remove the app from "recently used"). */
  agreed: boolean
  /** `privacyContractName` from getPrivacySetting. */
  contractName: string
  /**
   * Reported since base library 3.4.2: a location API whose scope is still undecided shows WeChat's
   * privacy checkbox inside its scope prompt instead of calling onNeedPrivacyAuthorization;
   * accepting that prompt agrees to the privacy guide too.
   */
  checkboxInScopePrompt: boolean
  /** What the user taps in WeChat's own popup, shown when no listener is registered (default: disagree). */
  ownPopupAnswer: 'agree' | 'disagree'
  /** Every time WeChat's own popup showed: a healthy app registers a listener and never lets it. */
  ownPopups: Array<{ referrer: string; answer: 'agree' | 'disagree' }>
  /** Every onNeedPrivacyAuthorization event, in order. */
  requests: PrivacyRequest[]
  /** How many times `wx.openPrivacyContract` opened the contract. */
  contractOpens: number
  /**
   * The data kinds the admin console's privacy guide declares (`privacy_key`s), when the test
   * models them: a privacy API of another kind fails with KIND_NOT_DECLARED_REASON. Undefined:
   * not modelled, every kind passes.
   */
  guideKinds?: string[]
}

/** Options for the privacy record at creation (see `FakePrivacy`). */
export interface FakePrivacyOptions {
  /** Default true: the console declares data kinds, so the user must agree. */
  declaresDataKinds?: boolean
  /** Default false: the user has not agreed yet. */
  agreed?: boolean
  contractName?: string
  /** Default false: location APIs go through onNeedPrivacyAuthorization. */
  checkboxInScopePrompt?: boolean
  /** The data kinds the privacy guide declares (default: not modelled; see FakePrivacy). */
  guideKinds?: string[]
}

/** A scope prompt WeChat showed; one prompt serves every call that waits for it. */
export interface ScopePromptRecord {
  scope: string
  /** The API that raised it. */
  api: string
  /** It carried WeChat's privacy checkbox (the base library 3.4.2 path). */
  privacyCheckbox: boolean
  answer: 'waiting' | 'accept' | 'deny' | 'fail'
}

/** A breach of WeChat's rules that WeChat would refuse (or that this app must never commit). */
export interface Violation {
  rule:
    | 'agree-without-tap' // resolve({ event: 'agree' }) without a tap on that agree button since the request
    | 'resolve-after-answer' // resolve called after the request was answered (agree accepted or disagree)
    | 'resolve-invalid' // resolve with an event WeChat does not know
    | 'precise-location-api' // a precise location API was called
    | 'realtime-log-limit' // the realtime log got more than 5 KB or 200 calls (counted over the run)
  /** The API concerned (for resolves: the request's referrer). */
  api: string
  detail: string
}

/** One entry of `control.privacyLog`, in the order things happened. */
export type PrivacyLogEntry =
  | { kind: 'call'; api: string }
  | { kind: 'listener'; request: number; referrer: string }
  | { kind: 'resolve'; request: number; event: unknown; buttonId?: unknown; accepted: boolean }
  | { kind: 'agree-button-tap'; buttonId: string }
  | { kind: 'own-popup'; referrer: string; answer: 'agree' | 'disagree' }
  | { kind: 'scope-prompt'; scope: string; api: string; privacyCheckbox: boolean }
  | { kind: 'scope-answer'; scope: string; answer: 'accept' | 'deny' | 'fail' }

/** Routing is owned by the mini program harness, which installs itself here. */
export interface FakeRouter {
  navigateTo(url: string): void
  redirectTo(url: string): void
  reLaunch(url: string): void
  navigateBack(delta: number): void
}

export interface FakeWxOptions {
  /** Storage present before launch: key -> value as the app stored it. */
  storage?: Record<string, unknown>
  /** Scopes already decided, e.g. `{ 'scope.userFuzzyLocation': false }`. */
  authSetting?: Record<string, boolean>
  /** Base library version reported to the app. */
  SDKVersion?: string
  /** The admin console's request 合法域名 (https origins). Default: the reference server's. */
  requestDomains?: string[]
  /** The errMsg reason for reading an item with the other `encrypt` flag (default: a new one). */
  storageMismatchWording?: string
  /** WeChat's privacy record at launch (default: data kinds declared, user not agreed). */
  privacy?: FakePrivacyOptions
  /**
   * app.json's `requiredPrivateInfos` when the fake runs alone (default: none). The mini program
   * harness replaces it with the real app.json's at launch.
   */
  requiredPrivateInfos?: string[]
  /** What `getFuzzyLocation` returns (default: central Beijing). */
  location?: { latitude: number; longitude: number }
  /** The errMsg reason of a scope prompt answered `fail` (default: a new one). */
  scopePromptFailWording?: string
}

/** The origin the builds call by default (`.env`): the reference server on this machine. */
export const DEFAULT_REQUEST_DOMAINS = ['https://127.0.0.1:8443']
/** What WeChat sends as Referer for a development build of an app with the placeholder appid. */
export const WECHAT_REFERER = 'https://servicewechat.com/touristappid/0/page-frame.html'

export interface StoredItem {
  data: unknown
  encrypt: boolean
  /** WeChat holds the key but cannot hand the value over with either flag (a damaged file). */
  damaged?: boolean
}

export interface ToastRecord {
  /** The API that showed it: `setClipboardData` for the toast WeChat shows itself on a copy. */
  api: 'showToast' | 'showModal' | 'showLoading' | 'setClipboardData'
  title: string
  content?: string
}

export const STORAGE_LIMITS = {
  itemBytes: 1024 * 1024,
  totalBytes: 10 * 1024 * 1024,
  encryptedItemBytes: 0.7 * 1024 * 1024,
  encryptedTotalBytes: 7.1 * 1024 * 1024,
} as const

export interface FakeWxControl {
  /** Every stored item, keyed as the app stored it. */
  storage: Map<string, StoredItem>
  /** The scopes WeChat remembers for this user. */
  authSetting: Record<string, boolean>
  /**
   * What the user taps when a scope prompt shows (`wx.authorize`, the first `getFuzzyLocation`),
   * per scope (default: deny). `wait` keeps it open until `answerPrompt`; `fail` fails it.
   */
  promptAnswers: Record<string, ScopePromptAnswer>
  /** Answer the oldest open scope prompt (of `scope`, if given). Throws when none is open. */
  answerPrompt(answer: 'accept' | 'deny' | 'fail', scope?: string): void
  /** Every scope prompt shown, in order, with its answer. */
  scopePrompts: ScopePromptRecord[]
  /**
   * What the user switches in the settings page `wx.openSetting` opens: scope -> new value.
   * Only scopes already in `authSetting` (asked before) are on that page; others are ignored.
   */
  settingsPageChoices: Record<string, boolean>
  /** How many times `wx.openSetting` opened the settings page. */
  settingsOpens: number
  /** How many times `wx.exitMiniProgram` closed the mini program (only a tap can). */
  exits: number
  /**
   * True while a tap handler runs (the harness sets it synchronously around the dispatch). APIs
   * that need a user gesture (`openSetting`) read it when they are called.
   */
  insideTap: boolean
  /** Run `action` as if inside a tap handler (sets `insideTap` while it runs, synchronously). */
  duringTap<T>(action: () => T): T
  /** WeChat's privacy record and the simulated user's privacy choices. */
  privacy: FakePrivacy
  /**
   * The user tapped `<button open-type="agreePrivacyAuthorization" id="<buttonId>">` (the harness
   * calls this on such a tap, before dispatching the button's events). WeChat records the
   * agreement and remembers the tap for `resolve({ event: 'agree', buttonId })`.
   */
  tapAgreeButton(buttonId: string): void
  /** app.json's `requiredPrivateInfos` (installed by the harness from the build's app.json). */
  requiredPrivateInfos: string[]
  /** What `getFuzzyLocation` returns. */
  location: { latitude: number; longitude: number }
  /** Breaches of WeChat's rules: a healthy journey expects none. */
  violations: Violation[]
  /** Privacy and location calls, and what the user and WeChat did about them, in order. */
  privacyLog: PrivacyLogEntry[]
  /**
   * Listeners the app registered with `wx.onPageNotFound` (base library 2.1.2+), in order. The
   * harness calls them when the page WeChat is asked to open does not exist.
   */
  pageNotFoundListeners: Array<
    (info: { path: string; query: unknown; isEntryPage: boolean }) => void
  >
  /**
   * Listeners the app registered with `wx.onError` (base library 2.1.2+) and
   * `wx.onUnhandledRejection` (2.10.0+). The harness calls them as WeChat does: with the same
   * argument as App's `onError` (one string: message and stack) and `onUnhandledRejection`
   * (`{ reason, promise }`).
   */
  errorListeners: Array<(error: string) => void>
  rejectionListeners: Array<(event: { reason: unknown; promise: unknown }) => void>
  /**
   * What the app wrote to WeChat's realtime log (`wx.getRealtimeLogManager`, base library
   * 2.7.1+), in order: level and the arguments as written. WeChat keeps it 7 days in the admin
   * console, searchable by the user's OpenID: a journey checks nothing personal reached it.
   * WeChat's limits (at most 5 KB of text and 200 calls per page visit) are checked per call
   * and in total: a breach is a violation.
   */
  realtimeLog: Array<{ level: 'info' | 'warn' | 'error'; args: unknown[] }>
  /** Errors thrown by the app's onNeedPrivacyAuthorization listener. */
  listenerErrors: unknown[]
  /** What the user taps in `wx.showModal` (default: accept). */
  modalAnswer: PromptAnswer
  /** Codes `wx.login` hands out, in order; when empty it fails like a device without network. */
  loginCodes: string[]
  /** Answers `wx.request`; without one every request fails so a test notices. */
  onRequest(handler: RequestHandler): void
  /** Every `wx.request` the app made, in order. */
  requests: FakeRequest[]
  /** Make the next call of `api` fail with `"<api>:fail <reason>"`. */
  failNext(api: string, reason: string): void
  /** Every API call in order, with its options (functions dropped). */
  calls: Array<{ api: string; options: unknown }>
  /** Toasts, loading indicators and modals shown, in order. */
  toasts: ToastRecord[]
  /** The system clipboard: what `wx.setClipboardData` last put there ('' at first). */
  clipboard: string
  /** What `wx.reportEvent` (WeChat analytics) received, in order; `data` is a copy. */
  reportedEvents: Array<{ eventId: string; data: unknown }>
  /** APIs the app looked up that the fake does not implement (a hint when a journey breaks). */
  missing: Set<string>
  /**
   * Async calls whose callbacks have not run yet (the harness waits for zero). Calls waiting for
   * the simulated user (a pending privacy request, an open scope prompt) are not counted here.
   */
  inFlight: number
  /** Async calls waiting for the simulated user: a privacy popup or a scope prompt. */
  waitingForUser: number
  /** Installed by the mini program harness. */
  router?: FakeRouter
  /**
   * `wx.request` calls on the wire (sent, not answered yet). The harness runs the app's sped-up
   * clock at real speed while any is, through `onNetwork` (installed by the harness).
   */
  requestsOnTheWire: number
  onNetwork?: (onTheWire: number) => void
}

export interface FakeWx {
  /** The object to install as the global `wx`. */
  wx: Record<string, unknown>
  control: FakeWxControl
}

/**
 * The same install's next launch: `next` (a fresh fake WeChat by default) gets a copy of what
 * `previous` left in storage, encrypt flags included, as a phone keeps it between runs.
 */
export function sameDevice(previous: FakeWx, next: FakeWx = createFakeWx()): FakeWx {
  for (const [key, item] of previous.control.storage) next.control.storage.set(key, { ...item })
  return next
}

export function createFakeWx(options: FakeWxOptions = {}): FakeWx {
  const pendingFailures = new Map<string, string[]>()
  const requestDomains = new Set(options.requestDomains ?? DEFAULT_REQUEST_DOMAINS)
  const mismatchWording =
    options.storageMismatchWording ?? `item ${randomBytes(3).toString('hex')} unreadable`
  const promptFailWording =
    options.scopePromptFailWording ?? `prompt ${randomBytes(3).toString('hex')} interrupted`
  let requestHandler: RequestHandler | undefined
  /** The app's onNeedPrivacyAuthorization listener: registration overrides, only the last counts. */
  let privacyListener: ((...args: unknown[]) => unknown) | undefined
  /** Orders requests and agree-button taps, so a tap counts only for requests raised before it. */
  let sequence = 0
  const agreeTaps: Array<{ buttonId: string; at: number }> = []
  /** Open scope prompts, one per scope, each shared by every call waiting for it. */
  const openPrompts: Array<{
    record: ScopePromptRecord
    promise: Promise<ScopePromptRecord['answer']>
    answer: (answer: 'accept' | 'deny' | 'fail') => void
  }> = []

  const control: FakeWxControl = {
    storage: new Map(
      Object.entries(options.storage ?? {}).map(([key, data]) => [key, { data, encrypt: false }]),
    ),
    authSetting: { ...(options.authSetting ?? {}) },
    promptAnswers: {},
    answerPrompt(answer, scope) {
      const open = openPrompts.find(
        (prompt) => scope === undefined || prompt.record.scope === scope,
      )
      if (!open) throw new Error(`No scope prompt is waiting${scope ? ` for ${scope}` : ''}`)
      open.answer(answer)
    },
    scopePrompts: [],
    settingsPageChoices: {},
    settingsOpens: 0,
    exits: 0,
    insideTap: false,
    duringTap(action) {
      const before = control.insideTap
      control.insideTap = true
      try {
        return action()
      } finally {
        control.insideTap = before
      }
    },
    privacy: {
      declaresDataKinds: options.privacy?.declaresDataKinds ?? true,
      agreed: options.privacy?.agreed ?? false,
      contractName: options.privacy?.contractName ?? '《小程序隐私保护指引》',
      checkboxInScopePrompt: options.privacy?.checkboxInScopePrompt ?? false,
      ownPopupAnswer: 'disagree',
      ownPopups: [],
      requests: [],
      contractOpens: 0,
      guideKinds: options.privacy?.guideKinds ? [...options.privacy.guideKinds] : undefined,
    },
    tapAgreeButton(buttonId) {
      agreeTaps.push({ buttonId, at: ++sequence })
      control.privacyLog.push({ kind: 'agree-button-tap', buttonId })
      control.privacy.agreed = true
    },
    requiredPrivateInfos: [...(options.requiredPrivateInfos ?? [])],
    location: { ...(options.location ?? { latitude: 39.9042, longitude: 116.4074 }) },
    violations: [],
    privacyLog: [],
    pageNotFoundListeners: [],
    errorListeners: [],
    rejectionListeners: [],
    realtimeLog: [],
    listenerErrors: [],
    modalAnswer: 'accept',
    loginCodes: [],
    onRequest(handler) {
      requestHandler = handler
    },
    requests: [],
    failNext(api, reason) {
      pendingFailures.set(api, [...(pendingFailures.get(api) ?? []), reason])
    },
    calls: [],
    toasts: [],
    clipboard: '',
    reportedEvents: [],
    missing: new Set(),
    inFlight: 0,
    waitingForUser: 0,
    requestsOnTheWire: 0,
  }

  /** A queued one-off failure for `api`, if any. */
  function takeFailure(api: string): string | undefined {
    const queue = pendingFailures.get(api)
    if (!queue || queue.length === 0) return undefined
    const reason = queue.shift()
    if (queue.length === 0) pendingFailures.delete(api)
    return reason
  }

  function record(api: string, value: unknown) {
    control.calls.push({ api, options: withoutFunctions(value) })
    if (PRIVACY_AND_LOCATION_APIS.includes(api)) control.privacyLog.push({ kind: 'call', api })
  }

  /**
   * Define an async API: `run` returns the success result or throws a `WxFailure`. Callbacks run
   * on a later task, as in WeChat; with no callbacks the call returns a Promise. `run` also gets
   * what was true when the app made the call (inside a tap handler or not).
   */
  function asyncApi<T extends Record<string, unknown>>(
    api: string,
    run: (options: Record<string, unknown>, call: { insideTap: boolean }) => T | Promise<T>,
  ) {
    return (rawOptions?: Record<string, unknown> & WxCallbacks<T>) => {
      const options = rawOptions ?? {}
      record(api, options)
      const call = { insideTap: control.insideTap }
      control.inFlight++
      const outcome = (async () => {
        await nextTask()
        const injected = takeFailure(api)
        if (injected !== undefined) throw new WxFailure(`${api}:fail ${injected}`)
        return run(options, call)
      })()
      const hasCallbacks = Boolean(options.success || options.fail || options.complete)
      const settled = outcome.then(
        (result) => {
          const full = { errMsg: `${api}:ok`, ...result }
          options.success?.(full)
          options.complete?.(full)
          return full
        },
        (error: unknown) => {
          const failure = toFailure(api, error)
          options.fail?.(failure)
          options.complete?.(failure)
          if (!hasCallbacks) throw failure
          return undefined
        },
      )
      const done = () => {
        control.inFlight--
      }
      settled.then(done, done)
      return hasCallbacks ? undefined : settled
    }
  }

  /** Define a sync API: failures throw an Error whose message is the errMsg, as WeChat does. */
  function syncApi<A extends unknown[], R>(api: string, run: (...args: A) => R) {
    return (...args: A): R => {
      record(api, args)
      const injected = takeFailure(api)
      if (injected !== undefined) throw new Error(`${api}:fail ${injected}`)
      try {
        return run(...args)
      } catch (error) {
        if (error instanceof WxFailure) throw new Error(error.errMsg)
        throw error
      }
    }
  }

  function writeItem(api: string, key: unknown, data: unknown, encrypt: boolean) {
    if (typeof key !== 'string' || key === '')
      throw new WxFailure(`${api}:fail parameter error: key`)
    const size = byteLength(key) + byteLength(serialise(data))
    const itemLimit = encrypt ? STORAGE_LIMITS.encryptedItemBytes : STORAGE_LIMITS.itemBytes
    if (size > itemLimit) throw new WxFailure(`${api}:fail exceed storage item max length`)
    const others = [...control.storage.entries()].filter(([k]) => k !== key)
    const used = others.reduce(
      (sum, [k, item]) => sum + byteLength(k) + byteLength(serialise(item.data)),
      0,
    )
    const totalLimit = encrypt ? STORAGE_LIMITS.encryptedTotalBytes : STORAGE_LIMITS.totalBytes
    if (used + size > totalLimit) throw new WxFailure(`${api}:fail exceed storage max size`)
    // WeChat stores a copy: later changes to the caller's object do not leak into storage.
    control.storage.set(key, { data: copy(data), encrypt })
  }

  function readItem(api: string, key: unknown, encrypt: boolean): unknown {
    if (typeof key !== 'string') throw new WxFailure(`${api}:fail parameter error: key`)
    const item = control.storage.get(key)
    if (!item) throw new WxFailure(`${api}:fail data not found`)
    if (item.damaged) throw new WxFailure(`${api}:fail ${mismatchWording} (damaged)`)
    if (item.encrypt !== encrypt) throw new WxFailure(`${api}:fail ${mismatchWording}`)
    return copy(item.data)
  }

  function storageInfo() {
    let bytes = 0
    for (const [key, item] of control.storage)
      bytes += byteLength(key) + byteLength(serialise(item.data))
    return {
      keys: [...control.storage.keys()],
      currentSize: Math.ceil(bytes / 1024),
      limitSize: STORAGE_LIMITS.totalBytes / 1024,
    }
  }

  function route(
    api: string,
    action: (router: FakeRouter, options: Record<string, unknown>) => void,
  ) {
    return asyncApi(api, (o) => {
      if (!control.router) throw new WxFailure(`${api}:fail no page stack (harness not launched)`)
      action(control.router, o)
      return {}
    })
  }

  /** Wait for the simulated user without counting as busy, so the harness can settle meanwhile. */
  async function waitForUser<T>(promise: Promise<T>): Promise<T> {
    control.inFlight--
    control.waitingForUser++
    try {
      return await promise
    } finally {
      control.inFlight++
      control.waitingForUser--
    }
  }

  function violation(rule: Violation['rule'], api: string, detail: string) {
    control.violations.push({ rule, api, detail })
  }

  function needsAuthorization(): boolean {
    return control.privacy.declaresDataKinds && !control.privacy.agreed
  }

  /**
   * WeChat's privacy check at the start of a privacy API. Returns true when the check moves into
   * the scope prompt (the base library 3.4.2 checkbox path); throws the documented failure when
   * the user disagrees; otherwise returns once the user agreed.
   */
  async function privacyGate(api: string, scopeWithPrompt?: string): Promise<boolean> {
    const kind = PRIVACY_API_KINDS[api]
    const declared = control.privacy.guideKinds
    if (kind && declared && !declared.includes(kind)) {
      throw new WxFailure(`${api}:fail ${KIND_NOT_DECLARED_REASON}`)
    }
    if (!needsAuthorization()) return false
    if (
      scopeWithPrompt &&
      control.privacy.checkboxInScopePrompt &&
      control.authSetting[scopeWithPrompt] === undefined
    ) {
      return true
    }
    if (!privacyListener) {
      // No listener: WeChat shows its own popup.
      const answer = control.privacy.ownPopupAnswer
      control.privacy.ownPopups.push({ referrer: api, answer })
      control.privacyLog.push({ kind: 'own-popup', referrer: api, answer })
      if (answer !== 'agree') throw new WxFailure(`${api}:fail ${PRIVACY_NOT_AUTHORIZED}`)
      control.privacy.agreed = true
      return false
    }
    const outcome = await waitForUser(raisePrivacyRequest(api, privacyListener))
    if (outcome === 'disagreed') throw new WxFailure(`${api}:fail ${PRIVACY_NOT_AUTHORIZED}`)
    return false
  }

  /** Call the listener with a resolve of its own; settles when the app answers agree/disagree. */
  function raisePrivacyRequest(
    api: string,
    listener: (...args: unknown[]) => unknown,
  ): Promise<'agreed' | 'disagreed'> {
    const request: PrivacyRequest = {
      id: control.privacy.requests.length + 1,
      referrer: api,
      state: 'waiting',
      exposed: false,
    }
    const raisedAt = ++sequence
    control.privacy.requests.push(request)
    control.privacyLog.push({ kind: 'listener', request: request.id, referrer: api })
    return new Promise((settle) => {
      const resolve = (answer?: { event?: unknown; buttonId?: unknown }) => {
        const event = answer?.event
        const buttonId = answer?.buttonId
        const note = (accepted: boolean) =>
          control.privacyLog.push({
            kind: 'resolve',
            request: request.id,
            event,
            buttonId,
            accepted,
          })
        if (request.state !== 'waiting') {
          note(false)
          violation(
            'resolve-after-answer',
            api,
            `resolve(${JSON.stringify(answer)}) after request ${request.id} was ${request.state}`,
          )
          return
        }
        if (event === 'exposureAuthorization') {
          request.exposed = true
          note(true)
          return
        }
        if (event === 'disagree') {
          request.state = 'disagreed'
          note(true)
          settle('disagreed')
          return
        }
        if (event === 'agree') {
          const tapped = agreeTaps.some((tap) => tap.buttonId === buttonId && tap.at > raisedAt)
          if (!tapped) {
            // The base library checks the tap; without it the API does not go on.
            note(false)
            violation(
              'agree-without-tap',
              api,
              `resolve agree with buttonId ${JSON.stringify(buttonId)}, but no agree button with that id was tapped since request ${request.id}`,
            )
            return
          }
          request.state = 'agreed'
          control.privacy.agreed = true
          note(true)
          settle('agreed')
          return
        }
        note(false)
        violation('resolve-invalid', api, `resolve(${JSON.stringify(answer)}): unknown event`)
      }
      try {
        listener(resolve, { referrer: api })
      } catch (error) {
        control.listenerErrors.push(error)
      }
    })
  }

  /** Show the scope prompt (or join the one already open for that scope) and get the answer. */
  function scopePrompt(
    api: string,
    scope: string,
    privacyCheckbox: boolean,
  ): Promise<ScopePromptRecord['answer']> {
    const open = openPrompts.find((prompt) => prompt.record.scope === scope)
    if (open) return open.promise
    const record: ScopePromptRecord = { scope, api, privacyCheckbox, answer: 'waiting' }
    control.scopePrompts.push(record)
    control.privacyLog.push({ kind: 'scope-prompt', scope, api, privacyCheckbox })
    const decide = (answer: 'accept' | 'deny' | 'fail') => {
      record.answer = answer
      control.privacyLog.push({ kind: 'scope-answer', scope, answer })
      if (answer === 'fail') return
      control.authSetting[scope] = answer === 'accept'
      if (answer === 'accept' && privacyCheckbox) control.privacy.agreed = true
    }
    const programmed = control.promptAnswers[scope] ?? 'deny'
    if (programmed !== 'wait') {
      decide(programmed)
      return Promise.resolve(programmed)
    }
    // 'wait': the prompt stays open until the test answers it with control.answerPrompt.
    let settlePrompt: (answer: ScopePromptRecord['answer']) => void = () => undefined
    const promise = new Promise<ScopePromptRecord['answer']>((settle) => (settlePrompt = settle))
    const entry = {
      record,
      promise,
      answer: (answer: 'accept' | 'deny' | 'fail') => {
        openPrompts.splice(openPrompts.indexOf(entry), 1)
        decide(answer)
        settlePrompt(answer)
      },
    }
    openPrompts.push(entry)
    return promise
  }

  /** The scope check of a scope-guarded API: granted goes on, denied fails, undecided asks. */
  async function requireScope(api: string, scope: string, privacyCheckbox: boolean) {
    const known = control.authSetting[scope]
    if (known === true) return
    if (known === false) throw new WxFailure(`${api}:fail auth deny`)
    const answer = await waitForUser(scopePrompt(api, scope, privacyCheckbox))
    if (answer === 'fail') throw new WxFailure(`${api}:fail ${promptFailWording}`)
    if (answer !== 'accept') throw new WxFailure(`${api}:fail auth deny`)
  }

  function requireDeclared(api: string) {
    if (!control.requiredPrivateInfos.includes(api)) {
      throw new WxFailure(`${api}:fail ${NOT_DECLARED_REASON}`)
    }
  }

  /** A precise location API: it exists only to be caught. */
  function preciseLocationApi(api: string) {
    const run = asyncApi(api, () => {
      requireDeclared(api)
      throw new WxFailure(`${api}:fail precise location is refused by the fake wx`)
    })
    return (options?: Record<string, unknown>) => {
      violation('precise-location-api', api, `wx.${api} was called`)
      return run(options)
    }
  }

  const systemInfo = {
    brand: 'devtools',
    model: 'harness',
    pixelRatio: 2,
    screenWidth: 375,
    screenHeight: 812,
    windowWidth: 375,
    windowHeight: 724,
    statusBarHeight: 44,
    language: 'zh_CN',
    version: '8.0.50',
    system: 'iOS 17.0',
    platform: 'devtools',
    SDKVersion: options.SDKVersion ?? '3.7.0',
    theme: 'light',
  }

  const api: Record<string, unknown> = {
    // Device and base library
    getSystemInfoSync: syncApi('getSystemInfoSync', () => ({ ...systemInfo })),
    getSystemInfo: asyncApi('getSystemInfo', () => ({ ...systemInfo })),
    getWindowInfo: syncApi('getWindowInfo', () => ({ ...systemInfo })),
    getDeviceInfo: syncApi('getDeviceInfo', () => ({ ...systemInfo })),
    getAppBaseInfo: syncApi('getAppBaseInfo', () => ({ ...systemInfo })),
    getAccountInfoSync: syncApi('getAccountInfoSync', () => ({
      miniProgram: { appId: 'touristappid', envVersion: 'develop', version: '' },
    })),
    canIUse: (schema: string) => typeof api[String(schema).split('.')[0]] === 'function',
    nextTick: (callback: () => void) => setTimeout(callback, 0),

    // Storage
    setStorageSync: syncApi('setStorageSync', (key: string, data: unknown) =>
      writeItem('setStorageSync', key, data, false),
    ),
    getStorageSync: syncApi('getStorageSync', (key: string) => {
      // WeChat answers '' for a missing key instead of failing.
      if (!control.storage.has(key)) return ''
      return readItem('getStorageSync', key, false)
    }),
    removeStorageSync: syncApi('removeStorageSync', (key: string) => {
      control.storage.delete(key)
    }),
    clearStorageSync: syncApi('clearStorageSync', () => control.storage.clear()),
    getStorageInfoSync: syncApi('getStorageInfoSync', storageInfo),
    setStorage: asyncApi('setStorage', (o) => {
      writeItem('setStorage', o.key, o.data, o.encrypt === true)
      return {}
    }),
    getStorage: asyncApi('getStorage', (o) => ({
      data: readItem('getStorage', o.key, o.encrypt === true),
    })),
    removeStorage: asyncApi('removeStorage', (o) => {
      control.storage.delete(String(o.key))
      return {}
    }),
    clearStorage: asyncApi('clearStorage', () => {
      control.storage.clear()
      return {}
    }),
    getStorageInfo: asyncApi('getStorageInfo', storageInfo),

    // Secure random bytes: the platform's source. There is deliberately no global `crypto`.
    getRandomValues: asyncApi('getRandomValues', (o) => {
      const length = Number(o.length)
      if (!Number.isInteger(length) || length < 1 || length > 1024) {
        throw new WxFailure('getRandomValues:fail invalid length')
      }
      const bytes = randomBytes(length)
      return { randomValues: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + length) }
    }),

    // Login and settings
    login: asyncApi('login', () => {
      const code = control.loginCodes.shift()
      if (code === undefined) throw new WxFailure('login:fail network error')
      return { code }
    }),
    getSetting: asyncApi('getSetting', () => ({ authSetting: { ...control.authSetting } })),
    authorize: asyncApi('authorize', async (o) => {
      const scope = String(o.scope)
      const checkbox = PRIVACY_SCOPES.has(scope) ? await privacyGate('authorize', scope) : false
      // A scope denied before is not asked again: only openSetting can change it.
      await requireScope('authorize', scope, checkbox)
      return {}
    }),
    openSetting: asyncApi('openSetting', (_o, call) => {
      // Since base library 2.3.0 only a tap can open the settings page.
      if (!call.insideTap) {
        throw new WxFailure('openSetting:fail can only be invoked by user TAP gesture')
      }
      control.settingsOpens++
      for (const [scope, value] of Object.entries(control.settingsPageChoices)) {
        if (scope in control.authSetting) control.authSetting[scope] = value
      }
      return { authSetting: { ...control.authSetting } }
    }),
    // Base library 2.17.3+: "must be triggered by a tap" (WeChat's documentation), so like
    // openSetting it fails outside one. The fake only counts the exit; the page stack stays.
    exitMiniProgram: asyncApi('exitMiniProgram', (_o, call) => {
      if (!call.insideTap) {
        throw new WxFailure('exitMiniProgram:fail can only be invoked by user TAP gesture')
      }
      control.exits++
      return {}
    }),

    // Base library 2.8.3+: hides the home button WeChat adds to a page opened by reLaunch.
    hideHomeButton: asyncApi('hideHomeButton', () => ({})),

    // Privacy authorization (base library 2.32.3+; callback style, as WeChat's typings say)
    getPrivacySetting: asyncApi('getPrivacySetting', () => ({
      needAuthorization: needsAuthorization(),
      privacyContractName: control.privacy.contractName,
    })),
    // App-level listener: WeChat calls it when the page to open does not exist; the app must
    // redirect inside the call (wx.onPageNotFound documentation).
    onPageNotFound: (listener: unknown) => {
      record('onPageNotFound', [])
      if (typeof listener === 'function') {
        control.pageNotFoundListeners.push(
          listener as FakeWxControl['pageNotFoundListeners'][number],
        )
      }
    },
    offPageNotFound: (listener: unknown) => {
      record('offPageNotFound', [])
      control.pageNotFoundListeners = control.pageNotFoundListeners.filter((l) => l !== listener)
    },
    // App-level error listeners. WeChat calls them with the same argument as App's onError and
    // onUnhandledRejection (the harness does both when the build throws or leaves a rejection).
    onError: (listener: unknown) => {
      record('onError', [])
      if (typeof listener === 'function') {
        control.errorListeners.push(listener as FakeWxControl['errorListeners'][number])
      }
    },
    offError: (listener: unknown) => {
      record('offError', [])
      control.errorListeners = control.errorListeners.filter((l) => l !== listener)
    },
    onUnhandledRejection: (listener: unknown) => {
      record('onUnhandledRejection', [])
      if (typeof listener === 'function') {
        control.rejectionListeners.push(listener as FakeWxControl['rejectionListeners'][number])
      }
    },
    offUnhandledRejection: (listener: unknown) => {
      record('offUnhandledRejection', [])
      control.rejectionListeners = control.rejectionListeners.filter((l) => l !== listener)
    },
    // Realtime log (base library 2.7.1+): what is written goes to the admin console, so the fake
    // keeps it for journeys to inspect. Limits per WeChat's documentation: 5 KB, 200 calls.
    getRealtimeLogManager: syncApi('getRealtimeLogManager', () => {
      const write =
        (level: 'info' | 'warn' | 'error') =>
        (...args: unknown[]) => {
          control.realtimeLog.push({ level, args })
          const bytes = control.realtimeLog.reduce(
            (sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry.args)),
            0,
          )
          if (bytes > 5 * 1024 || control.realtimeLog.length > 200) {
            control.violations.push({
              rule: 'realtime-log-limit',
              api: 'getRealtimeLogManager',
              detail: `${control.realtimeLog.length} calls, ${bytes} bytes`,
            })
          }
        }
      return {
        info: write('info'),
        warn: write('warn'),
        error: write('error'),
        setFilterMsg: () => undefined,
        addFilterMsg: () => undefined,
      }
    }),
    onNeedPrivacyAuthorization: (listener: unknown) => {
      record('onNeedPrivacyAuthorization', [])
      if (typeof listener === 'function') {
        privacyListener = listener as (...args: unknown[]) => unknown
      }
    },
    requirePrivacyAuthorize: asyncApi('requirePrivacyAuthorize', async () => {
      await privacyGate('requirePrivacyAuthorize')
      return {}
    }),
    openPrivacyContract: asyncApi('openPrivacyContract', () => {
      control.privacy.contractOpens++
      return {}
    }),

    // Location: fuzzy only. The precise APIs are here to be caught.
    getFuzzyLocation: asyncApi('getFuzzyLocation', async () => {
      requireDeclared('getFuzzyLocation')
      const checkbox = await privacyGate('getFuzzyLocation', FUZZY_LOCATION_SCOPE)
      await requireScope('getFuzzyLocation', FUZZY_LOCATION_SCOPE, checkbox)
      return { latitude: control.location.latitude, longitude: control.location.longitude }
    }),
    getLocation: preciseLocationApi('getLocation'),
    startLocationUpdate: preciseLocationApi('startLocationUpdate'),
    startLocationUpdateBackground: preciseLocationApi('startLocationUpdateBackground'),
    chooseLocation: preciseLocationApi('chooseLocation'),
    onLocationChange: () => {
      record('onLocationChange', [])
      violation('precise-location-api', 'onLocationChange', 'wx.onLocationChange was called')
    },

    // Clipboard (base library 1.1.0+): privacy APIs, data kind Clipboard.
    setClipboardData: asyncApi('setClipboardData', async (o) => {
      if (typeof o.data !== 'string') {
        throw new WxFailure(
          `setClipboardData:fail parameter error: parameter.data should be String instead of ${typeName(o.data)};`,
        )
      }
      await privacyGate('setClipboardData')
      control.clipboard = o.data
      // WeChat's own toast, 1.5 s ("内容已复制"), shown without the app asking.
      control.toasts.push({ api: 'setClipboardData', title: '内容已复制' })
      return {}
    }),
    getClipboardData: asyncApi('getClipboardData', async () => {
      await privacyGate('getClipboardData')
      return { data: control.clipboard }
    }),

    // Network
    request: asyncApi('request', async (o) => {
      const request = wireRequest(o, requestDomains)
      control.requests.push(request)
      if (!requestHandler) throw new WxFailure('request:fail no request handler set in the fake wx')
      control.onNetwork?.(++control.requestsOnTheWire)
      let response: FakeResponse
      try {
        response = await requestHandler(request)
      } finally {
        control.onNetwork?.(--control.requestsOnTheWire)
      }
      if ('fail' in response) throw new WxFailure(`request:fail ${response.fail}`)
      return {
        statusCode: response.statusCode,
        data: response.data ?? '',
        header: response.header ?? {},
      }
    }),

    // Feedback
    showToast: asyncApi('showToast', (o) => {
      control.toasts.push({ api: 'showToast', title: String(o.title ?? '') })
      return {}
    }),
    hideToast: asyncApi('hideToast', () => ({})),
    showLoading: asyncApi('showLoading', (o) => {
      control.toasts.push({ api: 'showLoading', title: String(o.title ?? '') })
      return {}
    }),
    hideLoading: asyncApi('hideLoading', () => ({})),
    showModal: asyncApi('showModal', (o) => {
      control.toasts.push({
        api: 'showModal',
        title: String(o.title ?? ''),
        content: String(o.content ?? ''),
      })
      const confirm = control.modalAnswer === 'accept'
      return { confirm, cancel: !confirm }
    }),
    setNavigationBarTitle: asyncApi('setNavigationBarTitle', () => ({})),

    // WeChat analytics (We分析, base library 2.14.4+): synchronous, no callbacks, no answer.
    reportEvent: (eventId: unknown, data: unknown) => {
      record('reportEvent', { eventId, data })
      control.reportedEvents.push({ eventId: String(eventId), data: copy(data) })
    },

    // Navigation: delegated to the harness's page stack.
    navigateTo: route('navigateTo', (router, o) => router.navigateTo(String(o.url))),
    redirectTo: route('redirectTo', (router, o) => router.redirectTo(String(o.url))),
    reLaunch: route('reLaunch', (router, o) => router.reLaunch(String(o.url))),
    navigateBack: route('navigateBack', (router, o) => router.navigateBack(Number(o.delta ?? 1))),
  }

  // Unknown APIs read as undefined (as on an older base library) and are noted in `missing`;
  // properties the app writes (webpack's chunk list lives on `wx`) are kept.
  const wx = new Proxy(api, {
    get(target, property) {
      if (typeof property === 'string' && !(property in target)) control.missing.add(property)
      return target[property as string]
    },
  })

  return { wx, control }
}

/**
 * The request WeChat puts on the wire for `wx.request(options)`; throws the WxFailure WeChat
 * gives for a URL outside the request domains.
 */
function wireRequest(o: Record<string, unknown>, domains: Set<string>): FakeRequest {
  const method = String(o.method ?? 'GET').toUpperCase()
  let url: URL
  try {
    url = new URL(String(o.url))
  } catch {
    throw new WxFailure('request:fail invalid url')
  }
  if (url.protocol !== 'https:' || !domains.has(url.origin)) {
    throw new WxFailure('request:fail url not in domain list')
  }
  const header: Record<string, string> = {}
  for (const [key, value] of Object.entries((o.header as Record<string, unknown>) ?? {})) {
    // The page cannot set these: WeChat sends its own Referer and no Origin.
    if (['referer', 'origin'].includes(key.toLowerCase())) continue
    header[key] = String(value)
  }
  if (!Object.keys(header).some((key) => key.toLowerCase() === 'content-type')) {
    header['content-type'] = 'application/json'
  }
  header.referer = WECHAT_REFERER
  const data = o.data
  let body: string | undefined
  if (method === 'GET') {
    // WeChat appends encodeURIComponent(key)=encodeURIComponent(value) pairs to the query.
    const extra =
      data && typeof data === 'object'
        ? Object.entries(data)
            .map(
              ([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
            )
            .join('&')
        : typeof data === 'string'
          ? data
          : ''
    if (extra !== '') url.search = url.search ? `${url.search}&${extra}` : extra
  } else if (typeof data === 'string') {
    body = data
  } else if (data !== undefined && data !== null) {
    body = JSON.stringify(data)
  }
  return {
    url: url.href,
    method,
    header,
    body,
    data,
    timeout: typeof o.timeout === 'number' ? o.timeout : undefined,
  }
}

/** A WeChat failure: `errMsg` is what the app's `fail` callback receives. */
export class WxFailure extends Error {
  constructor(readonly errMsg: string) {
    super(errMsg)
    this.name = 'WxFailure'
  }
}

function toFailure(api: string, error: unknown): { errMsg: string } {
  if (error instanceof WxFailure) return { errMsg: error.errMsg }
  // An exception inside the fake itself is still reported the WeChat way, with its message.
  return { errMsg: `${api}:fail ${error instanceof Error ? error.message : String(error)}` }
}

/** A value's type as WeChat's parameter errors name it: String, Number, Object, Undefined... */
function typeName(value: unknown): string {
  if (value === null) return 'Null'
  if (Array.isArray(value)) return 'Array'
  const type = typeof value
  return type.charAt(0).toUpperCase() + type.slice(1)
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

function serialise(data: unknown): string {
  return typeof data === 'string' ? data : (JSON.stringify(data) ?? '')
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

function copy<T>(data: T): T {
  return data === undefined ? data : (JSON.parse(JSON.stringify(data)) as T)
}

function withoutFunctions(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(withoutFunctions)
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v !== 'function'))
}
