import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, normalize, posix, relative, resolve } from 'node:path'
import vm from 'node:vm'
import { createFakeWx, PRECISE_LOCATION_APIS, type FakeWx } from './fake-wx'
import {
  datasetOf,
  findById,
  findByText,
  isNode,
  pathTo,
  visibleText,
  type RenderedNode,
} from './render-tree'

/**
 * Runs the real weapp build (`dist/`) in Node, the way WeChat's app service would:
 * - every built file runs in one fresh JS context whose globals are WeChat's (`wx`, `App`, `Page`,
 *   `Component`, `getApp`, `getCurrentPages`, timers, console): no `window`, `document`,
 *   `process` or `crypto`, as on a device;
 * - `App()` and each main-package page's `Page()` are registered from `app.json` at launch; a
 *   subpackage's pages are loaded when one of them is first opened (as WeChat downloads it then,
 *   or earlier through `preloadRule`), so a main-package page that needs a subpackage file fails
 *   here as it would on a phone. `loadedSubpackages` lists the roots loaded so far;
 * - pages get WeChat's
 *   lifecycle (onLoad, onShow, onReady, onHide, onUnload) through a page stack that `wx`'s
 *   navigation APIs drive;
 * - pages render through WeChat's own template compiler (`miniprogram-compiler`'s wcc) from the
 *   data the build sets with `setData`, and taps and input reach the build's event handler as
 *   WeChat would deliver them (a tap on `<button open-type="agreePrivacyAuthorization">` also
 *   records the agreement in the fake `wx` and sends the button's `agreeprivacyauthorization`);
 * - app.json's `requiredPrivateInfos` is handed to the fake `wx`, and declaring fuzzy and precise
 *   location together fails the launch, as it fails WeChat's compiler.
 * What it is not: a layout engine (no CSS, no sizes) or a copy of WeChat's native components.
 */

export interface LaunchOptions {
  /** The build to run; defaults to `<repo>/dist`. */
  distDir?: string
  /** A programmed `wx`; defaults to a fresh one. */
  fakeWx?: FakeWx
  /** The page to open first; defaults to the first page of app.json. */
  path?: string
  query?: Record<string, string>
  /**
   * The app's clock runs this many times faster (its setTimeout/setInterval delays are divided by
   * it), so a journey can reach a 20 s timeout in 20 ms without fake timers. Default 1.
   * While a `wx.request` is on the wire the clock runs at real speed: the network is real, and
   * the app's 10 s request timeout must not become 50 ms that a loaded machine misses.
   */
  timeSpeedup?: number
}

export interface AppJson {
  pages: string[]
  subPackages?: Array<{ root: string; pages: string[] }>
  preloadRule?: Record<string, { network?: string; packages: string[] }>
  window?: Record<string, unknown>
  requiredPrivateInfos?: string[]
  permission?: Record<string, { desc: string }>
  [key: string]: unknown
}

type PageConfig = Record<string, unknown> & { data?: Record<string, unknown> }
type PageInstance = PageConfig & {
  route: string
  options: Record<string, string>
  data: Record<string, unknown>
  setData(update: Record<string, unknown>, callback?: () => void): void
}

const DEFAULT_DIST = resolve(__dirname, '..', '..', 'dist')

/** Every program launched in this test file and not closed yet. */
const openPrograms = new Set<MiniProgram>()

/**
 * Pages that rendered a node deeper than the build's `baseLevel` (config/index.ts), through Taro's
 * recursive `comp` component, in this test file: route -> how often. WeChat renders such nodes,
 * only more slowly; the harness's jest setup fails a file whose pages do it (the level is chosen
 * so that no page does).
 */
export const deepRenders = new Map<string, number>()

/**
 * Closes every program a test file left open and returns the route each one showed (`[]` when
 * the file closed all of its own). A program left open keeps the build's timers running (the kill
 * switch's status watch reschedules itself for ever), so jest never exits: the harness's jest
 * setup (`jest-setup.ts`) fails the file that does it.
 */
export function closeProgramsLeftOpen(): string[] {
  const left = [...openPrograms].map((program) => program.routes.join(' > ') || '(no page)')
  for (const program of openPrograms) program.close()
  return left
}

