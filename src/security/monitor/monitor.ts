/**
 * MONITOR: the app's error monitoring. Pure logic: the platform arrives as ports (the app binds
 * them to device storage, the consent service, the HTTPS client, timers and WeChat's realtime
 * log). report.ts turns what an error handler receives into a scrubbed report.
 *
 * Guarantees:
 * - Nothing unscrubbed is kept, logged or sent: a report is scrubbed when it is built, before it
 *   is queued, saved or written to the realtime log.
 * - CONSENT (PIPL): reports leave the device only while consent is 'allowed'. While the user has
 *   not chosen yet ('unknown') they are kept on the device for at most MAX_UNCONSENTED_AGE_MS,
 *   then dropped; once consent is given they are sent. 'refused' (declined or withdrawn) clears
 *   the queue and the counter, and nothing is captured afterwards. Any other answer of the consent
 *   port counts as 'refused': it fails closed.
 * - The realtime log is written only while consent is 'allowed' too: WeChat keeps it 7 days on
 *   its servers, searchable by the user's OpenID, so it is a personal-data sink like the server.
 * - Bounded: repeats of one problem (same fingerprint) raise the queued report's `count`; at most
 *   RATE_LIMIT new reports a minute and QUEUE_LIMIT in the queue (the oldest goes first). Every
 *   report lost to these is counted in `droppedOnDevice`, sent with the next batch.
 * - Delivery: batches of at most BATCH_LIMIT, a BATCH_DELAY_MS after a capture; one flush at a
 *   time; reports leave the queue only once the server answered (its `dropped` are invalid and
 *   are not sent again); a failure keeps everything and retries with backoff, RETRY_FIRST_MS
 *   doubling to RETRY_MAX_MS. A flush sends only what was queued when it began, so an error in a
 *   loop cannot become a request loop.
 * - A send refused with ERR_CONSENT_REQUIRED (the server has no 'agreed' on record, and the
 *   binding's one attempt to send the decision again did not help) is not retried on a timer
 *   nor at the next capture: the reports stay queued (bounded, counted when lost as above) until
 *   the consent changes (`consentChanged`), `flushNow` or the next start.
 * - Never recursive, never throws: the monitor's own failures (a port that throws, a failed send)
 *   are counted in `selfErrors`, never reported; a capture while the monitor is running (a port
 *   that makes the app's onError call `capture`) is ignored.
 * Limits: a report captured just before the app is killed may be lost if `save` did not finish;
 * what a port does asynchronously (an HTTPS client that reports its own failures) is the binding's
 * to keep away from `capture`.
 */
import { isAppError } from '../app-error'
import {
  BATCH_LIMIT,
  buildReport,
  COUNT_LIMIT,
  fingerprint,
  logLine,
  normalizeError,
  TEXT_LIMITS,
  type MonitorBatch,
  type MonitorReceipt,
  type MonitorReport,
  type ReportContext,
  type ReportKind,
} from './report'

/** The user's choice about error reports: none yet, yes, or no (declined or withdrawn). */
export type MonitorConsent = 'unknown' | 'allowed' | 'refused'

/** What `save` receives and `load` should give back: plain data, already scrubbed. */
export interface MonitorState {
  /** Oldest first. */
  reports: MonitorReport[]
  droppedOnDevice: number
}

export interface MonitorPorts {
  /** The last saved state; anything else (nothing, a foreign or corrupt value) counts as empty. */
  load(): unknown
  /** Keeps the state on the device (it must copy it, as device storage does). */
  save(state: MonitorState): void
  /** Asked before every capture and flush. */
  consent(): MonitorConsent
  /** One request (`POST /v1/monitor/errors`); rejects when it fails. */
  send(batch: MonitorBatch): Promise<MonitorReceipt>
  /** Milliseconds since the epoch. */
  now(): number
  setTimer(run: () => void, ms: number): unknown
  clearTimer(timer: unknown): void
  /** WeChat's realtime log: one scrubbed line per new report (see the header for when). */
  log?(line: string): void
  /** Where the app is now; read at each capture. */
  context(): ReportContext
}

