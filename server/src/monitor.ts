import { createHash } from 'node:crypto'
import type {
  ErrorReport,
  ErrorReportDrop,
  ErrorReportKind,
  ErrorReportReceipt,
  ErrorReportTextField,
} from '../../src/services/api-contract'
import { scrub } from '../../src/security/sensitive/scrub'
import type { Db } from './database'
import { quoted } from './validation-messages'

export interface ErrorGroup {
  fingerprint: string
  kind: string
  message: string
  topFrame: string
  firstSeen: string
  lastSeen: string
  count: number
}

/**
 * Longest text kept per field, in characters (Unicode code points, as JSON Schema's maxLength
 * counts them). Longer text is cut to this and the field is marked truncated: the start of a
 * message and the top of a stack are what find a bug, and one long field must not cost the
 * other reports of its batch.
 */
export const REPORT_TEXT_LIMITS: Record<ErrorReportTextField, number> = {
  message: 1000,
  stack: 4000,
  page: 200,
  appVersion: 32,
}

const REPORT_KINDS: ErrorReportKind[] = ['error', 'unhandledrejection', 'pagenotfound', 'boundary']
const REPORT_FIELDS = ['kind', 'message', 'stack', 'page', 'appVersion', 'occurredAt']
const OCCURRED_AT = /^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})$/
const APP_VERSION = /^[0-9A-Za-z.+-]*$/

/**
 * Text is cut to its limit plus this margin before it is scrubbed, and to its limit after. Some
 * of the scrubber's patterns take time that grows with the square of a long run of characters,
 * so it must not see a whole 64 KB body; the margin keeps a phone number, email or token that
 * straddles the limit whole, so it is still recognised and replaced, not half kept.
 */
const SCRUB_MARGIN = 256

/** A report that passed the checks, ready to store: its text scrubbed and cut. */
interface PreparedReport {
  index: number
  kind: ErrorReportKind
  message: string
  stack: string
  page: string
  appVersion: string
  occurredAt: string
  truncatedFields: ErrorReportTextField[]
}

/**
 * Error-report intake. Each report of a batch is checked on its own: an invalid one is dropped
 * with the reason, the others are kept. Every text field is scrubbed again here (the server does
 * not trust that the app scrubbed) and cut to its limit; reports are grouped by fingerprint with
 * counts, and the batch's reports are written in one transaction before the route answers, so
 * an acknowledged report is on disk.
 */
export class Monitor {
  private readonly upsertGroup
  private readonly insertReport
  private readonly selectGroups

  constructor(private readonly db: Db) {
    this.upsertGroup = db.prepare(
      `INSERT INTO error_groups (fingerprint, kind, message, top_frame, first_seen, last_seen, count)
         VALUES (@fingerprint, @kind, @message, @topFrame, @at, @at, 1)
       ON CONFLICT (fingerprint) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen`,
    )
    this.insertReport = db.prepare(
      `INSERT INTO error_reports
         (fingerprint, user_id, kind, message, stack, page, app_version, occurred_at, received_at,
          truncated_fields)
       VALUES (@fingerprint, @userId, @kind, @message, @stack, @page, @appVersion, @occurredAt, @at,
               @truncatedFields)`,
    )
    this.selectGroups = db.prepare(
      `SELECT fingerprint, kind, message, top_frame AS topFrame, first_seen AS firstSeen,
              last_seen AS lastSeen, count
         FROM error_groups ORDER BY count DESC, last_seen DESC LIMIT ?`,
    )
  }

  /** Stores the valid reports of a batch (the route has checked it is a list of 1 to 20). */
  ingest(batch: unknown[], userId: string, now: Date): ErrorReportReceipt {
    const at = now.toISOString()
    const prepared: PreparedReport[] = []
    const dropped: ErrorReportDrop[] = []
    batch.forEach((value, index) => {
      const checked = checkReport(value)
      if (typeof checked === 'string') dropped.push({ index, reason: checked })
      else prepared.push(prepareReport(checked, index))
    })
    const fingerprints = this.db.transaction(() =>
      prepared.map((report) => {
        const topFrame = topFrameOf(report.stack)
        const fingerprint = fingerprintOf(report.kind, report.message, topFrame)
        this.upsertGroup.run({
          fingerprint,
          kind: report.kind,
          message: report.message,
          topFrame,
          at,
        })
        this.insertReport.run({
          fingerprint,
          userId,
          kind: report.kind,
          message: report.message,
          stack: report.stack,
          page: report.page,
          appVersion: report.appVersion,
          occurredAt: report.occurredAt,
          at,
          truncatedFields: report.truncatedFields.join(','),
        })
        return fingerprint
      }),
    )()
    return {
      accepted: prepared.length,
      fingerprints,
      dropped,
      truncated: prepared
        .filter((report) => report.truncatedFields.length > 0)
        .map((report) => ({ index: report.index, fields: report.truncatedFields })),
    }
  }

