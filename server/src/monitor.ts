import { createHash } from 'node:crypto'
import {
  MAX_REPORT_COUNT,
  REPORT_TEXT_LIMITS,
  type ErrorReport,
  type ErrorReportBatch,
  type ErrorReportDrop,
  type ErrorReportKind,
  type ErrorReportReceipt,
  type ErrorReportTextField,
} from '../../src/services/api-contract'
import { scrubToLimit, topFrameOf as firstFrameOf } from '../../src/security/monitor/report'
import { ApiError } from './api-error'
import { getRow, type Db } from './database'
import { quoted } from './validation-messages'

/** One row of `GET /v1/admin/error-groups`: the reports of one problem, counted. */
export interface ErrorGroup {
  fingerprint: string
  /** A report's kind (ErrorReportKind), or 'dropped' (DROPPED_ON_DEVICE). */
  kind: string
  /**
   * The shape its reports share (`shapeOf`: digits blanked), never one report's own text; ""
   * once none of its reports is kept (`forgetGroupsWithoutReports`).
   */
  message: string
  /** The shape of its reports' first stack frame; "" once none of its reports is kept. */
  topFrame: string
  firstSeen: string
  lastSeen: string
  /**
   * How many times it happened: the sum of its reports' `count`s (or of `droppedOnDevice`), as
   * devices said. A client sets a report's count (up to MAX_REPORT_COUNT), so one client can make
   * a group look huge: read it with `reports` and `users`. Never lowered by deletions.
   */
  count: number
  /** Its reports still kept (a withdrawal or an erasure deletes a user's reports). */
  reports: number
  /** The distinct users behind those reports: what a client cannot inflate without accounts. */
  users: number
}

/**
 * A `POST /v1/monitor/errors` body once the route's schema has checked the batch's own shape:
 * `reports` is a list of 1 to MAX_REPORTS_PER_BATCH items not yet checked (`checkReport` judges
 * each on its own), `droppedOnDevice` is absent or a whole number from 0 to MAX_REPORT_COUNT.
 */
export type UncheckedBatch = Omit<ErrorReportBatch, 'reports'> & { reports: unknown[] }

/**
 * Reports a device captured but could not keep (`droppedOnDevice` of a batch) are counted in
 * one group of their own, kind 'dropped', with this fixed message and no stack. They have no
 * report row, so nothing about them is linked to a user: a flood shows up in the group counts
 * (`GET /v1/admin/error-groups`) without its reports.
 */
export const DROPPED_ON_DEVICE = {
  kind: 'dropped',
  message: 'reports dropped on the device',
  topFrame: '',
} as const

const REPORT_KINDS: ErrorReportKind[] = ['error', 'unhandledrejection', 'pagenotfound', 'boundary']
const REPORT_FIELDS: ReadonlyArray<keyof ErrorReport> = [
  'kind',
  'message',
  'stack',
  'page',
  'appVersion',
  'baseLibrary',
  'platform',
  'occurredAt',
  'count',
]
/** The fields that hold text: all but `kind` (one of REPORT_KINDS) and `count` (a number). */
const TEXT_FIELDS = REPORT_FIELDS.filter((field) => field !== 'kind' && field !== 'count')
/**
 * An ISO 8601 time to the second or millisecond, with Z or an offset: the fixed-width parts
 * leave no room for a phone or ID number ("2026-11-25T13812345678Z" is refused).
 */
const OCCURRED_AT =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/
/**
 * A version such as 1.2.3 or 1.2.3-beta.1: parts of at most 3 digits, so no run of digits long
 * enough to be a phone or ID number. Empty when the app did not say.
 */
const APP_VERSION = /^(\d{1,3}\.\d{1,3}\.\d{1,3}(-[a-z]{1,10}(\.\d{1,3})?)?)?$/
/** WeChat's base library version, e.g. "3.7.1": 2 to 4 parts of at most 3 digits, or empty. */
const BASE_LIBRARY = /^(\d{1,3}(\.\d{1,3}){1,3})?$/
/** wx.getDeviceInfo's `platform` ("ios", "android", "devtools", "ohos"...) or "h5". */
const PLATFORM = /^[a-z0-9._-]*$/

/** A report that passed the checks, ready to store: its text scrubbed and cut. */
interface PreparedReport {
  index: number
  kind: ErrorReportKind
  message: string
  stack: string
  page: string
  appVersion: string
  baseLibrary: string
  platform: string
  occurredAt: string
  /** How many times it happened on the device, 1 to MAX_REPORT_COUNT. */
  count: number
  truncatedFields: ErrorReportTextField[]
}

/**
 * Error-report intake. Each report of a batch is checked on its own: an invalid one is dropped
 * with the reason, the others are kept. Every free-text field is scrubbed again here (the server
 * does not trust that the app scrubbed) and cut to its limit; reports are grouped by fingerprint,
 * each group counting the `count` of its reports, and the batch's reports (and its
 * `droppedOnDevice`) are written in one transaction before the route answers, so an
 * acknowledged report is on disk.
 */