export async function launchMiniProgram(options: LaunchOptions = {}): Promise<MiniProgram> {
  const program = new MiniProgram(
    options.distDir ?? DEFAULT_DIST,
    options.fakeWx ?? createFakeWx(),
    options.timeSpeedup,
  )
  try {
    program.boot(options.path, options.query ?? {})
    await program.settle()
  } catch (error) {
    // A launch that fails leaves nothing running behind it.
    program.close()
    throw error
  }
  return program
}

export class MiniProgram {
  readonly appJson: AppJson
  /** Errors thrown by the build: in lifecycles, timers, event handlers. A journey expects none. */
  readonly errors: unknown[] = []
  /** What the build wrote with console.error / console.warn. */
  readonly consoleErrors: string[] = []
  readonly wx: FakeWx['wx']
  readonly control: FakeWx['control']

  private readonly context: vm.Context
  private readonly modules = new Map<string, { exports: unknown }>()
  private readonly pageConfigs = new Map<string, PageConfig>()
  private readonly stack: PageHandle[] = []
  private readonly clock: AppClock
  private readonly templates: CompiledTemplates
  private app: Record<string, unknown> | undefined
  private loadingRoute: string | undefined
  private lastSetData = 0
  private closed = false
  /**
   * Timers the build tried to set after `close()` (for example a poll whose answer came late
   * scheduling the next one). WeChat has destroyed the app's context by then: none is scheduled.
   */
  timersRefusedAfterClose = 0

  constructor(
    readonly distDir: string,
    fake: FakeWx,
    timeSpeedup = 1,
  ) {
    const appJsonPath = join(distDir, 'app.json')
    if (!existsSync(appJsonPath)) {
      throw new Error(`No weapp build at ${distDir}: run \`npm run build:weapp\` first.`)
    }
    this.appJson = JSON.parse(readFileSync(appJsonPath, 'utf8')) as AppJson
    this.wx = fake.wx
    this.control = fake.control
    this.control.requiredPrivateInfos = checkedPrivateInfos(this.appJson)
    this.clock = new AppClock(timeSpeedup, (error) => this.errors.push(error))
    this.control.onNetwork = (onTheWire) => this.clock.setSpeedup(onTheWire > 0 ? 1 : timeSpeedup)
    this.control.router = {
      navigateTo: (url) => this.open(url, 'navigateTo'),
      redirectTo: (url) => this.open(url, 'redirectTo'),
      reLaunch: (url) => this.open(url, 'reLaunch'),
      navigateBack: (delta) => this.back(delta),
    }
    this.context = vm.createContext(this.globals())
    this.templates = compileTemplates(distDir)
    openPrograms.add(this)
  }

  /** The page on top of the stack. */
  get currentPage(): PageHandle {
    const page = this.stack[this.stack.length - 1]
    if (!page) throw new Error('The page stack is empty')
    return page
  }

  /** Subpackage roots whose pages have been loaded (none at launch). */
  readonly loadedSubpackages: string[] = []

  /** Every route app.json declares: main package first, then each subpackage's, in order. */
  get allRoutes(): string[] {
    const sub = (this.appJson.subPackages ?? []).flatMap((pkg) =>
      pkg.pages.map((page) => `${pkg.root}/${page}`),
    )
    return [...this.appJson.pages, ...sub]
  }

  /** Routes on the stack, bottom first. */
  get routes(): string[] {
    return this.stack.map((page) => page.route)
  }

