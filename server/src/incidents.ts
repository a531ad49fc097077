import { randomUUID } from 'node:crypto'
import { ApiError } from './api-error'
import { getRow, type Db } from './database'

export interface Incident {
  id: string
  message: string
  startedAt: string
  endedAt: string | null
  retryAfterSeconds: number
}

export type OpenIncident = Omit<Incident, 'endedAt'>

/**
 * How long a process may answer from its last look at the incidents table. Every response
 * asks whether an incident is open, so the answer is cached briefly; an incident opened by
 * another process or by `npm run incident` is still reflected within 2 seconds (the kill
 * switch's promise). Changes made through this object are seen at once.
 */
export const INCIDENT_CACHE_MS = 1000

const SELECT_COLUMNS = `id, message, started_at AS startedAt, ended_at AS endedAt,
  retry_after_seconds AS retryAfterSeconds`

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
      `SELECT id, message, started_at AS startedAt, retry_after_seconds AS retryAfterSeconds
         FROM incidents WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1`,
    )
    this.insert = db.prepare(
      `INSERT INTO incidents (id, message, started_at, retry_after_seconds) VALUES (?, ?, ?, ?)`,
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
      this.cached = { value: getRow<OpenIncident>(this.selectOpen), readAt: clock }
    }
    return this.cached.value
  }

  /** Open an incident; refused with ERR_INCIDENT_ALREADY_OPEN while one is open. */
  open(message: string, retryAfterSeconds: number): OpenIncident {
    const incident = this.db.transaction((): OpenIncident => {
      const existing = getRow<OpenIncident>(this.selectOpen)
      if (existing) {
        throw new ApiError(409, 'ERR_INCIDENT_ALREADY_OPEN', `Incident ${existing.id} is open.`)
      }
      const opened = {
        id: `inc-${randomUUID()}`,
        message,
        startedAt: this.now().toISOString(),
        retryAfterSeconds,
      }
      this.insert.run(opened.id, opened.message, opened.startedAt, opened.retryAfterSeconds)
      return opened
    })()
    this.cached = undefined
    return incident
  }

  /** Close the open incident; ERR_NO_OPEN_INCIDENT when there is none. */
  end(): Incident {
    const ended = this.db.transaction((): Incident => {
      const open = getRow<OpenIncident>(this.selectOpen)
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
    return this.selectRecent.all(limit) as Incident[]
  }
}
