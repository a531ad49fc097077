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
 * - `getRandomValues` exists, but the runtime has no global `crypto` (the harness does not add one).
 *
 * Everything a test needs to program is on `control`: storage, settings, what the user answers in
 * prompts, login codes, network responses, one-off failures, and a log of every call.
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
  api: 'showToast' | 'showModal' | 'showLoading'
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
  /** What the user taps when `wx.authorize` shows its prompt, per scope (default: deny). */
  promptAnswers: Record<string, PromptAnswer>
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
  /** APIs the app looked up that the fake does not implement (a hint when a journey breaks). */
  missing: Set<string>
  /** Async calls whose callbacks have not run yet (the harness waits for zero). */
  inFlight: number
  /** Installed by the mini program harness. */
  router?: FakeRouter
}

export interface FakeWx {
  /** The object to install as the global `wx`. */
  wx: Record<string, unknown>
  control: FakeWxControl
}

export function createFakeWx(options: FakeWxOptions = {}): FakeWx {
  const pendingFailures = new Map<string, string[]>()
  const requestDomains = new Set(options.requestDomains ?? DEFAULT_REQUEST_DOMAINS)
  const mismatchWording =
    options.storageMismatchWording ?? `item ${randomBytes(3).toString('hex')} unreadable`
  let requestHandler: RequestHandler | undefined

  const control: FakeWxControl = {
    storage: new Map(
      Object.entries(options.storage ?? {}).map(([key, data]) => [key, { data, encrypt: false }]),
    ),
    authSetting: { ...(options.authSetting ?? {}) },
    promptAnswers: {},
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
    missing: new Set(),
    inFlight: 0,
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
  }

  /**
   * Define an async API: `run` returns the success result or throws a `WxFailure`. Callbacks run
   * on a later task, as in WeChat; with no callbacks the call returns a Promise.
   */
  function asyncApi<T extends Record<string, unknown>>(
    api: string,
    run: (options: Record<string, unknown>) => T | Promise<T>,
  ) {
    return (rawOptions?: Record<string, unknown> & WxCallbacks<T>) => {
      const options = rawOptions ?? {}
      record(api, options)
      control.inFlight++
      const outcome = (async () => {
        await nextTask()
        const injected = takeFailure(api)
        if (injected !== undefined) throw new WxFailure(`${api}:fail ${injected}`)
        return run(options)
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
    authorize: asyncApi('authorize', (o) => {
      const scope = String(o.scope)
      // A scope denied before is not asked again: only openSetting can change it.
      if (control.authSetting[scope] === false) throw new WxFailure('authorize:fail auth deny')
      if (control.authSetting[scope] === true) return {}
      const answer = control.promptAnswers[scope] ?? 'deny'
      control.authSetting[scope] = answer === 'accept'
      if (answer !== 'accept') throw new WxFailure('authorize:fail auth deny')
      return {}
    }),
    openSetting: asyncApi('openSetting', () => ({ authSetting: { ...control.authSetting } })),

    // Network
    request: asyncApi('request', async (o) => {
      const request = wireRequest(o, requestDomains)
      control.requests.push(request)
      if (!requestHandler) throw new WxFailure('request:fail no request handler set in the fake wx')
      const response = await requestHandler(request)
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