  /**
   * Wait until the app is idle: no `wx` call waiting for its callbacks, no setData for `quietMs`,
   * and the top page has rendered at least once (a page that never calls setData is accepted
   * after `firstRenderMs`). Generous defaults keep journeys stable on a loaded 2-core machine.
   */
  async settle(quietMs = 30, timeoutMs = 10_000, firstRenderMs = 3000): Promise<void> {
    const started = Date.now()
    for (;;) {
      await sleep(10)
      const quietFor = Date.now() - Math.max(this.lastSetData, started)
      if (this.control.inFlight === 0 && quietFor >= quietMs) {
        const top = this.stack[this.stack.length - 1]
        if (!top || top.renders > 0 || Date.now() - top.createdAt >= firstRenderMs) return
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `The app did not settle within ${timeoutMs} ms (${this.control.inFlight} wx calls pending)`,
        )
      }
    }
  }

  /**
   * Waits until `condition()` holds (checked every 20 ms) for what the app does on its own: a
   * poll, a retry, a report sent later. Fails after `timeoutMs` with `failure()`'s words.
   */
  async waitUntil(condition: () => boolean, failure: () => string, timeoutMs = 8000) {
    const started = Date.now()
    while (!condition()) {
      if (Date.now() - started > timeoutMs) throw new Error(`${failure()} after ${timeoutMs} ms`)
      await sleep(20)
    }
  }

  /** Waits until the app shows `route` alone (after its own reLaunch), then until it settles. */
  async waitForRoute(route: string, timeoutMs = 8000): Promise<void> {
    await this.waitUntil(
      () => this.routes.join() === route,
      () => `still on ${this.routes.join()}, expected ${route},`,
      timeoutMs,
    )
    await this.settle()
  }

  /**
   * Unload every page and cancel the build's timers; from then on the build can set none (see
   * `timersRefusedAfterClose`). Every journey closes what it launched, or its file fails.
   */
  close(): void {
    if (this.closed) return
    openPrograms.delete(this)
    while (this.stack.length) this.stack.pop()?.lifecycle('onUnload')
    this.closed = true
    this.clock.clearAll()
  }

  boot(path: string | undefined, query: Record<string, string>): void {
    this.require('app.js')
    if (!this.app) throw new Error('dist/app.js did not call App()')
    this.loadPages(this.appJson.pages)
    const first = path ?? this.appJson.pages[0]
    const launch = { path: first, query, scene: 1001 }
    this.call(this.app, 'onLaunch', launch)
    this.call(this.app, 'onShow', launch)
    if (!this.allRoutes.includes(first)) return this.pageNotFound(first, query)
    this.push(first, query)
  }

  /**
   * WeChat was asked to open a page that does not exist (an old link, a shared path): it calls
   * App's `onPageNotFound` and the `wx.onPageNotFound` listeners, which must redirect within the
   * call; otherwise WeChat shows its own "page not found", which a journey sees as an error.
   */
  private pageNotFound(path: string, query: Record<string, string>): void {
    const info = { path, query, isEntryPage: true }
    const before = this.control.calls.length
    this.call(this.app as Record<string, unknown>, 'onPageNotFound', info)
    for (const listener of [...this.control.pageNotFoundListeners]) {
      try {
        listener(info)
      } catch (error) {
        this.errors.push(error)
      }
    }
    const redirects = ['reLaunch', 'redirectTo', 'navigateTo', 'switchTab']
    const redirected = this.control.calls.slice(before).some((call) => redirects.includes(call.api))
    if (!redirected) {
      throw new Error(
        `page "${path}" is not found in app.json, and no onPageNotFound listener redirected ` +
          'within its call: WeChat would show its own "page not found"',
      )
    }
  }

  /** Run a lifecycle or handler of the build, recording what it throws. */
  call(target: Record<string, unknown>, name: string, ...args: unknown[]): unknown {
    const fn = target[name]
    if (typeof fn !== 'function') return undefined
    try {
      return fn.apply(target, args)
    } catch (error) {
      this.errors.push(error)
      if (target !== this.app) this.scriptError(error)
      return undefined
    }
  }

  /**
   * A script error, as WeChat reports it: App's `onError` and every `wx.onError` listener get one
   * string (the error's stack, which starts with its message). What they throw is recorded.
   */
  scriptError(error: unknown): void {
    // The build's errors come from its own realm (the vm context), where `instanceof Error` of
    // this file is false: read the stack by shape.
    const stack = (error as { stack?: unknown } | null)?.stack
    const text = typeof stack === 'string' ? stack : String(error)
    const onError = this.app?.onError
    if (typeof onError === 'function') this.guard(() => onError.call(this.app, text))
    for (const listener of [...this.control.errorListeners]) this.guard(() => listener(text))
  }

  /**
   * A promise of the build was rejected and nothing handled it: WeChat calls App's
   * `onUnhandledRejection` and every `wx.onUnhandledRejection` listener with
   * `{ reason, promise }` (base library 2.10.0+). A journey calls this to deliver one as WeChat
   * would (make the reason in the build's realm: `program.evaluate("new Error('…')")`). The
   * harness does not watch for them itself: jest already fails a test on a rejection nothing
   * handled, which is stricter. Each delivered reason is recorded in `unhandledRejections`.
   */
  unhandledRejection(reason: unknown, promise: unknown): void {
    this.unhandledRejections.push(reason)
    const event = { reason, promise }
    const handler = this.app?.onUnhandledRejection
    if (typeof handler === 'function') this.guard(() => handler.call(this.app, event))
    for (const listener of [...this.control.rejectionListeners]) this.guard(() => listener(event))
  }

  /** Reasons delivered through `unhandledRejection`, in order. */
  readonly unhandledRejections: unknown[] = []

  /**
   * The user leaves the mini program (home button, another app): the top page's `onHide`, then
   * App's `onHide`. WeChat keeps it in memory; `toForeground` brings it back.
   */
  toBackground(): void {
    this.stack[this.stack.length - 1]?.lifecycle('onHide')
    if (this.app) this.call(this.app, 'onHide')
  }

  /** The user returns: App's `onShow` (with the top page's path), then the top page's `onShow`. */
  toForeground(): void {
    const top = this.stack[this.stack.length - 1]
    if (this.app) this.call(this.app, 'onShow', { path: top?.route, query: {}, scene: 1001 })
    top?.lifecycle('onShow')
  }

  private guard(run: () => unknown): void {
    try {
      run()
    } catch (error) {
      this.errors.push(error)
    }
  }

  /** Render page data with wcc. WeChat's own template warnings fail the render. */
  render(route: string, data: Record<string, unknown>): RenderedNode {
    const tree = this.generate(route, data)
    return this.expandComponents(tree, route)
  }

  private generate(path: string, data: unknown): RenderedNode {
    const generate = this.templates.generator(`${path}.wxml`)
    if (!generate) throw new Error(`wcc has no template for ${path}.wxml`)
    const warningsBefore = this.templates.warnings.length
    const tree = generate(this.templates.adopt(data), {}, {})
    const warnings = this.templates.warnings.slice(warningsBefore)
    if (warnings.length)
      throw new Error(`wcc warned while rendering ${path}: ${warnings.join('; ')}`)
    return tree
  }

  /** Evaluate an expression in the app's JS context, e.g. `typeof crypto`. For assertions only. */
  evaluate(expression: string): unknown {
    return vm.runInContext(expression, this.context)
  }

  noteSetData(): void {
    this.lastSetData = Date.now()
  }

  private loadPages(routes: string[]): void {
    for (const route of routes) {
      this.loadingRoute = route
      this.require(`${route}.js`)
      if (!this.pageConfigs.has(route)) throw new Error(`${route}.js did not call Page()`)
    }
    this.loadingRoute = undefined
  }

  /** Loads the subpackage that holds `route` the first time one of its pages is opened. */
  private loadSubpackageOf(route: string): void {
    const pkg = (this.appJson.subPackages ?? []).find((candidate) =>
      candidate.pages.some((page) => `${candidate.root}/${page}` === route),
    )
    if (!pkg || this.loadedSubpackages.includes(pkg.root)) return
    this.loadPages(pkg.pages.map((page) => `${pkg.root}/${page}`))
    this.loadedSubpackages.push(pkg.root)
  }

  private open(url: string, mode: 'navigateTo' | 'redirectTo' | 'reLaunch'): void {
    const { route, query } = parseUrl(url, this.stack[this.stack.length - 1]?.route)
    this.loadSubpackageOf(route)
    if (!this.pageConfigs.has(route)) throw new Error(`page "${route}" is not found in app.json`)
    if (mode === 'navigateTo') {
      if (this.stack.length >= 10) throw new Error('webview count limit exceed')
      this.stack[this.stack.length - 1]?.lifecycle('onHide')
    } else if (mode === 'redirectTo') {
      this.stack.pop()?.lifecycle('onUnload')
    } else {
      while (this.stack.length) this.stack.pop()?.lifecycle('onUnload')
    }
    this.push(route, query)
  }

  private back(delta: number): void {
    if (this.stack.length <= 1) return
    const count = Math.min(Math.max(1, delta), this.stack.length - 1)
    for (let i = 0; i < count; i++) this.stack.pop()?.lifecycle('onUnload')
    this.currentPage.lifecycle('onShow')
  }

  private push(route: string, query: Record<string, string>): void {
    this.loadSubpackageOf(route)
    const config = this.pageConfigs.get(route)
    if (!config) throw new Error(`page "${route}" is not found in app.json`)
    const page = new PageHandle(this, route, query, config)
    this.stack.push(page)
    page.lifecycle('onLoad', { ...query })
    page.lifecycle('onShow')
    page.lifecycle('onReady')
  }

  /** Custom components (Taro's `comp` for deep trees) are rendered in place, as WeChat does. */
  private expandComponents(node: RenderedNode, ownerPath: string, route = ownerPath): RenderedNode {
    const components = this.usingComponents(ownerPath)
    const visit = (current: RenderedNode): RenderedNode => {
      const name = current.tag.replace(/^wx-/, '')
      const componentPath = components[name]
      let children = current.children ?? []
      if (name === 'comp' && componentPath) {
        deepRenders.set(route, (deepRenders.get(route) ?? 0) + 1)
      }
      if (componentPath) {
        const inner = this.generate(componentPath, current.attr)
        children = [this.expandComponents(inner, componentPath, route)]
      }
      return {
        ...current,
        children: children.map((child) => (isNode(child) ? visit(child) : child)),
      }
    }
    return visit(node)
  }

  private readonly componentsByOwner = new Map<string, Record<string, string>>()

  private usingComponents(ownerPath: string): Record<string, string> {
    const cached = this.componentsByOwner.get(ownerPath)
    if (cached) return cached
    const resolved = this.readUsingComponents(ownerPath)
    this.componentsByOwner.set(ownerPath, resolved)
    return resolved
  }

  private readUsingComponents(ownerPath: string): Record<string, string> {
    const jsonPath = join(this.distDir, `${ownerPath}.json`)
    if (!existsSync(jsonPath)) return {}
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
      usingComponents?: Record<string, string>
    }
    const resolved: Record<string, string> = {}
    for (const [name, target] of Object.entries(json.usingComponents ?? {})) {
      resolved[name] = posix.normalize(posix.join(posix.dirname(ownerPath), target))
    }
    return resolved
  }

  /** A CommonJS `require` over dist/, evaluated in the WeChat-like context. */
  private require(file: string): unknown {
    const absolute = normalize(join(this.distDir, file.endsWith('.js') ? file : `${file}.js`))
    const cached = this.modules.get(absolute)
    if (cached) return cached.exports
    const module = { exports: {} as unknown }
    this.modules.set(absolute, module)
    const source = readFileSync(absolute, 'utf8')
    const wrapper = vm.runInContext(
      `(function (require, module, exports) {${source}\n})`,
      this.context,
      {
        filename: absolute,
      },
    ) as (
      require: (path: string) => unknown,
      module: { exports: unknown },
      exports: unknown,
    ) => void
    const localRequire = (path: string) =>
      this.require(relative(this.distDir, resolve(dirname(absolute), path)))
    wrapper(localRequire, module, module.exports)
    return module.exports
  }

  private globals(): Record<string, unknown> {
    const trackTimer = (handler: () => void, ms?: number, repeat = false) => {
      if (this.closed) {
        this.timersRefusedAfterClose++
        return 0
      }
      return this.clock.add(handler, ms ?? 0, repeat)
    }
    const clear = (id: number) => this.clock.clear(id)
    const consoleErrors = this.consoleErrors
    return {
      wx: this.wx,
      App: (config: Record<string, unknown>) => {
        this.app = config
      },
      Page: (config: PageConfig) => {
        if (!this.loadingRoute) throw new Error('Page() called outside a page file')
        this.pageConfigs.set(this.loadingRoute, config)
      },
      // Taro registers its recursive `comp` and custom wrappers; rendering handles them by template.
      Component: () => undefined,
      Behavior: (definition: unknown) => definition,
      getApp: () => this.app,
      getCurrentPages: () => this.stack.map((page) => page.instance),
      setTimeout: (handler: () => void, ms?: number) => trackTimer(handler, ms),
      setInterval: (handler: () => void, ms?: number) => trackTimer(handler, ms, true),
      clearTimeout: clear,
      clearInterval: clear,
      console: {
        log: () => undefined,
        info: () => undefined,
        debug: () => undefined,
        warn: (...args: unknown[]) => consoleErrors.push(`warn: ${args.map(String).join(' ')}`),
        error: (...args: unknown[]) => consoleErrors.push(`error: ${args.map(String).join(' ')}`),
      },
    }
  }
}

