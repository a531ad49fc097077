import Taro from '@tarojs/taro'
import { createKillSwitch } from '../security/kill-switch/kill-switch'
import { apiClient } from './api-client'
import { API_ROUTES, parseStatusResponse } from './api-contract'
import { secureStore } from './device-store'
import { emitSecurityEvent, onSecurityEvent } from './security-events'
import { API_ORIGIN } from './settings'

const MAINTENANCE_PAGE = 'pages/maintenance/index'

/** Where a reLaunch still under way is going: a second signal meanwhile is the same trip. */
let going: 'maintenance' | 'home' | undefined

/** Opens home or the maintenance page, unless it is already showing or on its way. */
function show(to: 'maintenance' | 'home'): void {
  // On H5 the route starts with '/', on weapp it does not.
  const here = Taro.getCurrentPages().pop()?.route ?? ''
  if ((to === 'maintenance') === here.endsWith(MAINTENANCE_PAGE) || going === to) return
  going = to
  Taro.reLaunch({ url: to === 'home' ? '/pages/home/index' : `/${MAINTENANCE_PAGE}` })
    .catch(() => undefined) // WeChat shows its own error; the next poll tries again.
    .finally(() => (going = undefined))
}

/**
 * Puts the user where the kill switch's state says: the maintenance page while an incident is
 * open or the app is locked, home otherwise. Every other page calls it when it shows during an
 * incident (hooks/use-kill-switch-gate.ts: an H5 address, a link, the navigation bar's home
 * button, which the maintenance page cannot hide on H5); the maintenance page's 重试 calls it
 * after asking the server, so a page opened by an old link, with no incident, leads home.
 */
export function followKillSwitch(): void {
  show(killSwitch.state.mode === 'normal' ? 'home' : 'maintenance')
}

/**
 * The app's kill switch (INCIDENT; the logic and its decisions: kill-switch.ts). app.ts checks the
 * status at launch and on every return to the foreground; the maintenance page shows its state.
 */
export const killSwitch = createKillSwitch({
  fetchStatus: () =>
    apiClient.call({
      method: 'GET',
      url: API_ORIGIN + API_ROUTES.status,
      parse: parseStatusResponse,
    }),
  allow: (what) =>
    apiClient.restrict(what === 'all' ? undefined : what === 'status' ? [API_ROUTES.status] : []),
  navigate: show,
  wipe: () => secureStore.wipe(),
  report: emitSecurityEvent,
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  // Jitter only spreads polls out in time; it guards no secret, so Math.random is fine.
  random: Math.random,
})

apiClient.onMaintenance(() => killSwitch.maintenanceSeen())
// Subscribed when app.ts imports this, before anything reads sealed storage (the launch sweep).
onSecurityEvent((event) => {
  if (event.type === 'storage.discarded' && event.code === 'ERR_TAMPERED') killSwitch.tamperSeen()
})
