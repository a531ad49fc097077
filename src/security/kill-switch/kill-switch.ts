/**
 * INCIDENT: the kill switch's app half, and the local emergency lock. Pure logic: the platform
 * arrives as ports (src/services/app-kill-switch.ts binds them to the HTTPS client, Taro's
 * navigation, the secure store and timers). Runbook: docs/incident-response.md.
 *
 * Guarantees:
 * - An incident (a status answer saying so, or the maintenance header on any response) takes the
 *   app to the maintenance page and refuses every request but the status poll, until a status
 *   answer says it ended; then the app goes home by itself. A request refused for maintenance
 *   while it lasts (a page opened by a link, a request already on the wire) takes the user back
 *   to the maintenance page: never to an error text.
 * - While it lasts the status is polled with exponential backoff: 5 s doubling to 5 min, each
 *   delay jittered to between half and all of its step so a million phones do not poll in step.
 * - In normal times the app asks at launch, on every return to the foreground, and every
 *   WATCH_MS (jittered the same way) while it stays in the foreground, so an app left open on
 *   a page learns of an incident within WATCH_MS even if it sends nothing else. In the
 *   background it does not poll (`pause`; WeChat suspends a hidden mini program's timers soon
 *   anyway). The answer is a few bytes and the same for everyone, so a CDN can serve it.
 * - FAIL OPEN: a status that cannot be had (offline, timeout, 5xx, a body that breaks the
 *   contract) changes nothing: the last known state holds, and at launch that is "no incident".
 *   Failing closed would lock every offline user out of the cached weather over a network error
 *   and protect nothing (the server decides on each request); the header on the next answer that
 *   does arrive closes the gap.
 * - LOCAL LOCK: LOCK_THRESHOLD integrity failures of sealed storage in one run wipe the store,
 *   refuse every request and show the maintenance page until the app is started again. It never
 *   asks the server to go offline: one device must not decide for every user.
 * Limits: it keeps a well-behaved app quiet and tells users; the server is the real gate. A
 * request already on the wire when the incident becomes known is not recalled.
 */

/** `GET /v1/status` as the kill switch reads it (the API contract's StatusResponse). */
export interface IncidentStatus {
  maintenance: boolean
  message?: string
  /** ISO 8601 time the incident was opened. */
  since?: string
  /** ISO 8601 time the operator expects it to end (only when they said so). */
  expectedEndAt?: string
}

export type KillSwitchState =
  | { mode: 'normal' }
  | { mode: 'incident'; message?: string; since?: string; expectedEndAt?: string }
  | { mode: 'locked' }

export interface KillSwitchPorts {
  /** One status request; throws (an AppError) when it cannot be had. */
  fetchStatus(): Promise<IncidentStatus>
  /** Which requests the HTTPS client lets through: all, the status poll only, or none. */
  allow(what: 'all' | 'status' | 'none'): void
  /** Opens the page (the adapter skips it when that page is already showing). */
  navigate(to: 'maintenance' | 'home'): void
  /** Wipes the sealed store (local lock). */
  wipe(): Promise<void>
  /** Records what happened, for MONITOR: codes only. */
  report(event: { type: 'incident.lock'; code: string }): void
  setTimer(run: () => void, ms: number): unknown
  clearTimer(timer: unknown): void
  /** [0, 1) for jitter. */
  random(): number
}

export const POLL_FIRST_MS = 5000
export const POLL_MAX_MS = 300_000
/** The status check while there is no incident and the app is in the foreground: 15-30 s. */
export const WATCH_MS = 30_000
/**
 * Three: one failed check has honest causes (a write cut short by a crash, a storage glitch) and
 * the store already discards that item; three in one run means something keeps changing sealed
 * data on this device. Counted per run only: a count kept in storage could be tampered with too.
 */
export const LOCK_THRESHOLD = 3

/** The step before jitter of poll `attempt` (0-based): 5 s, 10 s, 20 s ... 5 min. */
export function pollDelay(attempt: number, random: number): number {
  const step = Math.min(POLL_MAX_MS, POLL_FIRST_MS * 2 ** attempt)
  return Math.round(step * (0.5 + random / 2))
}

export interface KillSwitch {
  readonly state: KillSwitchState
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (state: KillSwitchState) => void): () => void
  /**
   * Launch, return to the foreground, the retry button: ask the server now, and keep asking
   * (every WATCH_MS, or with backoff during an incident) until `pause`. Never throws.
   */
  check(): Promise<void>
  /** The app went to the background: no status requests until the next `check`. */
  pause(): void
  /**
   * A response carried the maintenance header, or the client refused a request for maintenance:
   * the incident is open, whatever the status says, and the user belongs on the maintenance page.
   */
  maintenanceSeen(): void
  /** A sealed item failed its integrity check (ERR_TAMPERED); the LOCK_THRESHOLD-th locks. */
  tamperSeen(): void
}

// A closure rather than a class: the weapp main package is small, and a minifier shortens local
// names but not property names.
export function createKillSwitch(ports: KillSwitchPorts): KillSwitch {
  const { fetchStatus, allow, navigate, report, setTimer, clearTimer } = ports
  const listeners = new Set<(state: KillSwitchState) => void>()
  let state: KillSwitchState = { mode: 'normal' }
  let attempt = 0
  let tampered = 0
  let timer: unknown
  let running: Promise<void> | undefined
  let paused = false

  const set = (
    next: KillSwitchState,
    what: 'all' | 'status' | 'none',
    to?: 'maintenance' | 'home',
  ) => {
    state = next
    allow(what)
    if (to) navigate(to)
    listeners.forEach((listener) => listener(next))
  }
  const open = ({ message, since, expectedEndAt }: Omit<IncidentStatus, 'maintenance'>) =>
    set(
      { mode: 'incident', message, since, expectedEndAt },
      'status',
      state.mode === 'incident' ? undefined : 'maintenance',
    )

  const poll = async () => {
    if (state.mode === 'locked') return
    clearTimer(timer)
    try {
      const status = await fetchStatus()
      if (status.maintenance) {
        open(status)
      } else if (state.mode === 'incident') {
        attempt = 0
        set({ mode: 'normal' }, 'all', 'home')
      }
    } catch {
      // FAIL OPEN: the last known state holds (see the header comment). An unreachable status
      // is normal (offline, a weak network): it is not an error to report.
    }
    // The lock may have come while the request was out (TypeScript cannot see that).
    if (paused || (state as KillSwitchState).mode === 'locked') return
    const delay =
      state.mode === 'incident'
        ? pollDelay(attempt++, ports.random())
        : Math.round(WATCH_MS * (0.5 + ports.random() / 2))
    timer = setTimer(() => void check(), delay)
  }
  // One status request at a time: a second caller waits for the answer already coming.
  const check = () => {
    paused = false
    return (running ??= poll().finally(() => (running = undefined)))
  }

  return {
    get state() {
      return state
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    check,
    pause() {
      paused = true
      clearTimer(timer)
    },
    maintenanceSeen() {
      // Already known: a page that still asked was opened around the gate (the adapter skips
      // the navigation when the maintenance page is showing).
      if (state.mode !== 'normal') return navigate('maintenance')
      open({})
      void check()
    },
    tamperSeen() {
      if (++tampered < LOCK_THRESHOLD || state.mode === 'locked') return
      clearTimer(timer)
      set({ mode: 'locked' }, 'none', 'maintenance')
      report({ type: 'incident.lock', code: 'ERR_TAMPERED' })
      ports.wipe().catch((error: { code?: string }) => {
        report({ type: 'incident.lock', code: error?.code ?? 'ERR_STORAGE_FAILED' })
      })
    },
  }
}