/** One page on the stack: its instance (as WeChat creates it), rendering and user actions. */
export class PageHandle {
  readonly instance: PageInstance
  /** How many times the build called setData on this page. */
  renders = 0
  readonly createdAt = Date.now()

  constructor(
    private readonly program: MiniProgram,
    readonly route: string,
    query: Record<string, string>,
    config: PageConfig,
  ) {
    const data = JSON.parse(JSON.stringify(config.data ?? {})) as Record<string, unknown>
    this.instance = {
      ...config,
      route,
      options: query,
      data,
      setData: (update, callback) => {
        for (const [path, value] of Object.entries(update)) setPath(data, path, value)
        this.renders++
        program.noteSetData()
        if (callback) setTimeout(() => program.call({ callback }, 'callback'), 0)
      },
    }
  }

  lifecycle(name: string, ...args: unknown[]): void {
    this.program.call(this.instance, name, ...args)
  }

  /** Render the page's current data with wcc. */
  render(): RenderedNode {
    return this.program.render(this.route, this.instance.data)
  }

  /** The page's visible text on one line. */
  text(): string {
    return visibleText(this.render())
  }

  /** Wait until `text` is on the page (the build may still be loading data). */
  async waitForText(text: string, timeoutMs = 5000): Promise<void> {
    const started = Date.now()
    for (;;) {
      const renderStarted = Date.now()
      const shown = this.text()
      if (shown.includes(text)) return
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `"${text}" did not appear on ${this.route} within ${timeoutMs} ms. It shows: ${shown}`,
        )
      }
      // A long page (the privacy policy) takes a while to render with wcc: wait at least as long
      // before the next look, so the app keeps half the CPU on a loaded machine.
      await sleep(Math.max(10, Date.now() - renderStarted))
    }
  }

  /**
   * Tap the element with this id, or the innermost one showing this text, as a finger would.
   * The tap handler runs with the fake's `insideTap` set (so `wx.openSetting` works from it, as
   * in WeChat). Inside a `<button open-type="agreePrivacyAuthorization">` (how Taro 4 compiles
   * `<Button openType="agreePrivacyAuthorization" onAgreePrivacyAuthorization>`) WeChat first
   * records the tap and the agreement (`control.tapAgreeButton(id)`), then the button gets `tap`
   * and `agreeprivacyauthorization`, each if bound.
   */
  async tap(target: { id: string } | { text: string }): Promise<void> {
    const tree = this.render()
    const node = 'id' in target ? findById(tree, target.id) : findByText(tree, target.text)
    if (!node)
      throw new Error(
        `Nothing to tap for ${JSON.stringify(target)} on ${this.route}: ${visibleText(tree)}`,
      )
    const path = pathTo(tree, node).reverse()
    // A tap on an element reaches the nearest element (itself or an ancestor) that binds `tap`.
    const handlerNode = path.find((candidate) => typeof candidate.attr?.bindtap === 'string')
    const agreeButton = path.find(isAgreePrivacyButton)
    if (!handlerNode && !agreeButton)
      throw new Error(`${JSON.stringify(target)} on ${this.route} does not react to taps`)
    const control = this.program.control
    if (agreeButton) control.tapAgreeButton(String(agreeButton.attr.id ?? ''))
    if (handlerNode) {
      control.duringTap(() =>
        this.dispatch(handlerNode, 'tap', String(handlerNode.attr.bindtap), { x: 0, y: 0 }),
      )
    }
    const agreeHandler = agreeButton && agreeHandlerOf(agreeButton)
    if (agreeButton && agreeHandler) {
      this.dispatch(agreeButton, AGREE_PRIVACY_EVENT, agreeHandler, {})
    }
    await this.program.settle()
  }

  /** Type into the input with this id: WeChat sends `input` with the whole new value. */
  async input(id: string, value: string): Promise<void> {
    const tree = this.render()
    const node = findById(tree, id)
    if (!node) throw new Error(`No input #${id} on ${this.route}: ${visibleText(tree)}`)
    const handler = node.attr?.bindinput
    if (typeof handler !== 'string') throw new Error(`#${id} on ${this.route} does not take input`)
    this.dispatch(node, 'input', handler, { value, cursor: value.length, keyCode: 0 })
    await this.program.settle()
  }

  private dispatch(
    node: RenderedNode,
    type: string,
    handler: string,
    detail: Record<string, unknown>,
  ): void {
    const target = { id: String(node.attr.id ?? ''), dataset: datasetOf(node) }
    const event = {
      type,
      timeStamp: Date.now(),
      target,
      currentTarget: target,
      detail,
      touches: [],
      changedTouches: [],
    }
    this.program.call(this.instance, handler, event)
  }
}

