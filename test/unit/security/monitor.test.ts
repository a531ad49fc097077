import {
  BATCH_DELAY_MS,
  createMonitor,
  MAX_UNCONSENTED_AGE_MS,
  QUEUE_LIMIT,
  RATE_LIMIT,
  RATE_WINDOW_MS,
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  type Monitor,
  type MonitorConsent,
  type MonitorPorts,
  type MonitorState,
} from '../../../src/security/monitor/monitor'
import {
  BATCH_LIMIT,
  buildReport,
  COUNT_LIMIT,
  cutToLength,
  fingerprint,
  logLine,
  normalizeError,
  SCRUB_MARGIN,
  STACK_LINES,
  TEXT_LIMITS,
  topFrameOf,
  type MonitorBatch,
  type MonitorReceipt,
  type MonitorReport,
  type ReportKind,
  type TextField,
} from '../../../src/security/monitor/report'
import { AppError } from '../../../src/security/app-error'
import * as scrubbing from '../../../src/security/sensitive/scrub'
import {
  MAX_REPORT_COUNT,
  MAX_REPORTS_PER_BATCH,
  REPORT_TEXT_LIMITS,
  type ErrorReport,
  type ErrorReportBatch,
  type ErrorReportKind,
  type ErrorReportReceipt,
  type ErrorReportTextField,
} from '../../../src/services/api-contract'

// MONITOR: capture, scrubbing, grouping, consent and delivery, through scripted ports and a fake
// clock. No network: `send` is a function that records batches and answers as told.

const V8_STACK = [
  "TypeError: Cannot read properties of undefined (reading 'city')",
  '    at onLoad (pages/home/index.js:12:34)',
  '    at Page.load (vendors.js:100:7)',
].join('\n')
const JSC_STACK = 'onLoad@pages/home/index.js:12:34\nload@vendors.js:100:7'

describe('the monitor agrees with the API contract', () => {
  test('limits', () => {
    expect(BATCH_LIMIT).toBe(MAX_REPORTS_PER_BATCH)
    expect(COUNT_LIMIT).toBe(MAX_REPORT_COUNT)
    expect(TEXT_LIMITS).toEqual(REPORT_TEXT_LIMITS)
  })

  test('shapes (checked by tsc: this file does not compile if they drift apart)', () => {
    const batch = (value: MonitorBatch): ErrorReportBatch => value
    const report = (value: MonitorReport): ErrorReport => value
    const receipt = (value: ErrorReportReceipt): MonitorReceipt => value
    const kind = (value: ErrorReportKind): ReportKind => value
    const kindBack = (value: ReportKind): ErrorReportKind => value
    const field = (value: ErrorReportTextField): TextField => value
    const fieldBack = (value: TextField): ErrorReportTextField => value
    expect([batch, report, receipt, kind, kindBack, field, fieldBack]).toHaveLength(7)
  })
})

describe('normalizeError', () => {
  test.each<[string, unknown, string, string]>([
    [
      "Taro's onError string: the first line is the message",
      'boom\n    at onLoad (pages/home/index.js:12:34)\n    at x (a.js:1:2)',
      'boom',
      '    at onLoad (pages/home/index.js:12:34)\n    at x (a.js:1:2)',
    ],
    [
      "WeChat's MiniProgramError line is not the message",
      'MiniProgramError\nboom\nonLoad@pages/home/index.js:12:34',
      'boom',
      'onLoad@pages/home/index.js:12:34',
    ],
    ['a one-line string', 'boom', 'boom', ''],
    [
      'the object some Android devices pass wx.onError',
      { message: 'MiniProgramError\nboom\n    at onLoad (pages/home/index.js:12:34)', stack: '' },
      'boom',
      '    at onLoad (pages/home/index.js:12:34)',
    ],
    [
      'an Error from another realm (any object with a string message)',
      { name: 'RangeError', message: 'too far', stack: JSC_STACK },
      'RangeError: too far',
      JSC_STACK,
    ],
  ])('%s', (_name, raw, message, stack) => {
    expect(normalizeError(raw)).toEqual({ message, stack })
  })

  test('an Error: V8\'s "Name: message" first line is dropped, the name goes before the message', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'city')")
    error.stack = V8_STACK
    expect(normalizeError(error)).toEqual({
      message: "TypeError: Cannot read properties of undefined (reading 'city')",
      stack: '    at onLoad (pages/home/index.js:12:34)\n    at Page.load (vendors.js:100:7)',
    })
  })

  test('a real Error of this engine, a plain Error, a multi-line message', () => {
    const real = normalizeError(new Error('real'))
    expect(real.message).toBe('real')
    expect(real.stack.trimStart()).toMatch(/^at /)
    const multiLine = new Error('line one\nline two')
    expect(normalizeError(multiLine).message).toBe('line one\nline two')
    expect(normalizeError(multiLine).stack.trimStart()).toMatch(/^at /)
  })

  test('an Error with a JavaScriptCore stack keeps it whole (no header to drop)', () => {
    const error = Object.assign(new Error('boom'), { stack: JSC_STACK })
    expect(normalizeError(error)).toEqual({ message: 'boom', stack: JSC_STACK })
  })

  const cyclic: Record<string, unknown> = { errMsg: 'request:fail timeout' }
  cyclic.self = cyclic
  test.each<[string, unknown, string]>([
    ['an Error', new TypeError('no city'), 'TypeError: no city'],
    ['a string', 'refused', 'refused'],
    ['a number', 42, '42'],
    ['false', false, 'false'],
    [
      "a WeChat API's failure object",
      { errMsg: 'getLocation:fail auth deny', errno: 103 },
      '{"errMsg":"getLocation:fail auth deny","errno":103}',
    ],
    ['an object with a cycle', cyclic, '{"errMsg":"request:fail timeout","self":"…"}'],
    ['nested objects and arrays', { a: { b: 1 }, list: [1, 2] }, '{"a":"…","list":"…"}'],
    ['undefined', undefined, '(no reason)'],
    ['null', null, '(no reason)'],
  ])('a rejection whose reason is %s', (_name, reason, message) => {
    const promise = Promise.resolve()
    expect(normalizeError({ reason, promise }).message).toBe(message)
    // H5's PromiseRejectionEvent carries the reason alone.
    expect(normalizeError({ reason }).message).toBe(message)
  })

  test("a rejection keeps the Error reason's stack", () => {
    const reason = Object.assign(new Error('x'), { stack: JSC_STACK })
    expect(normalizeError({ reason, promise: Promise.resolve() }).stack).toBe(JSC_STACK)
  })

  class Hostile {
    toString(): string {
      throw new Error('toString refuses')
    }
  }
  test.each<[string, unknown, string]>([
    ['a throwing toString', new Hostile(), '(unreadable error)'],
    [
      'a throwing message getter',
      Object.defineProperty({}, 'message', {
        get() {
          throw new Error('getter refuses')
        },
      }),
      '(unreadable error)',
    ],
    ['a BigInt JSON cannot write', { size: BigInt(1) }, '(unreadable error)'],
    ['an object without a prototype', Object.create(null), '{}'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a number', 7, '7'],
    ['undefined', undefined, 'undefined'],
    ['a Date', new Date(0), new Date(0).toString()],
  ])('anything else: %s, never throws', (_name, raw, message) => {
    expect(normalizeError(raw)).toEqual({ message, stack: '' })
  })
})

