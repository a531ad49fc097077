/**
 * MONITOR: from whatever the platform hands an error handler to one error report that is safe to
 * keep and send. Pure functions, no platform: monitor.ts queues and delivers what they build.
 *
 * Guarantees:
 * - `normalizeError` never throws, whatever it is given (a cycle, a getter or toString that
 *   throws): every form the runtimes use becomes a message and a stack.
 * - `buildReport` scrubs every text field (sensitive/scrub.ts) before anything else sees it, and
 *   cuts it to TEXT_LIMITS in code points. Text is cut to its limit plus SCRUB_MARGIN before it is
 *   scrubbed, as the server does: the scrubber never sees a huge input, and a phone number that
 *   straddles the limit is still whole when it is recognised. What that first cut may have
 *   halved is never kept (see `clean`).
 * - The page is its route only: a query or hash can hold personal data, so it never leaves.
 * Limits: scrubbing works on patterns (see scrub.ts for what it cannot see); code should keep
 * personal data out of error messages in the first place.
 */
import { scrub } from '../sensitive/scrub'

// The shapes below are the API contract's (src/services/api-contract.ts: ErrorReport,
// ErrorReportBatch, ErrorReportReceipt and their limits), written again because src/security
// may not import services. test/unit/security/monitor.test.ts proves the two agree.

/** What kind of failure a report is (the contract's ErrorReportKind). */
export type ReportKind = 'error' | 'unhandledrejection' | 'pagenotfound' | 'boundary'

/** One report as `POST /v1/monitor/errors` takes it (the contract's ErrorReport). */
export interface MonitorReport {
  kind: ReportKind
  /** Scrubbed, at most TEXT_LIMITS.message code points. */
  message: string
  /** Scrubbed, the first STACK_LINES lines, at most TEXT_LIMITS.stack code points. */
  stack?: string
  /** The page's route without query or hash (a query can hold personal data), scrubbed. */
  page?: string
  appVersion?: string
  /** WeChat's base library version (`SDKVersion` of wx.getAppBaseInfo), e.g. "3.7.1". */
  baseLibrary?: string
  /** Where the app runs: wx.getDeviceInfo's `platform` ("ios", "android", "devtools"...) or "h5". */
  platform?: string
  /** ISO 8601 time it first happened on the device. */
  occurredAt: string
  /** How many times it happened before it was sent, 1 to COUNT_LIMIT. */
  count: number
}

/** One request: at most BATCH_LIMIT reports (the contract's ErrorReportBatch). */
export interface MonitorBatch {
  reports: MonitorReport[]
  /** Reports lost to the queue cap or the rate limit since the last accepted batch. */
  droppedOnDevice?: number
}

/** The part of the server's answer the monitor may read (the contract's ErrorReportReceipt). */
export interface MonitorReceipt {
  accepted: number
  /** Reports the server refused as invalid: sending them again will not help. */
  dropped?: Array<{ index: number; reason: string }>
}

/** The contract's MAX_REPORTS_PER_BATCH. */
export const BATCH_LIMIT = 20
/** The contract's MAX_REPORT_COUNT: largest `count`, and largest `droppedOnDevice`. */
export const COUNT_LIMIT = 100_000
/** The contract's REPORT_TEXT_LIMITS: longest text per field, in code points. */
export const TEXT_LIMITS = {
  message: 1000,
  stack: 4000,
  page: 200,
  appVersion: 32,
  baseLibrary: 32,
  platform: 32,
}
/** The report's text fields (the contract's ErrorReportTextField). */
export type TextField = keyof typeof TEXT_LIMITS
/**
 * How much longer than its limit text may be when it is scrubbed (scrubToLimit). Some of the
 * scrubber's patterns take time that grows with the square of a long run of characters, so it
 * must not see a whole 64 KB body; the margin keeps a phone number, email or token that
 * straddles the limit whole, so it is still recognised and replaced, not half kept.
 */
export const SCRUB_MARGIN = 256
/** Stack lines kept: the top frames find a bug; the rest costs bytes and scrubbing time. */
export const STACK_LINES = 10

/** An error as the monitor reads it: one line of message, then the stack (maybe empty). */
export interface NormalizedError {
  message: string
  stack: string
}

/** What the app knows about where the error happened. All optional. */
export interface ReportContext {
  /** The route; a query or hash on it is removed. */
  page?: string
  appVersion?: string
  baseLibrary?: string
  platform?: string
}

// WeChat puts one of these lines before the message in the text it hands `onError`.
const WECHAT_HEADER = /^(?:MiniProgramError|thirdScriptError)\r?\n/

/**
 * The message and stack of anything an error handler may receive. Never throws:
 * - a string (Taro's `onError`: message, a newline, the stack);
 * - an Error, or any object with a string `message` (the stack loses the `Name: message` line
 *   V8 starts it with; the name goes before the message unless it is plain "Error");
 * - what some Android devices pass `wx.onError`: `{ message: 'MiniProgramError\n<message>\n<stack>',
 *   stack: '' }`;
 * - `{ reason, promise }` of `wx.onUnhandledRejection` (and H5's `{ reason }`): the reason, read
 *   the same way; a missing reason is "(no reason)";
 * - a plain object: its JSON, nested objects and arrays shown as "…" (so a cycle cannot loop);
 * - anything else: `String(value)`.
 */
export function normalizeError(raw: unknown): NormalizedError {
  try {
    return normalize(raw, true)
  } catch {
    return noStack('(unreadable error)') // a getter or toString threw
  }
}