/**
 * The event WeChat sends a `<button open-type="agreePrivacyAuthorization">` when the user taps
 * it. Taro 4's weapp template binds it as `bindagreeprivacyauthorization="eh"` (its Button
 * template lists `bindagreeprivacyauthorization`; the runtime maps `onAgreePrivacyAuthorization`
 * to the lower-cased event name), and Taro's `eh` routes it by `event.type`.
 */
const AGREE_PRIVACY_EVENT = 'agreeprivacyauthorization'

/** wcc renders `open-type` as `openType`; WeChat allows several, joined with `|`. */
function isAgreePrivacyButton(node: RenderedNode): boolean {
  if (node.tag !== 'wx-button') return false
  const openType = node.attr?.openType ?? node.attr?.['open-type']
  return String(openType ?? '')
    .split('|')
    .includes('agreePrivacyAuthorization')
}

function agreeHandlerOf(node: RenderedNode): string | undefined {
  const handler =
    node.attr?.[`bind${AGREE_PRIVACY_EVENT}`] ?? node.attr?.[`bind:${AGREE_PRIVACY_EVENT}`]
  return typeof handler === 'string' ? handler : undefined
}

/**
 * app.json's `requiredPrivateInfos`, refused as WeChat's compiler refuses it: getFuzzyLocation
 * excludes the precise location APIs.
 */