export class Monitor {
  private readonly upsertGroup
  private readonly insertReport
  private readonly selectGroups
  private readonly selectLatestDecision

  constructor(private readonly db: Db) {
    // The user's latest decision in their own time (decided_at), arrival order breaking ties.
    this.selectLatestDecision = db.prepare(
      `SELECT decision FROM consents WHERE user_id = ? ORDER BY decided_at DESC, id DESC LIMIT 1`,
    )
    this.upsertGroup = db.prepare(
      `INSERT INTO error_groups (fingerprint, kind, message, top_frame, first_seen, last_seen, count)
         VALUES (@fingerprint, @kind, @message, @topFrame, @at, @at, @count)
       ON CONFLICT (fingerprint) DO UPDATE
         SET count = count + excluded.count, last_seen = excluded.last_seen,
             -- The same shape (the fingerprint hashes it), back again if the group had forgotten it.
             message = excluded.message, top_frame = excluded.top_frame`,
    )
    this.insertReport = db.prepare(
      `INSERT INTO error_reports
         (fingerprint, user_id, kind, message, stack, page, app_version, base_library, platform,
          occurred_at, count, received_at, truncated_fields)
       VALUES (@fingerprint, @userId, @kind, @message, @stack, @page, @appVersion, @baseLibrary,
               @platform, @occurredAt, @count, @at, @truncatedFields)`,
    )
    this.selectGroups = db.prepare(
      `SELECT g.fingerprint, g.kind, g.message, g.top_frame AS topFrame,
              g.first_seen AS firstSeen, g.last_seen AS lastSeen, g.count,
              count(r.id) AS reports, count(DISTINCT r.user_id) AS users
         FROM (SELECT * FROM error_groups ORDER BY count DESC, last_seen DESC LIMIT ?) AS g
         LEFT JOIN error_reports AS r ON r.fingerprint = g.fingerprint
        GROUP BY g.fingerprint
        ORDER BY g.count DESC, g.last_seen DESC`,
    )
  }

