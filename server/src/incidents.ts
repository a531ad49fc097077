import { randomUUID } from 'node:crypto'
import { ApiError } from './api-error'
import { getRow, type Db } from './database'

export interface Incident {
  id: string
  message: string
  startedAt: string
  endedAt: string | null
  /** What the status tells apps to wait before asking again: the operator's, else 300. */
  retryAfterSeconds: number
  /** startedAt + the operator's retry-after, when they gave one: shown as "预计 … 恢复". */
  expectedEndAt?: string
}

export type OpenIncident = Omit<Incident, 'endedAt'>

/**
 * How long a process may answer from its last look at the incidents table. Every response
 * asks whether an incident is open, so the answer is cached briefly; an incident opened by
 * another process or by `npm run incident` is still reflected within 2 seconds (the kill
 * switch's promise). Changes made through this object are seen at once.
 */
export const INCIDENT_CACHE_MS = 1000

const OPEN_COLUMNS = `id, message, started_at AS startedAt,
  retry_after_seconds AS retryAfterSeconds, expected_end_at AS expectedEndAt`
const SELECT_COLUMNS = `${OPEN_COLUMNS}, ended_at AS endedAt`

/** A row as the API answers it: no expectedEndAt when the operator gave none (NULL). */
function withoutNull<T extends { expectedEndAt?: string | null }>(row: T | undefined) {
  if (row?.expectedEndAt !== null) return row
  const { expectedEndAt: _none, ...rest } = row
  return rest as T
}

/** Apps poll again after this long when the operator gave no retry-after. */
const DEFAULT_RETRY_AFTER_SECONDS = 300

/** The kill switch's state: at most one open incident at a time, kept in SQLite. */
export class Incidents {
  private cached: { value: OpenIncident | undefined; readAt: number } | undefined
  private readonly selectOpen
  private readonly insert
  private readonly close
  private readonly selectRecent

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.selectOpen = db.prepare(
      `SELECT ${OPEN_COLUMNS} FROM incidents WHERE ended_at IS NULL
         ORDER BY started_at DESC LIMIT 1`,
    )
    this.insert = db.prepare(
      `INSERT INTO incidents (id, message, started_at, retry_after_seconds, expected_end_at)
         VALUES (?, ?, ?, ?, ?)`,
    )
    this.close = db.prepare(`UPDATE incidents SET ended_at = ? WHERE ended_at IS NULL`)
    this.selectRecent = db.prepare(
      `SELECT ${SELECT_COLUMNS} FROM incidents ORDER BY started_at DESC LIMIT ?`,
    )
  }

  /** The open incident, if any: at most INCIDENT_CACHE_MS old. */
  current(): OpenIncident | undefined {
    const clock = performance.now()
    if (!this.cached || clock - this.cached.readAt >= INCIDENT_CACHE_MS) {
      this.cached = { value: withoutNull(getRow<OpenIncident>(this.selectOpen)), readAt: clock }
    }
    return this.cached.value
  }

  /**
   * Open an incident; refused with ERR_INCIDENT_ALREADY_OPEN while one is open.
   * `retryAfterSeconds`: the operator's estimate of how long it lasts, if they gave one.
   */
  open(message: string, retryAfterSeconds?: number): OpenIncident {
    const incident = this.db.transaction((): OpenIncident => {
      const existing = getRow<OpenIncident>(this.selectOpen)
      if (existing) {
        throw new ApiError(409, 'ERR_INCIDENT_ALREADY_OPEN', `Incident ${existing.id} is open.`)
      }
      const started = this.now()
      const opened: OpenIncident = {
        id: `inc-${randomUUID()}`,
        message,
        startedAt: started.toISOString(),
        retryAfterSeconds: retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
        ...(retryAfterSeconds !== undefined && {
          expectedEndAt: new Date(started.getTime() + retryAfterSeconds * 1000).toISOString(),
        }),
      }
      this.insert.run(
        opened.id,
        opened.message,
        opened.startedAt,
        opened.retryAfterSeconds,
        opened.expectedEndAt ?? null,
      )
      return opened
    })()
    this.cached = undefined
    return incident
  }

  /** Close the open incident; ERR_NO_OPEN_INCIDENT when there is none. */
  end(): Incident {
    const ended = this.db.transaction((): Incident => {
      const open = withoutNull(getRow<OpenIncident>(this.selectOpen))
      if (!open) throw new ApiError(409, 'ERR_NO_OPEN_INCIDENT', 'No incident is open.')
      const endedAt = this.now().toISOString()
      this.close.run(endedAt)
      return { ...open, endedAt }
    })()
    this.cached = undefined
    return ended
  }

  /** The latest incidents, open or closed, newest first. */
  recent(limit = 50): Incident[] {
    return (this.selectRecent.all(limit) as Incident[]).map((row) => withoutNull(row) as Incident)
  }
}