function checkedPrivateInfos(appJson: AppJson): string[] {
  const declared = appJson.requiredPrivateInfos ?? []
  const precise = declared.filter(
    (api) => api !== 'chooseLocation' && (PRECISE_LOCATION_APIS as readonly string[]).includes(api),
  )
  if (declared.includes('getFuzzyLocation') && precise.length) {
    throw new Error(
      `app.json requiredPrivateInfos declares getFuzzyLocation together with ${precise.join(', ')}: WeChat refuses to compile this`,
    )
  }
  return [...declared]
}

/** Apply one Taro setData path ("root.cn.[0].cl") to the page data. */
function setPath(data: Record<string, unknown>, path: string, value: unknown): void {
  const keys: Array<string | number> = []
  path.replace(
    /\[(\d+)\]|([^.[\]]+)/g,
    (_match, index: string | undefined, key: string | undefined) => {
      keys.push(index !== undefined ? Number(index) : (key as string))
      return ''
    },
  )
  let target: Record<string | number, unknown> = data
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]
    if (target[key] === null || typeof target[key] !== 'object') {
      target[key] = typeof keys[i + 1] === 'number' ? [] : {}
    }
    target = target[key] as Record<string | number, unknown>
  }
  target[keys[keys.length - 1]] = value
}

function parseUrl(
  url: string,
  fromRoute: string | undefined,
): { route: string; query: Record<string, string> } {
  const [pathPart, queryPart = ''] = url.split('?')
  const base = fromRoute ? posix.dirname(fromRoute) : ''
  const route = pathPart.startsWith('/')
    ? pathPart.slice(1)
    : posix.normalize(posix.join(base, pathPart))
  const query: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(queryPart)) query[key] = value
  return { route, query }
}