const AT = Date.parse('2026-11-25T06:30:00.000Z')
const CONTEXT = {
  page: 'pages/home/index',
  appVersion: '1.2.0',
  baseLibrary: '3.7.1',
  platform: 'ios',
}
const build = (message: string, stack = '', context = {}, kind: ReportKind = 'error') =>
  buildReport(kind, { message, stack }, { ...CONTEXT, ...context }, AT)

describe('buildReport', () => {
  test('the contract fields, from the error and the context', () => {
    expect(build('boom', V8_STACK)).toEqual({
      kind: 'error',
      message: 'boom',
      stack: V8_STACK,
      page: 'pages/home/index',
      appVersion: '1.2.0',
      baseLibrary: '3.7.1',
      platform: 'ios',
      occurredAt: '2026-11-25T06:30:00.000Z',
      count: 1,
    })
  })

  test('empty and missing fields are left out', () => {
    expect(buildReport('boundary', { message: 'x', stack: '' }, {}, AT)).toEqual({
      kind: 'boundary',
      message: 'x',
      occurredAt: '2026-11-25T06:30:00.000Z',
      count: 1,
    })
  })

  test('personal data in the message, the stack and the page is replaced', () => {
    const report = build(
      'user 13812345678 zhang.san@example.com 11010519491231002X failed',
      '    at save (pages/me/index.js:3:9) for 13812345678\n' + JSC_STACK,
      { page: 'pages/profile/13812345678' },
    )
    expect(report.message).toBe('user [phone] [email] [id-number] failed')
    expect(report.stack).toBe('    at save (pages/me/index.js:3:9) for [phone]\n' + JSC_STACK)
    expect(report.page).toBe('pages/profile/[phone]')
  })

  test.each([
    ['a query', 'pages/detail/index?phone=13812345678&city=beijing'],
    ['a hash', 'pages/detail/index#zhang.san@example.com'],
    ['both', 'pages/detail/index?id=11010519491231002X#top'],
  ])('the page loses %s', (_name, page) => {
    expect(build('x', '', { page }).page).toBe('pages/detail/index')
  })

  test('V8 and JavaScriptCore stack frames survive scrubbing unchanged', () => {
    const frames = [
      '    at onLoad (pages/home/index.js:12:34)',
      '    at pages/home/index.js:12:34',
      'onLoad@pages/home/index.js:12:34',
      'global code@app.js:3:10',
      'JSON.parse@[native code]',
    ].join('\n')
    expect(build('x', frames).stack).toBe(frames)
  })

  test('the stack keeps its first STACK_LINES (10) lines', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `    at f${i} (app.js:${i}:1)`)
    expect(build('x', lines.join('\n')).stack).toBe(lines.slice(0, 10).join('\n'))
  })

  test.each<[TextField, number]>(
    Object.entries(TEXT_LIMITS).map(([field, limit]) => [field as TextField, limit]),
  )('%s is cut to %i code points, never splitting a surrogate pair', (field, limit) => {
    // One ASCII letter, then emoji (two UTF-16 units each): a cut counted in units would halve one.
    const long = 'a' + '😀'.repeat(limit + 500)
    const report =
      field === 'message' || field === 'stack'
        ? buildReport('error', { message: 'x', stack: '', [field]: long }, {}, AT)
        : buildReport('error', { message: 'x', stack: '' }, { [field]: long }, AT)
    const text = report[field] as string
    expect(Array.from(text)).toHaveLength(limit)
    expect(text.endsWith('😀')).toBe(true)
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/)
  })

  test('a phone number straddling the limit is scrubbed whole, not half kept', () => {
    const message = 'word '.repeat(TEXT_LIMITS.message / 5 - 1) + '13812345678'
    const kept = build(message).message
    expect(kept).toHaveLength(TEXT_LIMITS.message)
    expect(kept).not.toContain('13812')
    expect(kept.endsWith('[phon')).toBe(true)
  })

  test('what the cut before scrubbing halved is not kept, even when scrubbing shortened the text', () => {
    // 105 numbers: the cut at 1000 + 256 characters halves the 105th; 104 labels are shorter.
    const message = '13812345678 '.repeat(105)
    const kept = build(message).message
    expect(kept).toMatch(/^(\[phone\] )+\[?[a-z]*$/)
    expect(kept).not.toMatch(/\d/)
  })

  test('the scrubber sees at most limit + SCRUB_MARGIN characters of a field', () => {
    const scrub = jest.spyOn(scrubbing, 'scrub')
    try {
      build('x'.repeat(100_000), 'y\n'.repeat(100_000), { page: 'p'.repeat(100_000) })
      const seen = scrub.mock.calls.map(([text]) => Array.from(text).length)
      expect(seen.slice(0, 3)).toEqual([
        TEXT_LIMITS.message + SCRUB_MARGIN,
        2 * STACK_LINES - 1, // the first ten lines, and the newlines between them
        TEXT_LIMITS.page + SCRUB_MARGIN,
      ])
    } finally {
      scrub.mockRestore()
    }
  })

  test('a huge message is cut before the scrubber sees it', () => {
    const started = Date.now()
    const report = build('13812345678 '.repeat(200_000), 'x '.repeat(1_000_000))
    expect(report.message).toMatch(/^(\[phone\] )+/)
    expect(report.message).not.toMatch(/\d{5}/)
    expect(report.stack).toHaveLength(TEXT_LIMITS.stack)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  test('cutToLength counts code points', () => {
    expect(cutToLength('ab😀cd', 3)).toBe('ab😀')
    expect(cutToLength('ab😀cd', 2)).toBe('ab')
    expect(cutToLength('abc', 10)).toBe('abc')
    expect(cutToLength('\ud800abc', 2)).toBe('\ud800a') // a lone surrogate counts as one
  })
})

describe('fingerprint', () => {
  test('is a short hex key', () => {
    expect(fingerprint(build('boom', V8_STACK))).toMatch(/^[0-9a-f]{8}$/)
  })

  test('the same bug with other numbers, lines and spacing groups together', () => {
    const one = build('item 12 of list 7 missing', '    at render (app.js:10:5)')
    const two = build('item  3 of list 99  missing', '    at render (app.js:11:50)', {
      page: 'pages/other/index',
    })
    expect(fingerprint(two)).toBe(fingerprint(one))
  })

  test.each([
    ['another top frame', build('boom', '    at save (app.js:10:5)')],
    ['another message', build('bang', '    at render (app.js:10:5)')],
    ['another kind', build('boom', '    at render (app.js:10:5)', {}, 'unhandledrejection')],
  ])('%s is another group', (_name, other) => {
    expect(fingerprint(other)).not.toBe(fingerprint(build('boom', '    at render (app.js:10:5)')))
  })

  test('the top frame is the first V8 or JavaScriptCore frame, trimmed', () => {
    expect(topFrameOf(V8_STACK)).toBe('at onLoad (pages/home/index.js:12:34)')
    expect(topFrameOf('JSON.parse@[native code]\n' + JSC_STACK)).toBe(
      'onLoad@pages/home/index.js:12:34',
    )
    expect(topFrameOf('@tarojs/runtime failed\nno frames here')).toBe('')
  })

  test('the realtime log line: kind, one-line message, top frame', () => {
    expect(logLine(build('boom\n  again', V8_STACK))).toBe(
      '[error] boom again @ at onLoad (pages/home/index.js:12:34)',
    )
    expect(logLine(build('boom'))).toBe('[error] boom')
  })
})

/** A queued report as it was saved, for filling storage before a monitor starts. */
const stored = (message: string, at = AT, count = 1): MonitorReport => ({
  ...build(message, `    at f (app.js:1:1)`),
  occurredAt: new Date(at).toISOString(),
  count,
})

type Answer = MonitorReceipt | Error | 'wait'

/**
 * Scripted ports. Storage is a JSON copy, as device storage is; `answers` are what `send` does in
 * order (a receipt, an Error to throw, or 'wait' for `release()`), then every batch is accepted.
 */
function harness(options: { consent?: MonitorConsent; state?: unknown } = {}) {
  let clock = AT
  let storage: unknown = options.state === undefined ? undefined : copy(options.state)
  const h = {
    consent: (options.consent ?? 'allowed') as MonitorConsent | string,
    answers: [] as Answer[],
    sent: [] as MonitorBatch[],
    logged: [] as string[],
    timers: [] as Array<{ run: () => void; at: number; ms: number; cleared: boolean }>,
    waiting: [] as Array<() => void>,
    monitor: undefined as unknown as Monitor,
    ports: undefined as unknown as MonitorPorts,
    get state() {
      return storage as MonitorState | undefined
    },
    get now() {
      return clock
    },
    /** A new monitor over the same storage: the app started again. */
    start() {
      h.timers.length = 0
      h.monitor = createMonitor(h.ports)
      return h.monitor
    },
    /** Advances the clock, running due timers in order and waiting for what they start. */
    async advance(ms: number) {
      const end = clock + ms
      for (;;) {
        const due = h.timers.filter((t) => !t.cleared && t.at <= end).sort((a, b) => a.at - b.at)
        if (due.length === 0) break
        clock = due[0].at
        due[0].cleared = true
        due[0].run()
        await settle()
      }
      clock = end
    },
    pending: () => h.timers.filter((t) => !t.cleared).map((t) => t.ms),
    /** Lets every 'wait' send answer (accepted), then waits for what follows. */
    async release() {
      h.waiting.splice(0).forEach((go) => go())
      await settle()
    },
    queued: () => (storage as MonitorState).reports.map((r) => `${r.message} x${r.count}`),
  }
  h.ports = {
    load: () => (storage === undefined ? undefined : copy(storage)),
    save: (state) => void (storage = copy(state)),
    consent: () => h.consent as MonitorConsent,
    send: async (batch) => {
      h.sent.push(copy(batch))
      const answer = h.answers.shift()
      if (answer instanceof Error) throw answer
      if (answer === 'wait') await new Promise<void>((go) => h.waiting.push(go))
      return answer && answer !== 'wait' ? answer : { accepted: batch.reports.length }
    },
    now: () => clock,
    setTimer: (run, ms) => {
      const timer = { run, ms, at: clock + ms, cleared: false }
      h.timers.push(timer)
      return timer
    },
    clearTimer: (timer) => {
      if (timer) (timer as { cleared: boolean }).cleared = true
    },
    log: (line) => void h.logged.push(line),
    context: () => CONTEXT,
  }
  h.start()
  return h
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Lets promises and what they start run (a real macrotask: no fake timers here). */
const settle = () => new Promise((resolve) => setImmediate(resolve))

/** Problem `i`: its own message and top frame (a name without digits, which a shape would blank). */
const problem = (i: number) => {
  const name = i.toString(26).replace(/./g, (c) => String.fromCharCode(97 + parseInt(c, 26)))
  return `problem ${i}\n    at ${name} (app.js:1:1)`
}

/** Problems `from`, `from + 1`... captured now. */
const captureMany = (monitor: Monitor, count: number, from = 0) => {
  for (let i = from; i < from + count; i++) monitor.capture('error', problem(i))
}

describe('capture', () => {
  test('queues a scrubbed report, saves it, and writes the same scrubbed line to the log', () => {
    const h = harness()
    h.monitor.capture('error', 'user 13812345678 failed\n    at save (pages/me/index.js:3:9)')
    expect(h.state?.reports).toEqual([
      {
        ...CONTEXT,
        kind: 'error',
        message: 'user [phone] failed',
        stack: '    at save (pages/me/index.js:3:9)',
        occurredAt: new Date(AT).toISOString(),
        count: 1,
      },
    ])
    expect(h.logged).toEqual(['[error] user [phone] failed @ at save (pages/me/index.js:3:9)'])
    expect(h.monitor.selfErrors).toBe(0)
  })

  test('the page given to capture wins over the context, and loses its query', () => {
    const h = harness()
    h.monitor.capture('pagenotfound', 'page not found', 'pages/gone/index?openid=abc')
    expect(h.state?.reports[0].page).toBe('pages/gone/index')
  })

  test('repeats raise the count of the queued report, which keeps its first time', async () => {
    const h = harness({ consent: 'unknown' })
    h.monitor.capture('error', 'item 1 missing\n    at f (app.js:1:1)')
    await h.advance(1000)
    h.monitor.capture('error', 'item 2 missing\n    at f (app.js:1:9)')
    h.monitor.capture('error', 'item 3 missing\n    at f (app.js:1:1)')
    expect(h.queued()).toEqual(['item 1 missing x3'])
    expect(h.state?.reports[0].occurredAt).toBe(new Date(AT).toISOString())
    expect(h.logged).toEqual([]) // consent unknown: not even the log
  })

  test('the count stops at COUNT_LIMIT', () => {
    const h = harness({
      consent: 'unknown',
      state: { reports: [stored('boom', AT, COUNT_LIMIT)], droppedOnDevice: 0 },
    })
    h.monitor.capture('error', 'boom\n    at f (app.js:1:1)')
    expect(h.state?.reports[0].count).toBe(COUNT_LIMIT)
  })

  test(`at most ${RATE_LIMIT} new reports a minute; repeats of queued ones still count`, async () => {
    const h = harness({ consent: 'unknown' })
    captureMany(h.monitor, RATE_LIMIT + 2)
    expect(h.state?.reports).toHaveLength(RATE_LIMIT)
    expect(h.state?.droppedOnDevice).toBe(2)
    h.monitor.capture('error', problem(0))
    expect(h.state?.reports[0].count).toBe(2)
    expect(h.state?.droppedOnDevice).toBe(2)
    await h.advance(RATE_WINDOW_MS)
    captureMany(h.monitor, 1, 50)
    expect(h.state?.reports).toHaveLength(RATE_LIMIT + 1)
  })

  test(`the queue keeps ${QUEUE_LIMIT}: the oldest go first, each counted as dropped`, async () => {
    const h = harness({ consent: 'unknown' })
    for (let i = 0; i < QUEUE_LIMIT + 5; i++) {
      captureMany(h.monitor, 1, i)
      await h.advance(RATE_WINDOW_MS / RATE_LIMIT)
    }
    const messages = h.state?.reports.map((r) => r.message)
    expect(messages).toHaveLength(QUEUE_LIMIT)
    expect(messages?.[0]).toBe('problem 5')
    expect(messages?.[QUEUE_LIMIT - 1]).toBe(`problem ${QUEUE_LIMIT + 4}`)
    expect(h.state?.droppedOnDevice).toBe(5)
    h.consent = 'allowed'
    h.monitor.consentChanged()
    await settle()
    expect(h.sent.map((b) => [b.reports.length, b.droppedOnDevice])).toEqual([
      [20, 5],
      [10, 0],
    ])
    expect(h.sent[0].reports[0].message).toBe('problem 5')
  })
})

describe('consent', () => {
  test('clear (the user deleted their data): the queue and the counter go, in storage too, and nothing is sent', async () => {
    const h = harness({ consent: 'unknown', state: { reports: [], droppedOnDevice: 4 } })
    h.monitor.capture('error', 'boom')
    h.monitor.clear()
    expect(h.queued()).toEqual([])
    expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
    h.consent = 'allowed'
    h.monitor.consentChanged()
    await h.advance(RETRY_MAX_MS)
    expect(h.sent).toEqual([])
  })

  test('unknown: kept on the device, never sent, nothing scheduled', async () => {
    const h = harness({ consent: 'unknown' })
    h.monitor.capture('error', 'boom')
    await h.advance(RETRY_MAX_MS)
    await h.monitor.flushNow()
    expect(h.sent).toEqual([])
    expect(h.pending()).toEqual([])
    expect(h.queued()).toEqual(['boom x1'])
  })

  test('unknown: a report older than 24 h is dropped at the next capture or flush', async () => {
    const h = harness({ consent: 'unknown' })
    h.monitor.capture('error', 'old')
    await h.advance(MAX_UNCONSENTED_AGE_MS)
    h.monitor.capture('error', 'new')
    expect(h.queued()).toEqual(['old x1', 'new x1'])
    await h.advance(1)
    await h.monitor.flushNow()
    expect(h.queued()).toEqual(['new x1'])
    await h.advance(MAX_UNCONSENTED_AGE_MS)
    h.monitor.capture('error', 'newer')
    expect(h.queued()).toEqual(['newer x1'])
  })

  test('unknown: a report older than 24 h is dropped at load; allowed keeps it', () => {
    const state = { reports: [stored('old', AT - MAX_UNCONSENTED_AGE_MS - 1)], droppedOnDevice: 2 }
    expect(harness({ consent: 'unknown', state }).state?.reports).toEqual([])
    expect(harness({ consent: 'allowed', state }).state?.reports).toHaveLength(1)
  })

  test('becoming allowed sends the queue at once, and the log writes from then on', async () => {
    const h = harness({ consent: 'unknown' })
    h.monitor.capture('error', 'boom')
    h.consent = 'allowed'
    h.monitor.consentChanged()
    await settle()
    expect(h.sent.map((b) => b.reports.map((r) => r.message))).toEqual([['boom']])
    expect(h.state?.reports).toEqual([])
    h.monitor.capture('error', 'bang')
    expect(h.logged).toEqual(['[error] bang'])
  })

  test.each(['refused', 'something else', undefined])(
    'refused (or an answer it does not know: %s) clears the queue and the counter, and ignores captures',
    async (answer) => {
      const h = harness({ consent: 'unknown' })
      captureMany(h.monitor, RATE_LIMIT + 1)
      h.consent = answer as string
      h.monitor.consentChanged()
      expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
      h.monitor.capture('error', 'boom')
      await h.advance(RETRY_MAX_MS)
      await h.monitor.flushNow()
      expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
      expect(h.sent).toEqual([])
      expect(h.logged).toEqual([])
    },
  )

  test('refused clears even without consentChanged, at the next capture', () => {
    const h = harness({ consent: 'unknown' })
    h.monitor.capture('error', 'boom')
    h.consent = 'refused'
    h.monitor.capture('error', 'bang')
    expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
  })

  test('refused at launch clears what was stored', () => {
    const h = harness({
      consent: 'refused',
      state: { reports: [stored('boom')], droppedOnDevice: 1 },
    })
    expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
  })
})

describe('delivery', () => {
  test(`a capture is sent after ${BATCH_DELAY_MS} ms, together with those that follow it`, async () => {
    const h = harness()
    h.monitor.capture('error', 'one')
    await h.advance(BATCH_DELAY_MS - 1)
    h.monitor.capture('error', 'two')
    expect(h.sent).toEqual([])
    await h.advance(1)
    expect(h.sent.map((b) => b.reports.map((r) => r.message))).toEqual([['one', 'two']])
    expect(h.sent[0]).toMatchObject({ droppedOnDevice: 0 })
    expect(h.state?.reports).toEqual([])
    expect(h.pending()).toEqual([])
  })

  test(`batches of at most ${BATCH_LIMIT}, oldest first`, async () => {
    const reports = Array.from({ length: 25 }, (_, i) => stored(`problem ${i}`))
    const h = harness({ consent: 'unknown', state: { reports, droppedOnDevice: 0 } })
    h.consent = 'allowed'
    h.monitor.consentChanged()
    await settle()
    expect(h.sent.map((b) => b.reports.length)).toEqual([20, 5])
    expect(h.sent.flatMap((b) => b.reports.map((r) => r.message))).toEqual(
      reports.map((r) => r.message),
    )
  })

  test('a launch with a stored queue and consent sends it after the batching delay', async () => {
    const h = harness({ state: { reports: [stored('from last run')], droppedOnDevice: 3 } })
    expect(h.pending()).toEqual([BATCH_DELAY_MS])
    await h.advance(BATCH_DELAY_MS)
    expect(h.sent).toEqual([{ reports: [stored('from last run')], droppedOnDevice: 3 }])
    expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
  })

  test('a failure keeps everything and retries with backoff: 30 s doubling to 30 min', async () => {
    const h = harness()
    h.answers = Array.from({ length: 8 }, () => new Error('offline'))
    h.monitor.capture('error', 'boom')
    await h.advance(BATCH_DELAY_MS)
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      delays.push(...h.pending())
      await h.advance(h.pending()[0])
    }
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, RETRY_MAX_MS])
    expect(h.pending()).toEqual([RETRY_MAX_MS])
    expect(h.queued()).toEqual(['boom x1'])
    // The next try succeeds; the one after that failing starts at 30 s again.
    await h.advance(RETRY_MAX_MS)
    expect(h.sent).toHaveLength(9)
    expect(h.state?.reports).toEqual([])
    h.answers = [new Error('offline')]
    h.monitor.capture('error', 'bang')
    await h.advance(BATCH_DELAY_MS)
    expect(h.pending()).toEqual([RETRY_FIRST_MS])
  })

  test('a capture during backoff does not bring the retry forward; flushNow (onHide) does', async () => {
    const h = harness()
    h.answers = [new Error('offline')]
    h.monitor.capture('error', 'boom')
    await h.advance(BATCH_DELAY_MS)
    h.monitor.capture('error', 'bang')
    expect(h.pending()).toEqual([RETRY_FIRST_MS])
    await h.advance(RETRY_FIRST_MS - 1)
    expect(h.sent).toHaveLength(1)
    await h.monitor.flushNow()
    expect(h.sent).toHaveLength(2)
    expect(h.sent[1].reports.map((r) => r.message)).toEqual(['boom', 'bang'])
    expect(h.pending()).toEqual([])
  })

  // Security review (data) finding 4: the server refuses reports (ERR_CONSENT_REQUIRED) while it
  // has no 'agreed' on record; the binding already sent the decision again before giving up.
  test('a consent refusal keeps the reports but retries on no timer and at no capture; a consent change, flushNow or a new start sends them', async () => {
    const h = harness()
    h.answers = [new AppError('ERR_CONSENT_REQUIRED', 'no consent on record')]
    h.monitor.capture('error', 'boom')
    await h.advance(BATCH_DELAY_MS)
    expect(h.sent).toHaveLength(1)
    // Not lost: still queued and saved. Not retried: no timer, and captures schedule nothing.
    expect(h.queued()).toEqual(['boom x1'])
    expect(h.pending()).toEqual([])
    h.monitor.capture('error', 'bang')
    expect(h.pending()).toEqual([])
    await h.advance(RETRY_MAX_MS * 4)
    expect(h.sent).toHaveLength(1)
    // The user's consent changed (or the app started again): the queue goes out.
    h.monitor.consentChanged()
    await settle()
    expect(h.sent).toHaveLength(2)
    expect(h.sent[1].reports.map((r) => r.message)).toEqual(['boom', 'bang'])
    expect(h.state?.reports).toEqual([])
    // Delivery is back to normal: the next capture goes after the batching delay.
    h.monitor.capture('error', 'again')
    expect(h.pending()).toEqual([BATCH_DELAY_MS])

    const restarted = harness()
    restarted.answers = [new AppError('ERR_CONSENT_REQUIRED', 'no consent on record')]
    restarted.monitor.capture('error', 'boom')
    await restarted.advance(BATCH_DELAY_MS)
    restarted.start()
    await restarted.advance(BATCH_DELAY_MS)
    expect(restarted.sent).toHaveLength(2)
    expect(restarted.state?.reports).toEqual([])
    // flushNow (onHide) tries too.
    const hidden = harness()
    hidden.answers = [new AppError('ERR_CONSENT_REQUIRED', 'no consent on record')]
    hidden.monitor.capture('error', 'boom')
    await hidden.advance(BATCH_DELAY_MS)
    await hidden.monitor.flushNow()
    expect(hidden.sent).toHaveLength(2)
    expect(hidden.state?.reports).toEqual([])
  })

  test("reports the server's receipt drops as invalid are not sent again", async () => {
    const h = harness({ consent: 'unknown' })
    h.monitor.capture('error', 'good')
    h.monitor.capture('error', 'refused by the server')
    h.consent = 'allowed'
    h.answers = [{ accepted: 1, dropped: [{ index: 1, reason: '"kind" must be one of: ...' }] }]
    await h.monitor.flushNow()
    expect(h.state?.reports).toEqual([])
    await h.advance(RETRY_MAX_MS)
    await h.monitor.flushNow()
    expect(h.sent).toHaveLength(1)
  })

  test('droppedOnDevice is sent with each batch and reset only when one is accepted', async () => {
    const h = harness({ consent: 'unknown' })
    captureMany(h.monitor, RATE_LIMIT + 3)
    h.consent = 'allowed'
    h.answers = [new Error('offline')]
    await h.monitor.flushNow()
    expect(h.sent[0].droppedOnDevice).toBe(3)
    expect(h.state?.droppedOnDevice).toBe(3)
    await h.monitor.flushNow()
    expect(h.sent[1].droppedOnDevice).toBe(3)
    expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
  })

  test('what happens while a batch is on its way is kept for the next one', async () => {
    const h = harness({ consent: 'unknown' })
    captureMany(h.monitor, RATE_LIMIT)
    h.consent = 'allowed'
    h.answers = ['wait']
    const flushing = h.monitor.flushNow()
    h.monitor.capture('error', problem(0)) // a repeat
    h.monitor.capture('error', problem(0))
    captureMany(h.monitor, 1, 99) // over the rate limit
    await h.release()
    await flushing
    expect(h.sent[0].reports[0].count).toBe(1)
    expect(h.state).toEqual({
      reports: [expect.objectContaining({ message: 'problem 0', count: 2 })],
      droppedOnDevice: 1,
    })
    // Not at once: an error in a loop must not become a request loop.
    expect(h.sent).toHaveLength(1)
    expect(h.pending()).toEqual([BATCH_DELAY_MS])
    await h.advance(BATCH_DELAY_MS)
    expect(h.sent[1]).toMatchObject({ droppedOnDevice: 1 })
    expect(h.sent[1].reports.map((r) => r.count)).toEqual([2])
  })

  test('a refusal while a batch is on its way: nothing is kept after its answer', async () => {
    const h = harness({ consent: 'unknown' })
    captureMany(h.monitor, RATE_LIMIT + 2)
    h.consent = 'allowed'
    h.answers = ['wait']
    const flushing = h.monitor.flushNow()
    h.consent = 'refused'
    h.monitor.consentChanged()
    await h.release()
    await flushing
    expect(h.state).toEqual({ reports: [], droppedOnDevice: 0 })
    h.consent = 'allowed'
    h.monitor.consentChanged()
    await h.advance(RATE_WINDOW_MS)
    captureMany(h.monitor, 1, 50)
    await h.advance(BATCH_DELAY_MS)
    expect(h.sent[1]).toMatchObject({ droppedOnDevice: 0, reports: [{ message: 'problem 50' }] })
  })

  test('one flush at a time: a second flushNow joins the one under way', async () => {
    const h = harness()
    h.monitor.capture('error', 'boom')
    h.answers = ['wait']
    const first = h.monitor.flushNow()
    const second = h.monitor.flushNow()
    await h.release()
    await Promise.all([first, second])
    expect(h.sent).toHaveLength(1)
  })
})