export interface Monitor {
  /**
   * Records one error. `raw` is what the handler received (see normalizeError); `page` the route
   * it happened on, when the handler knows it better than `context()` (onPageNotFound: pass its
   * `path` here and a message as `raw`, never its `query`). Ignored while consent is refused.
   * Never throws.
   */
  capture(kind: ReportKind, raw: unknown, page?: string): void
  /**
   * Sends what is queued now if consent allows, whatever timer is pending (the app calls it in
   * onHide); joins a flush under way. Never rejects.
   */
  flushNow(): Promise<void>
  /** The consent answer may have changed: refused clears the queue and counter, allowed sends. */
  consentChanged(): void
  /** Drops every queued report and the drop counter (the user deleted their data). */
  clear(): void
  /** How many times the monitor's own code or a port failed (for tests and the bench). */
  readonly selfErrors: number
}

/**
 * The device storage key the app keeps the monitor's state under (its `load`/`save` ports):
 * named here so the data inventory and the binding agree on it.
 */
export const MONITOR_STORAGE_KEY = 'monitor.queue'
export const QUEUE_LIMIT = 30
/** New reports per RATE_WINDOW_MS; repeats of a queued one are only counted. */
export const RATE_LIMIT = 10
export const RATE_WINDOW_MS = 60_000
/** Captures close together go in one request. */
export const BATCH_DELAY_MS = 5000
export const RETRY_FIRST_MS = 30_000
export const RETRY_MAX_MS = 1_800_000
/** How long reports wait on the device for a consent that has not been given: 24 h. */
export const MAX_UNCONSENTED_AGE_MS = 86_400_000

interface Entry {
  /** The report's fingerprint: repeats of it raise its count. */
  key: string
  report: MonitorReport
}

/**
 * The monitor, with the stored queue loaded (and sent after BATCH_DELAY_MS when consent allows).
 * `now`, `setTimer` and `clearTimer` are read once, here.
 */