type Generate = (data: unknown, env: unknown, extra: unknown) => RenderedNode

interface CompiledTemplates {
  /** The render function of one .wxml file, or undefined when wcc has none. */
  generator(path: string): Generate | undefined
  /** Copy JSON data into wcc's realm: its runtime checks `constructor === Object`. */
  adopt(data: unknown): unknown
  /** What wcc's runtime warned about while rendering ("Template `x` not found"...). */
  warnings: string[]
}

/** wcc compiles every .wxml in the build once, into its own context with its own `window`. */
function compileTemplates(distDir: string): CompiledTemplates {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { wxmlToJs } = require('miniprogram-compiler') as { wxmlToJs: (dir: string) => string }
  const source = wxmlToJs(distDir)
  const warnings: string[] = []
  const sandbox: Record<string, unknown> = {
    console: {
      log: () => undefined,
      warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      error: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
    },
  }
  sandbox.window = sandbox
  const context = vm.createContext(sandbox)
  const factory = vm.runInContext(`(function (global) {${source}\n})`, context) as (
    global: object,
  ) => (path: string) => Generate | undefined
  const gwx = factory({})
  const parse = vm.runInContext('JSON.parse', context) as (text: string) => unknown
  return {
    generator: (path) => gwx(path),
    adopt: (data) => parse(JSON.stringify(data ?? {})),
    warnings,
  }
}