function normalize(raw: unknown, unwrap: boolean): NormalizedError {
  if (typeof raw === 'string') return splitLines(raw)
  if (typeof raw === 'object' && raw !== null) {
    const value = raw as Record<string, unknown>
    if (typeof value.message === 'string') return fromError(value)
    if (unwrap && 'reason' in value) {
      return value.reason == null ? noStack('(no reason)') : normalize(value.reason, false)
    }
    const prototype = Object.getPrototypeOf(value)
    if (prototype === Object.prototype || prototype === null) {
      // Its own keys; nested objects and arrays elided, so a cycle cannot loop.
      return noStack(
        JSON.stringify(value, (key, nested) =>
          key && typeof nested === 'object' && nested !== null ? '…' : nested,
        ),
      )
    }
  }
  return noStack(String(raw))
}

const noStack = (message: string): NormalizedError => ({ message, stack: '' })

/** The first line is the message, the others the stack. */
function splitLines(text: string): NormalizedError {
  const lines = text.replace(WECHAT_HEADER, '').split('\n')
  return { message: lines[0], stack: lines.slice(1).join('\n') }
}

function fromError(error: Record<string, unknown>): NormalizedError {
  const name = typeof error.name === 'string' ? error.name : ''
  const message = error.message as string
  const stack = typeof error.stack === 'string' ? error.stack : ''
  // No stack: the message may carry it (the Android object).
  const result = stack ? { message, stack } : splitLines(message)
  // V8 starts its stacks with `Name: message` (a line, or more if the message has newlines).
  const header = `${name}: ${message}\n`
  if (stack.startsWith(header)) result.stack = stack.slice(header.length)
  if (name && name !== 'Error') result.message = `${name}: ${result.message}`
  return result
}

/**
 * The report for one capture: every text field scrubbed, then cut to its limit; the stack's first
 * STACK_LINES lines; the page without query or hash; empty fields left out. `at` is the time in
 * ms since the epoch.
 */
export function buildReport(
  kind: ReportKind,
  error: NormalizedError,
  context: ReportContext,
  at: number,
): MonitorReport {
  const report: MonitorReport = {
    kind,
    message: '',
    occurredAt: new Date(at).toISOString(),
    count: 1,
  }
  const texts: Record<string, unknown> = {
    ...context,
    message: error.message,
    stack: error.stack.split('\n', STACK_LINES).join('\n'),
    page: (context.page ?? '').split(/[?#]/)[0],
  }
  for (const field of Object.keys(TEXT_LIMITS) as TextField[]) {
    const text = texts[field]
    if (typeof text === 'string' && text) report[field] = clean(field, text)
  }
  return report
}

/** Scrubbed and cut to the field's limit. */
function clean(field: TextField, text: string): string {
  return scrubToLimit(text, TEXT_LIMITS[field]).text
}

/**
 * `text` scrubbed (scrub.ts) and cut to `limit` code points; `cut` is true when anything but
 * scrubbing made it shorter. The app (before a report is kept) and the server (on arrival: it
 * does not trust clients) both use this. Long text is cut to `limit` + SCRUB_MARGIN first, so
 * the scrubber never sees a huge input; such a cut may end inside a number the scrubber then
 * cannot recognise, and a scrubbed text can come out shorter than its limit. The scrubber leaves
 * what it does not match as written, so such a part lies within the last SCRUB_MARGIN
 * characters: they go too.
 */
export function scrubToLimit(text: string, limit: number): { text: string; cut: boolean } {
  const head = cutToLength(text, limit + SCRUB_MARGIN)
  const scrubbed = scrub(head)
  const keep = head === text ? limit : Math.min(limit, Array.from(scrubbed).length - SCRUB_MARGIN)
  const kept = cutToLength(scrubbed, keep)
  return { text: kept, cut: head !== text || kept !== scrubbed }
}

/**
 * The first `limit` characters of `text`, counted in code points (as the server and JSON Schema
 * count them): a character outside the BMP (an emoji: two UTF-16 units) is kept or cut whole,
 * never split into half a surrogate pair.
 */
export function cutToLength(text: string, limit: number): string {
  let units = 0
  for (let points = 0; points < limit && units < text.length; points++) {
    units += (text.codePointAt(units) as number) > 0xffff ? 2 : 1
  }
  return text.slice(0, units)
}

// The server's frame patterns (server/src/monitor.ts). V8 (Android, DevTools):
// `at fn (file.js:12:5)`, `at file.js:12:5`. JavaScriptCore (iOS): `fn@file.js:12:5`.
const V8_FRAME = /^at\s.*:\d+(?::\d+)?\)?$/
const JSC_FRAME = /^[^@]*@\S+:\d+(?::\d+)?$/

/** The first line of a stack that names code, trimmed; '' when there is none. */
export function topFrameOf(stack: string): string {
  const frame = stack
    .split('\n')
    .map((line) => line.trim())
    .find((line) => V8_FRAME.test(line) || JSC_FRAME.test(line))
  return frame ?? ''
}

/**
 * A short key for "the same problem": kind, the message's shape and the top frame's shape, where
 * a shape has every number as `#` and whitespace collapsed (ids, counts and line numbers change
 * between occurrences of one bug). FNV-1a, 32 bits, as 8 hex digits: a local grouping key for a
 * queue of a few dozen reports, not a security measure. (The server makes its own.)
 */
export function fingerprint(report: MonitorReport): string {
  const shape = (text: string) => text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim()
  const key = `${report.kind}\n${shape(report.message)}\n${shape(topFrameOf(report.stack ?? ''))}`
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/**
 * The one line WeChat's realtime log receives for a report: `[kind] message @ top frame`, made
 * of the report's already scrubbed text only.
 */
export function logLine(report: MonitorReport): string {
  const frame = topFrameOf(report.stack ?? '')
  return `[${report.kind}] ${report.message.replace(/\s+/g, ' ')}${frame && ` @ ${frame}`}`
}