describe('never recursive, never throwing', () => {
  test.each<[string, Partial<MonitorPorts>]>([
    [
      'send throws at once',
      {
        send: () => {
          throw new Error('sync')
        },
      },
    ],
    ['send rejects', { send: () => Promise.reject(new Error('async')) }],
  ])('%s: kept for later, counted, never a report', async (_name, broken) => {
    const h = harness()
    Object.assign(h.ports, broken)
    h.monitor.capture('error', 'boom')
    await expect(h.monitor.flushNow()).resolves.toBeUndefined()
    expect(h.queued()).toEqual(['boom x1'])
    expect(h.monitor.selfErrors).toBe(1)
    expect(h.pending()).toEqual([RETRY_FIRST_MS])
  })

  test('save throws: capture and delivery go on', async () => {
    const h = harness()
    h.ports.save = () => {
      throw new Error('storage full')
    }
    expect(() => h.monitor.capture('error', 'boom')).not.toThrow()
    await h.monitor.flushNow()
    expect(h.sent.map((b) => b.reports.map((r) => r.message))).toEqual([['boom']])
    expect(h.monitor.selfErrors).toBe(2) // the capture's save and the flush's
  })

  test('log throws: the report is kept, the error is counted', () => {
    const h = harness()
    h.ports.log = () => {
      throw new Error('log quota')
    }
    h.monitor.capture('error', 'boom')
    expect(h.queued()).toEqual(['boom x1'])
    expect(h.monitor.selfErrors).toBe(1)
  })

  test.each<keyof MonitorPorts>(['context', 'now', 'consent'])(
    'a throwing %s loses that capture, counted, without throwing',
    (port) => {
      const h = harness()
      h.ports[port] = (() => {
        throw new Error(port)
      }) as never
      const monitor = h.start()
      const before = monitor.selfErrors // consent is asked at launch too
      expect(() => monitor.capture('error', 'boom')).not.toThrow()
      expect(monitor.selfErrors).toBe(before + 1)
      expect(h.state).toBeUndefined()
    },
  )

  test('a throwing setTimer: the report is kept for a later flush, the error counted', async () => {
    const h = harness()
    h.ports.setTimer = () => {
      throw new Error('no timers')
    }
    const monitor = h.start()
    expect(() => monitor.capture('error', 'boom')).not.toThrow()
    expect(monitor.selfErrors).toBe(1)
    expect(h.queued()).toEqual(['boom x1'])
    await monitor.flushNow()
    expect(h.sent).toHaveLength(1)
  })

  test('a capture from inside the monitor (a port that triggers onError) is ignored', async () => {
    const h = harness()
    // The way it happens: the port's failure reaches the app's global handler, which captures.
    const onError = (raw: unknown) => h.monitor.capture('error', raw)
    const save = h.ports.save
    h.ports.log = (line) => onError(`log failed for ${line}`)
    h.ports.save = (state) => {
      save(state)
      onError('save failed')
    }
    h.ports.send = (batch) => {
      onError('send failed')
      h.sent.push(batch)
      return Promise.resolve({ accepted: batch.reports.length })
    }
    h.monitor.capture('error', 'boom')
    expect(h.queued()).toEqual(['boom x1'])
    await h.monitor.flushNow()
    expect(h.sent.map((b) => b.reports.map((r) => r.message))).toEqual([['boom']])
    expect(h.state?.reports).toEqual([])
    expect(h.monitor.selfErrors).toBe(0)
  })
})

