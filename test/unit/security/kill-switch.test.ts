import { AppError } from '../../../src/security/app-error'
import {
  createKillSwitch,
  LOCK_THRESHOLD,
  WATCH_MS,
  pollDelay,
  type IncidentStatus,
  type KillSwitchPorts,
} from '../../../src/security/kill-switch/kill-switch'
import { HttpsClient } from '../../../src/security/transport/https-client'
import { parseStatusResponse } from '../../../src/services/api-contract'

// INCIDENT: the kill switch's decisions through scripted ports and a fake clock. The same logic on
// the real weapp build against the real server: test/weapp/incident-journey.test.ts.

const OPEN: IncidentStatus = {
  maintenance: true,
  message: '系统维护中',
  since: '2026-11-25T06:30:00.000Z',
}
const CLOSED: IncidentStatus = { maintenance: false }
const OFFLINE = new AppError('ERR_NETWORK', 'GET /v1/status: the request failed')

/** Ports that record what the kill switch did; `answers` are the status answers in order. */
function harness(answers: Array<IncidentStatus | AppError>, random = 0.5) {
  const log: string[] = []
  const timers: Array<{ run: () => void; ms: number; cleared: boolean }> = []
  let asked = 0
  const ports: KillSwitchPorts = {
    fetchStatus: async () => {
      const answer = answers[Math.min(asked++, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return answer
    },
    allow: (what) => log.push(`allow ${what}`),
    navigate: (to) => log.push(`go ${to}`),
    wipe: async () => void log.push('wipe'),
    report: (event) => log.push(`report ${event.type} ${event.code}`),
    setTimer: (run, ms) => {
      const timer = { run, ms, cleared: false }
      timers.push(timer)
      return timer
    },
    clearTimer: (timer) => {
      if (timer) (timer as { cleared: boolean }).cleared = true
    },
    random: () => random,
  }
  const killSwitch = createKillSwitch(ports)
  /** The fake clock: runs the one pending poll timer and waits for its check. */
  const tick = async () => {
    const pending = timers.filter((t) => !t.cleared)
    expect(pending).toHaveLength(1)
    pending[0].cleared = true
    pending[0].run()
    await killSwitch.check() // joins the check the timer started
  }
  const pendingDelays = () => timers.filter((t) => !t.cleared).map((t) => t.ms)
  return { killSwitch, ports, log, timers, tick, pendingDelays, asked: () => asked }
}

describe('a status check (launch, foreground, retry)', () => {
  test.each<[string, IncidentStatus | AppError, string, string[]]>([
    ['closed', CLOSED, 'normal', []],
    ['open', OPEN, 'incident', ['allow status', 'go maintenance']],
    // FAIL OPEN: no answer at launch keeps "no incident" (an offline user keeps the cached weather).
    ['unreachable', OFFLINE, 'normal', []],
    ['timed out', new AppError('ERR_TIMEOUT', 'x'), 'normal', []],
    ['5xx', new AppError('ERR_SERVER', 'x'), 'normal', []],
  ])('from normal, %s -> %s', async (_label, answer, mode, log) => {
    const h = harness([answer])
    await h.killSwitch.check()
    expect(h.killSwitch.state.mode).toBe(mode)
    expect(h.log).toEqual(log)
  })

  test('open keeps the message and the start time for the page, and polls', async () => {
    const h = harness([OPEN])
    await h.killSwitch.check()
    expect(h.killSwitch.state).toEqual({
      mode: 'incident',
      message: '系统维护中',
      since: '2026-11-25T06:30:00.000Z',
    })
    // Random 0.5: three quarters of the 5 s step.
    expect(h.pendingDelays()).toEqual([3750])
  })

  test.each<[string, IncidentStatus | AppError, string, string]>([
    ['still open', OPEN, 'incident', 'allow status'],
    ['closed', CLOSED, 'normal', 'allow all,go home'],
    // Last known state: a failed poll during an incident does not end it.
    ['unreachable', OFFLINE, 'incident', ''],
  ])('during an incident, %s -> %s', async (_label, answer, mode, log) => {
    const h = harness([OPEN, answer])
    await h.killSwitch.check()
    h.log.length = 0
    await h.tick()
    expect(h.killSwitch.state.mode).toBe(mode)
    expect(h.log.join(',')).toBe(log)
    // One timer either way: the backoff poll during an incident, the foreground watch after it.
    expect(h.pendingDelays()).toEqual([mode === 'incident' ? 7500 : 22500])
  })

  test('goes to the maintenance page once per incident, however often the status confirms it', async () => {
    const h = harness([OPEN])
    await h.killSwitch.check()
    await h.killSwitch.check()
    await h.tick()
    expect(h.log.filter((line) => line.startsWith('go'))).toEqual(['go maintenance'])
  })

  test('a request refused for maintenance during the incident (a page opened by a link) goes back to the maintenance page', async () => {
    const h = harness([OPEN])
    await h.killSwitch.check()
    h.killSwitch.maintenanceSeen()
    expect(h.log.filter((line) => line.startsWith('go'))).toEqual([
      'go maintenance',
      'go maintenance',
    ])
    expect(h.asked()).toBe(1) // nothing new to ask: the incident is known
  })

  test("the operator's expected end reaches the state the maintenance page shows", async () => {
    const h = harness([{ ...OPEN, expectedEndAt: '2026-11-25T07:00:00.000Z' }])
    await h.killSwitch.check()
    expect(h.killSwitch.state).toEqual({
      mode: 'incident',
      message: '系统维护中',
      since: OPEN.since,
      expectedEndAt: '2026-11-25T07:00:00.000Z',
    })
  })

  test('the retry button polls at once and replaces the pending poll; concurrent checks share one request', async () => {
    const h = harness([OPEN, OPEN, CLOSED])
    await h.killSwitch.check()
    await Promise.all([h.killSwitch.check(), h.killSwitch.check()])
    expect(h.asked()).toBe(2)
    expect(h.timers.filter((t) => !t.cleared)).toHaveLength(1)
    await h.killSwitch.check()
    expect(h.killSwitch.state.mode).toBe('normal')
    // Back to the foreground watch (random 0.5: three quarters of WATCH_MS).
    expect(h.pendingDelays()).toEqual([0.75 * WATCH_MS])
  })

  test('in normal times it asks again every 15-30 s while in the foreground, so an app left open learns of an incident', async () => {
    const h = harness([CLOSED, CLOSED, OPEN])
    await h.killSwitch.check()
    expect(h.pendingDelays()).toEqual([22500])
    await h.tick()
    expect(h.killSwitch.state.mode).toBe('normal')
    await h.tick()
    expect(h.asked()).toBe(3)
    expect(h.killSwitch.state.mode).toBe('incident')
    expect(h.log).toEqual(['allow status', 'go maintenance'])
  })

  test('pause (the app hidden) stops every poll until the next check; a failed check keeps watching', async () => {
    const h = harness([OPEN, OFFLINE])
    await h.killSwitch.check()
    h.killSwitch.pause()
    expect(h.pendingDelays()).toEqual([])
    expect(h.asked()).toBe(1)
    await h.killSwitch.check() // back to the foreground: asks at once, fails, keeps the incident
    expect(h.killSwitch.state.mode).toBe('incident')
    expect(h.pendingDelays()).toHaveLength(1)
  })

  test('subscribers hear every change and can leave', async () => {
    const h = harness([OPEN, CLOSED])
    const seen: string[] = []
    const leave = h.killSwitch.subscribe((state) => seen.push(state.mode))
    await h.killSwitch.check()
    await h.tick()
    leave()
    await h.killSwitch.check()
    expect(seen).toEqual(['incident', 'normal'])
  })
})

describe('the maintenance header on any response', () => {
  test('opens the incident at once (only the status poll may go out), then asks for the message', async () => {
    const h = harness([OPEN])
    h.killSwitch.maintenanceSeen()
    expect(h.log).toEqual(['allow status', 'go maintenance'])
    expect(h.killSwitch.state).toEqual({ mode: 'incident' })
    await h.killSwitch.check()
    expect(h.killSwitch.state).toMatchObject({ mode: 'incident', message: '系统维护中' })
    expect(h.log).toEqual(['allow status', 'go maintenance', 'allow status'])
  })

  test('holds while the status cannot be had (the server did say so), and ends when it says closed', async () => {
    const h = harness([OFFLINE, OFFLINE, CLOSED])
    h.killSwitch.maintenanceSeen()
    await h.killSwitch.check()
    expect(h.killSwitch.state.mode).toBe('incident')
    await h.tick()
    expect(h.killSwitch.state.mode).toBe('incident')
    await h.tick()
    expect(h.killSwitch.state.mode).toBe('normal')
    expect(h.log.slice(-2)).toEqual(['allow all', 'go home'])
  })
})

describe('backoff', () => {
  test('5 s doubling to 5 min, jittered between half and all of each step', () => {
    const steps = [5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]
    expect(steps.map((_, i) => pollDelay(i, 0.999999))).toEqual(steps)
    expect(steps.map((_, i) => pollDelay(i, 0))).toEqual(steps.map((s) => s / 2))
    expect(pollDelay(40, 0.5)).toBe(225_000)
  })

  test('the schedule a long incident follows on the fake clock, restarting after it ends', async () => {
    const h = harness([...Array<IncidentStatus>(9).fill(OPEN), CLOSED, OPEN], 0.999999)
    await h.killSwitch.check()
    const delays: number[] = []
    for (let i = 0; i < 8; i++) {
      delays.push(...h.pendingDelays())
      await h.tick()
    }
    expect(delays).toEqual([5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000])
    await h.tick() // closed
    expect(h.killSwitch.state.mode).toBe('normal')
    await h.killSwitch.check() // a new incident starts again at 5 s
    expect(h.pendingDelays()).toEqual([5000])
  })
})

describe('bad status bodies: ERR_BAD_RESPONSE, and the last known state holds (fail open)', () => {
  const client = (body: unknown) =>
    new HttpsClient({
      allowedOrigins: ['https://api.example.com'],
      request: async () => ({ status: 200, headers: {}, body }),
      randomBytes: async (n) => new Uint8Array(n),
      now: () => 0,
    })
  test.each<[string, unknown]>([
    ['not JSON', '<html>维护</html>'],
    ['null', null],
    ['a list', [{ maintenance: true }]],
    ['no maintenance', {}],
    ['maintenance as text', { maintenance: 'true' }],
    ['maintenance as a number', { maintenance: 1 }],
    ['open without a message', { maintenance: true }],
    ['a message that is not text', { maintenance: true, message: { text: 'x' } }],
    ['since that is not a time', { maintenance: true, message: 'x', since: 'yesterday' }],
    ['since as a number', { maintenance: true, message: 'x', since: 1795650600000 }],
    ['an expected end that is not a time', { maintenance: true, message: 'x', expectedEndAt: '' }],
    ['an expected end as a number', { maintenance: true, message: 'x', expectedEndAt: 17956 }],
  ])('%s', async (_label, body) => {
    for (const start of [CLOSED, OPEN]) {
      const h = harness([start])
      const fetchStatus = () =>
        client(body).call({
          method: 'GET',
          url: 'https://api.example.com/v1/status',
          parse: parseStatusResponse,
        })
      // The typed error the kill switch gets...
      await expect(fetchStatus()).rejects.toMatchObject({ code: 'ERR_BAD_RESPONSE' })
      // ...and what it does with it: nothing (the last known state holds).
      const killSwitch = createKillSwitch({ ...h.ports, fetchStatus })
      if (start.maintenance) killSwitch.maintenanceSeen()
      await killSwitch.check()
      expect(killSwitch.state.mode).toBe(start.maintenance ? 'incident' : 'normal')
      expect(h.log.filter((line) => line.startsWith('go'))).toEqual(
        start.maintenance ? ['go maintenance'] : [],
      )
    }
  })

  test('good bodies are copied field by field', () => {
    expect(parseStatusResponse({ maintenance: false, message: 'x' })).toEqual({
      maintenance: false,
    })
    expect(parseStatusResponse({ ...OPEN, incidentId: 'inc-1', retryAfterSeconds: 60 })).toEqual(
      OPEN,
    )
    const expectedEndAt = '2026-11-25T07:00:00.000Z'
    expect(parseStatusResponse({ ...OPEN, expectedEndAt })).toEqual({ ...OPEN, expectedEndAt })
  })
})

describe('the local emergency lock', () => {
  test(`${LOCK_THRESHOLD} tampered items in one run lock: no request at all, the store wiped, reported`, async () => {
    expect(LOCK_THRESHOLD).toBe(3)
    const h = harness([CLOSED])
    h.killSwitch.tamperSeen()
    h.killSwitch.tamperSeen()
    expect(h.killSwitch.state.mode).toBe('normal')
    expect(h.log).toEqual([])
    h.killSwitch.tamperSeen()
    await Promise.resolve()
    expect(h.killSwitch.state).toEqual({ mode: 'locked' })
    expect(h.log).toEqual([
      'allow none',
      'go maintenance',
      'report incident.lock ERR_TAMPERED',
      'wipe',
    ])
    // Locked until the app starts again: no status poll, no header, no second wipe unlocks it;
    // a refused request only sends the user back to the maintenance page.
    h.killSwitch.tamperSeen()
    h.killSwitch.maintenanceSeen()
    await h.killSwitch.check()
    expect(h.asked()).toBe(0)
    expect(h.killSwitch.state).toEqual({ mode: 'locked' })
    expect(h.log.slice(4)).toEqual(['go maintenance'])
  })

  test('locks during an incident too, and stops polling', async () => {
    const h = harness([OPEN])
    await h.killSwitch.check()
    for (let i = 0; i < LOCK_THRESHOLD; i++) h.killSwitch.tamperSeen()
    expect(h.killSwitch.state.mode).toBe('locked')
    expect(h.pendingDelays()).toEqual([])
  })

  test('a wipe that fails is reported with its code; the lock holds', async () => {
    const h = harness([CLOSED])
    const killSwitch = createKillSwitch({
      ...h.ports,
      wipe: async () => {
        throw new AppError('ERR_STORAGE_FAILED', 'x')
      },
    })
    for (let i = 0; i < LOCK_THRESHOLD; i++) killSwitch.tamperSeen()
    await new Promise((resolve) => setImmediate(resolve))
    expect(killSwitch.state.mode).toBe('locked')
    expect(h.log).toContain('report incident.lock ERR_STORAGE_FAILED')
  })
})