  groups(limit = 100): ErrorGroup[] {
    return this.selectGroups.all(limit) as ErrorGroup[]
  }
}

/**
 * Reports are the same problem when kind, message shape and first stack frame agree. Numbers
 * are blanked (ids, counts, line numbers change between occurrences of one bug).
 */
export function fingerprintOf(kind: string, message: string, topFrame: string): string {
  const shape = (text: string) => text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim()
  return createHash('sha256')
    .update(`${kind}\n${shape(message)}\n${shape(topFrame)}`)
    .digest('hex')
    .slice(0, 16)
}

/** The first line of a stack that names code (V8 `at ...` or JavaScriptCore `fn@file`). */
export function topFrameOf(stack: string): string {
  const frame = stack
    .split('\n')
    .map((line) => line.trim())
    .find((line) => V8_FRAME.test(line) || JSC_FRAME.test(line))
  return (frame ?? '').slice(0, 300)
}
// V8 (Android, DevTools): `at fn (file.js:12:5)` or `at file.js:12:5`.
const V8_FRAME = /^at\s.*:\d+(?::\d+)?\)?$/
// JavaScriptCore (iOS): `fn@file.js:12:5`, `global code@file.js:3:10`. A location is required,
// so `JSON.parse@[native code]` and a message such as `@tarojs/runtime failed` are not frames.
const JSC_FRAME = /^[^@]*@\S+:\d+(?::\d+)?$/

/**
 * The report if it can be stored, or why not: which field, and what is allowed. Length is not
 * checked here: over-long text is cut, not refused (`prepareReport`).
 */
export function checkReport(value: unknown): ErrorReport | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'A report must be a JSON object.'
  }
  const report = value as Record<string, unknown>
  const unknown = Object.keys(report).filter((key) => !REPORT_FIELDS.includes(key))
  if (unknown.length > 0) {
    return `${quoted(unknown[0])} is not a report field; the fields are: ${REPORT_FIELDS.join(', ')}.`
  }
  if (!REPORT_KINDS.includes(report.kind as ErrorReportKind)) {
    return `"kind" must be one of: ${REPORT_KINDS.join(', ')}.`
  }
  for (const field of ['message', 'occurredAt']) {
    if (report[field] === undefined) return `"${field}" is required.`
  }
  for (const field of ['message', 'stack', 'page', 'appVersion', 'occurredAt']) {
    if (report[field] !== undefined && typeof report[field] !== 'string') {
      return `"${field}" must be text (a JSON string).`
    }
  }
  const occurredAt = report.occurredAt as string
  if (occurredAt.length > 40 || !OCCURRED_AT.test(occurredAt)) {
    return '"occurredAt" must be an ISO 8601 time such as 2026-11-25T06:29:00.000Z.'
  }
  if (report.appVersion !== undefined && !APP_VERSION.test(report.appVersion as string)) {
    return '"appVersion" may contain only letters, digits, ".", "+" and "-".'
  }
  return report as unknown as ErrorReport
}

/** Scrubs the report's text and cuts each field to its limit, noting which were cut. */
function prepareReport(report: ErrorReport, index: number): PreparedReport {
  const truncatedFields: ErrorReportTextField[] = []
  const keep = (field: ErrorReportTextField, text: string, scrubbed: boolean): string => {
    const limit = REPORT_TEXT_LIMITS[field]
    const beforeScrub = scrubbed ? cutToLength(text, limit + SCRUB_MARGIN) : text
    const clean = scrubbed ? scrub(beforeScrub) : beforeScrub
    const kept = cutToLength(clean, limit)
    if (beforeScrub !== text || kept !== clean) truncatedFields.push(field)
    return kept
  }
  return {
    index,
    kind: report.kind,
    message: keep('message', report.message, true),
    stack: keep('stack', report.stack ?? '', true),
    page: keep('page', report.page ?? '', true),
    appVersion: keep('appVersion', report.appVersion ?? '', false),
    occurredAt: report.occurredAt,
    truncatedFields,
  }
}

/**
 * The first `limit` characters of `text`, counted in code points: an emoji (two UTF-16 units, a
 * surrogate pair) is kept or dropped whole, never split into half a character. (A character
 * built of several code points, such as a family emoji, may lose its last parts; the text stays
 * valid.)
 */
export function cutToLength(text: string, limit: number): string {
  if (text.length <= limit) return text
  const characters = Array.from(text)
  return characters.length <= limit ? text : characters.slice(0, limit).join('')
}