// A closure rather than a class: the weapp main package is small, and a minifier shortens local
// names but not property names.
export function createMonitor(ports: MonitorPorts): Monitor {
  const { now, setTimer, clearTimer } = ports
  let queue: Entry[] = []
  let dropped = 0
  let selfErrors = 0
  let busy = false
  let recent: number[] = [] // when the new reports of the last RATE_WINDOW_MS came
  let failures = 0 // failed sends in a row
  let held = false // the server refused for want of consent: wait for a consent change
  let timer: unknown
  let running: Promise<void> | undefined

  /** Runs one piece of the monitor: never inside another (re-entrancy), never throwing. */
  const guarded = <T>(work: () => T): T | undefined => {
    if (busy) return
    busy = true
    try {
      return work()
    } catch {
      selfErrors++
    } finally {
      busy = false
    }
  }
  /** A port call whose failure must not stop the rest. */
  const attempt = (call: () => void) => {
    try {
      call()
    } catch {
      selfErrors++
    }
  }
  /** One more report lost to the queue cap or the rate limit. */
  const lose = () => (dropped = Math.min(dropped + 1, COUNT_LIMIT))
  const save = () =>
    attempt(() => ports.save({ reports: queue.map((e) => e.report), droppedOnDevice: dropped }))
  const stop = () => {
    clearTimer(timer)
    timer = undefined
  }
  const schedule = (ms: number) => {
    stop()
    timer = setTimer(() => {
      timer = undefined
      void flushNow()
    }, ms)
  }

  /** The consent now, applied to what is kept: refused clears all, unknown drops the old. */
  const consent = (): MonitorConsent => {
    let answer = ports.consent()
    const before = queue.length + dropped
    if (answer === 'unknown') {
      queue = queue.filter((e) => now() - Date.parse(e.report.occurredAt) <= MAX_UNCONSENTED_AGE_MS)
    } else if (answer !== 'allowed') {
      answer = 'refused' // whatever the port said: fail closed
      queue = []
      dropped = 0
      stop()
    }
    if (queue.length + dropped !== before) save()
    return answer
  }

  const deliver = async () => {
    // Only what is queued now: captures that come meanwhile wait for the next flush.
    for (let rounds = Math.ceil(queue.length / BATCH_LIMIT); rounds > 0; rounds--) {
      const entries = queue.slice(0, BATCH_LIMIT)
      const batch = { reports: entries.map((e) => ({ ...e.report })), droppedOnDevice: dropped }
      const sent = guarded(() => {
        if (consent() !== 'allowed' || !entries.length) return
        stop()
        // In the guard, so that what `send` does synchronously cannot capture; a synchronous
        // throw becomes a rejection.
        return new Promise((resolve) => resolve(ports.send(batch)))
      })
      if (!sent) return
      try {
        await sent
      } catch (error) {
        selfErrors++
        // Retrying cannot help until the consent on record changes: no timer.
        if (isAppError(error, 'ERR_CONSENT_REQUIRED')) held = true
        else guarded(() => schedule(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures++)))
        return
      }
      guarded(() => {
        held = false
        failures = 0
        // Counted while the batch was on its way: kept for the next one. (Never below 0: a
        // refusal while it was on its way cleared the counter.)
        dropped = Math.max(0, dropped - batch.droppedOnDevice)
        entries.forEach((entry, i) => {
          const later = entry.report.count - batch.reports[i].count
          if (later > 0) entry.report.count = later
          else queue = queue.filter((e) => e !== entry)
        })
        save()
      })
    }
    guarded(() => {
      if (queue.length && timer === undefined && consent() === 'allowed') schedule(BATCH_DELAY_MS)
    })
  }

  // `deliver` never rejects: every port call in it is guarded or awaited in a try.
  const flushNow = () => (running ??= deliver().finally(() => (running = undefined)))

  guarded(() => {
    const state = ports.load()
    if (isState(state)) {
      queue = state.reports.slice(-QUEUE_LIMIT).map((report) => ({
        key: fingerprint(report),
        report: { ...report },
      }))
      dropped = state.droppedOnDevice
    }
    if (consent() === 'allowed' && queue.length) schedule(BATCH_DELAY_MS)
  })

  return {
    capture(kind, raw, page) {
      guarded(() => {
        const answer = consent()
        if (answer === 'refused') return
        const at = now()
        const context = ports.context()
        const report = buildReport(
          kind,
          normalizeError(raw),
          { ...context, page: page ?? context.page },
          at,
        )
        const key = fingerprint(report)
        const same = queue.find((e) => e.key === key)
        recent = recent.filter((time) => at - time < RATE_WINDOW_MS)
        if (same) {
          same.report.count = Math.min(same.report.count + 1, COUNT_LIMIT)
        } else if (recent.length >= RATE_LIMIT) {
          lose()
        } else {
          recent.push(at)
          if (queue.length >= QUEUE_LIMIT) {
            queue.shift()
            lose()
          }
          queue.push({ key, report })
          if (answer === 'allowed') attempt(() => ports.log?.(logLine(report)))
        }
        save()
        if (answer === 'allowed' && timer === undefined && !held) schedule(BATCH_DELAY_MS)
      })
    },
    flushNow,
    consentChanged() {
      held = false
      if (guarded(consent) === 'allowed') void flushNow()
    },
    clear() {
      guarded(() => {
        queue = []
        dropped = 0
        stop()
        save()
      })
    },
    get selfErrors() {
      return selfErrors
    },
  }
}

const KINDS = ['error', 'unhandledrejection', 'pagenotfound', 'boundary']

/**
 * True for what `save` wrote: anything else in storage (old, foreign, corrupt) is ignored. Only
 * report fields, text where text belongs: a report the server would refuse is never sent.
 */
function isState(value: unknown): value is MonitorState {
  const state = value as { droppedOnDevice?: unknown; reports?: Array<Record<string, unknown>> }
  return (
    isCount(state?.droppedOnDevice, 0) &&
    Array.isArray(state?.reports) &&
    state.reports.every(
      (report) =>
        KINDS.includes(report?.kind as string) &&
        isCount(report.count, 1) &&
        typeof report.message === 'string' &&
        Date.parse(report.occurredAt as string) > 0 &&
        Object.keys(report).every(
          (key) =>
            key === 'kind' ||
            key === 'count' ||
            ((key in TEXT_LIMITS || key === 'occurredAt') && typeof report[key] === 'string'),
        ),
    )
  )
}

/** An integer from `least` to COUNT_LIMIT. */
function isCount(value: unknown, least: number): boolean {
  return Number.isInteger(value) && (value as number) >= least && (value as number) <= COUNT_LIMIT
}