describe('storage', () => {
  test('the queue and the counter survive a restart', async () => {
    const h = harness({ consent: 'unknown' })
    captureMany(h.monitor, RATE_LIMIT + 1)
    h.monitor.capture('error', problem(3))
    const before = h.state
    h.start()
    // The same fingerprints: a repeat after the restart raises the stored count.
    h.monitor.capture('error', problem(3))
    expect(h.state?.reports[3].count).toBe(3)
    expect(h.state?.reports.map((r) => r.message)).toEqual(before?.reports.map((r) => r.message))
    h.consent = 'allowed'
    h.monitor.consentChanged()
    await settle()
    expect(h.sent[0]).toMatchObject({ droppedOnDevice: 1 })
    expect(h.sent[0].reports).toHaveLength(RATE_LIMIT)
  })

  const valid = stored('boom')
  test.each<[string, unknown]>([
    ['a string', 'garbage'],
    ['a number', 42],
    ['null', null],
    ['an array', []],
    ['reports not a list', { reports: 'x', droppedOnDevice: 0 }],
    ['no counter', { reports: [valid] }],
    ['a negative counter', { reports: [valid], droppedOnDevice: -1 }],
    ['a counter over the limit', { reports: [valid], droppedOnDevice: COUNT_LIMIT + 1 }],
    ['a report that is null', { reports: [null], droppedOnDevice: 0 }],
    ['an unknown kind', { reports: [{ ...valid, kind: 'crash' }], droppedOnDevice: 0 }],
    ['a message that is not text', { reports: [{ ...valid, message: 1 }], droppedOnDevice: 0 }],
    ['a stack that is not text', { reports: [{ ...valid, stack: {} }], droppedOnDevice: 0 }],
    ['a time that is no time', { reports: [{ ...valid, occurredAt: 'soon' }], droppedOnDevice: 0 }],
    ['a count of 0', { reports: [{ ...valid, count: 0 }], droppedOnDevice: 0 }],
    ['a count that is text', { reports: [{ ...valid, count: '2' }], droppedOnDevice: 0 }],
    ['a field the contract lacks', { reports: [{ ...valid, openid: 'o1' }], droppedOnDevice: 0 }],
  ])('a stored value that is not a state (%s) counts as empty', async (_name, state) => {
    const h = harness({ state })
    expect(h.monitor.selfErrors).toBe(0)
    await h.monitor.flushNow()
    expect(h.sent).toEqual([])
    h.monitor.capture('error', 'new')
    expect(h.state).toEqual({
      reports: [expect.objectContaining({ message: 'new' })],
      droppedOnDevice: 0,
    })
  })

  test('a load that throws counts as empty', () => {
    const h = harness()
    h.ports.load = () => {
      throw new Error('unreadable')
    }
    const monitor = h.start()
    expect(monitor.selfErrors).toBe(1)
    monitor.capture('error', 'new')
    expect(h.queued()).toEqual(['new x1'])
  })
})