  /**
   * Stores the valid reports of a batch under `userId`, and counts its `droppedOnDevice` (if
   * more than 0) in the 'dropped' group, which has no user. `now` is the receiving time.
   * Throws ApiError 403 ERR_CONSENT_REQUIRED, keeping nothing of the batch, unless the user's
   * latest consent decision on record is 'agreed' (checked in the transaction that stores, so a
   * withdrawal cannot slip between the check and the write).
   */
  ingest(batch: UncheckedBatch, userId: string, now: Date): ErrorReportReceipt {
    const at = now.toISOString()
    const prepared: PreparedReport[] = []
    const dropped: ErrorReportDrop[] = []
    const droppedOnDevice = batch.droppedOnDevice ?? 0
    batch.reports.forEach((value, index) => {
      const checked = checkReport(value)
      if (typeof checked === 'string') dropped.push({ index, reason: checked })
      else prepared.push(prepareReport(checked, index))
    })
    const fingerprints = this.db.transaction(() => {
      const latest = getRow<{ decision: string }>(this.selectLatestDecision, userId)
      if (latest?.decision !== 'agreed') {
        throw new ApiError(
          403,
          'ERR_CONSENT_REQUIRED',
          'Error reports need your consent on record: send POST /v1/me/consent first.',
        )
      }
      if (droppedOnDevice > 0) {
        const { kind, message, topFrame } = DROPPED_ON_DEVICE
        this.upsertGroup.run({
          fingerprint: fingerprintOf(kind, message, topFrame),
          kind,
          message,
          topFrame,
          at,
          count: droppedOnDevice,
        })
      }
      return prepared.map((report) => {
        const topFrame = topFrameOf(report.stack)
        const fingerprint = fingerprintOf(report.kind, report.message, topFrame)
        // The group keeps the shape all its reports share, not this report's own text.
        this.upsertGroup.run({
          fingerprint,
          kind: report.kind,
          message: shapeOf(report.message),
          topFrame: shapeOf(topFrame),
          at,
          count: report.count,
        })
        this.insertReport.run({
          fingerprint,
          userId,
          kind: report.kind,
          message: report.message,
          stack: report.stack,
          page: report.page,
          appVersion: report.appVersion,
          baseLibrary: report.baseLibrary,
          platform: report.platform,
          occurredAt: report.occurredAt,
          count: report.count,
          at,
          truncatedFields: report.truncatedFields.join(','),
        })
        return fingerprint
      })
    })()
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
  return createHash('sha256')
    .update(`${kind}\n${shapeOf(message)}\n${shapeOf(topFrame)}`)
    .digest('hex')
    .slice(0, 16)
}

/**
 * A text's shape: every run of digits blanked to "#", white space squeezed to one space. All the
 * reports of one group share it (it is what their fingerprint hashes), so a group that shows its
 * shape shows nothing that is not in each of its reports: "timeout after 5123 ms" -> "timeout
 * after # ms".
 */
export function shapeOf(text: string): string {
  return text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim()
}

/**
 * Blanks the message and top frame of every group none of whose reports is kept any more (after
 * an erasure or a withdrawal deleted them): a shape is still the text of the user who sent it
 * (a name and a street address are words no scrubber recognises), so a group keeps it only while
 * one of its reports is kept. Counts and times stay; the 'dropped' group, whose text is fixed
 * and never a user's, is left alone. Run it in the transaction that deleted the reports.
 */
export function forgetGroupsWithoutReports(db: Db): void {
  db.prepare(
    `UPDATE error_groups SET message = '', top_frame = ''
      WHERE kind <> ? AND (message <> '' OR top_frame <> '')
        AND NOT EXISTS (SELECT 1 FROM error_reports AS r WHERE r.fingerprint = error_groups.fingerprint)`,
  ).run(DROPPED_ON_DEVICE.kind)
}

/**
 * The first line of a stack that names code (V8 `at ...` or JavaScriptCore `fn@file`; the app's
 * monitor reads frames the same way: src/security/monitor/report.ts), at most 300 characters.
 */
export function topFrameOf(stack: string): string {
  return firstFrameOf(stack).slice(0, 300)
}

/**
 * The report if it can be stored, or why not: which field, and what is allowed. Length is not
 * checked here: over-long text is cut, not refused (`prepareReport`).
 */
export function checkReport(value: unknown): ErrorReport | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'A report must be a JSON object.'
  }
  const report = value as Record<string, unknown>
  const unknown = Object.keys(report).filter(
    (key) => !(REPORT_FIELDS as readonly string[]).includes(key),
  )
  if (unknown.length > 0) {
    return `${quoted(unknown[0])} is not a report field; the fields are: ${REPORT_FIELDS.join(', ')}.`
  }
  if (!REPORT_KINDS.includes(report.kind as ErrorReportKind)) {
    return `"kind" must be one of: ${REPORT_KINDS.join(', ')}.`
  }
  for (const field of ['message', 'occurredAt']) {
    if (report[field] === undefined) return `"${field}" is required.`
  }
  for (const field of TEXT_FIELDS) {
    if (report[field] !== undefined && typeof report[field] !== 'string') {
      return `"${field}" must be text (a JSON string).`
    }
  }
  // JSON has one number type: 5 and 5.0 are the same number; 5.5 and "5" are refused.
  const count = report.count
  if (
    count !== undefined &&
    (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_REPORT_COUNT)
  ) {
    return `"count" must be a whole number from 1 to ${MAX_REPORT_COUNT}.`
  }
  const occurredAt = report.occurredAt as string
  if (!OCCURRED_AT.test(occurredAt) || Number.isNaN(Date.parse(occurredAt))) {
    return '"occurredAt" must be an ISO 8601 time such as 2026-11-25T06:29:00.000Z.'
  }
  if (report.appVersion !== undefined && !APP_VERSION.test(report.appVersion as string)) {
    return '"appVersion" must be a version such as 1.2.3 or 1.2.3-beta.1 (parts of up to 3 digits).'
  }
  if (report.baseLibrary !== undefined && !BASE_LIBRARY.test(report.baseLibrary as string)) {
    return '"baseLibrary" must be a version such as 3.7.1 (parts of up to 3 digits).'
  }
  if (report.platform !== undefined && !PLATFORM.test(report.platform as string)) {
    return '"platform" may contain only lowercase letters, digits, "-", "_" and ".".'
  }
  return report as unknown as ErrorReport
}

/**
 * Scrubs the report's text and cuts each field to its limit, noting which were cut. An absent
 * text field is stored as "" and an absent `count` as 1.
 *
 * Every text field is scrubbed: message, stack and page (free text), and also appVersion,
 * baseLibrary and platform, although `checkReport` has limited them to strict formats (a
 * version's parts hold at most 3 digits; "138.123.456.78" still passes, split beyond what the
 * scrubber recognises). Scrubbing short values costs next to nothing, and a real version or
 * platform name matches no scrubbing rule, so it is stored as sent. occurredAt is not scrubbed:
 * its strict format (OCCURRED_AT) has no room for anything but a time.
 */
function prepareReport(report: ErrorReport, index: number): PreparedReport {
  const truncatedFields: ErrorReportTextField[] = []
  const keep = (field: ErrorReportTextField, text: string): string => {
    // The same scrub-and-cut as the app's (report.ts): the server does not trust that it ran.
    const limit = REPORT_TEXT_LIMITS[field]
    const kept = scrubToLimit(text, limit)
    if (kept.cut) truncatedFields.push(field)
    return kept.text
  }
  return {
    index,
    kind: report.kind,
    message: keep('message', report.message),
    stack: keep('stack', report.stack ?? ''),
    page: keep('page', report.page ?? ''),
    appVersion: keep('appVersion', report.appVersion ?? ''),
    baseLibrary: keep('baseLibrary', report.baseLibrary ?? ''),
    platform: keep('platform', report.platform ?? ''),
    occurredAt: report.occurredAt,
    count: report.count ?? 1,
    truncatedFields,
  }
}