/**
 * The app's timers on a clock that runs `speedup` times faster than the real one, and can change
 * speed while timers are pending (each is re-armed for what is left of its delay). Handles are
 * numbers, as on WeChat; an error a timer throws is recorded, not thrown.
 */
class AppClock {
  private readonly timers = new Map<
    number,
    { run: () => void; due: number; every?: number; real?: ReturnType<typeof setTimeout> }
  >()
  private lastId = 0
  /** The app's time is `appAt + (Date.now() - realAt) * speedup`. */
  private appAt = 0
  private realAt = Date.now()

  constructor(
    private speedup: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  private now(): number {
    return this.appAt + (Date.now() - this.realAt) * this.speedup
  }

  add(run: () => void, ms: number, repeat: boolean): number {
    const delay = Math.max(0, Number(ms) || 0)
    const id = ++this.lastId
    this.timers.set(id, { run, due: this.now() + delay, every: repeat ? delay : undefined })
    this.arm(id)
    return id
  }

  clear(id: number): void {
    clearTimeout(this.timers.get(id)?.real)
    this.timers.delete(id)
  }

  clearAll(): void {
    for (const id of [...this.timers.keys()]) this.clear(id)
  }

  setSpeedup(speedup: number): void {
    if (speedup === this.speedup) return
    this.appAt = this.now()
    this.realAt = Date.now()
    this.speedup = speedup
    for (const id of this.timers.keys()) this.arm(id)
  }

  private arm(id: number): void {
    const timer = this.timers.get(id)
    if (!timer) return
    clearTimeout(timer.real)
    const wait = Math.max(0, (timer.due - this.now()) / this.speedup)
    timer.real = setTimeout(() => this.fire(id), wait)
  }

  private fire(id: number): void {
    const timer = this.timers.get(id)
    if (!timer) return
    if (timer.every === undefined) this.timers.delete(id)
    else {
      timer.due += Math.max(timer.every, 1)
      this.arm(id)
    }
    try {
      timer.run()
    } catch (error) {
      this.onError(error)
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
