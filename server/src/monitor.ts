import { createHash } from 'node:crypto'
import type { ErrorReport, ErrorReportReceipt } from '../../src/services/api-contract'
import { scrub } from '../../src/security/sensitive/scrub'
import type { Db } from './database'

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
 * Error-report intake. Every text field is scrubbed again here (the server does not trust that
 * the app scrubbed), reports are grouped by fingerprint with counts, and the whole batch is
 * written in one transaction before the route answers, so an acknowledged report is on disk.
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
         (fingerprint, user_id, kind, message, stack, page, app_version, occurred_at, received_at)
       VALUES (@fingerprint, @userId, @kind, @message, @stack, @page, @appVersion, @occurredAt, @at)`,
    )
    this.selectGroups = db.prepare(
      `SELECT fingerprint, kind, message, top_frame AS topFrame, first_seen AS firstSeen,
              last_seen AS lastSeen, count
         FROM error_groups ORDER BY count DESC, last_seen DESC LIMIT ?`,
    )
  }

  ingest(reports: ErrorReport[], userId: string, now: Date): ErrorReportReceipt {
    const at = now.toISOString()
    const fingerprints = this.db.transaction(() =>
      reports.map((report) => {
        const message = scrub(report.message)
        const stack = scrub(report.stack ?? '')
        const topFrame = topFrameOf(stack)
        const fingerprint = fingerprintOf(report.kind, message, topFrame)
        this.upsertGroup.run({ fingerprint, kind: report.kind, message, topFrame, at })
        this.insertReport.run({
          fingerprint,
          userId,
          kind: report.kind,
          message,
          stack,
          page: scrub(report.page ?? ''),
          appVersion: report.appVersion ?? '',
          occurredAt: report.occurredAt,
          at,
        })
        return fingerprint
      }),
    )()
    return { accepted: reports.length, fingerprints }
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
    .find((line) => line.startsWith('at ') || /^[^\s]*@\S+/.test(line))
  return (frame ?? '').slice(0, 300)
}
