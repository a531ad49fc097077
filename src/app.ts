import Taro, { useDidHide, useDidShow, useLaunch } from '@tarojs/taro'
import { createElement, type PropsWithChildren } from 'react'
import { isAppError } from './security/app-error'
import { apiClient } from './services/api-client'
import { killSwitch } from './services/app-kill-switch'
import { consent } from './services/app-consent'
import { installErrorCapture, monitor, reportError } from './services/app-monitor'
import { loadSelectedCity } from './services/city-preference'
import { secureStore } from './services/device-store'
import { createServerWeatherProvider } from './services/server-weather-provider'
import { emitSecurityEvent, onSecurityEvent } from './services/security-events'
import { API_ORIGIN } from './services/settings'
import { deviceWeatherCache } from './services/weather-cache'
import { WeatherProviderContext } from './services/weather-context'
import { installPrivacyListener } from './services/wechat-privacy'
import './app.css'

// MONITOR: errors are captured from the first line that can fail (app-monitor.ts), and what the
// practices flag (a tampered sealed item, the local lock...) is reported too: names and codes only.
installErrorCapture()
onSecurityEvent(({ type, ...detail }) => {
  if (type !== 'maintenance') {
    reportError('error', `security event ${type} ${Object.values(detail).join(' ')}`.trim())
  }
})

// One weather source for every page: the API server (the reference server in development), with
// the last good answer per city kept on the device for when the server cannot be reached.
const weatherProvider = createServerWeatherProvider({
  client: apiClient,
  apiOrigin: API_ORIGIN,
  cache: deviceWeatherCache,
})

// Ask for the remembered city's weather as soon as the app's code runs, while the first page is
// still loading: the home page's own request shares this answer (server-weather-provider.ts) and
// shows its error if it fails, so nothing is handled here. The request carries the city id only.
void weatherProvider.getWeather({ cityId: loadSelectedCity().id }).catch(() => undefined)

// CONSENT: WeChat's privacy requests get their one app-level listener before any page runs, and
// the consent record is read while the first page loads (home asks when there is none).
installPrivacyListener()
void consent.load()

// An unknown page (an old link, a mistyped URL) opens home. WeChat and Taro's H5 router call this
// listener at once; WeChat needs the redirect made inside the call, which usePageNotFound (run a
// tick later) would miss. The `?.`: a WeChat older than base library 2.1.2 has no such listener.
// Should home fail to open too, WeChat shows its own "page not found".
Taro.onPageNotFound?.(({ path }) => {
  Taro.reLaunch({ url: '/pages/home/index' }).catch(() => undefined)
  reportError('pagenotfound', `page not found: ${path}`, path)
})

// app.ts rather than app.tsx, as in Taro's template; createElement is JSX without the syntax.
function App({ children }: PropsWithChildren) {
  useLaunch(() => {
    // STORAGE: expired and unreadable sealed items go at launch (unreadable ones are reported).
    secureStore.sweep().catch((error: unknown) => {
      emitSecurityEvent({
        type: 'storage.sweep-failed',
        code: isAppError(error) ? error.code : 'ERR_STORAGE_FAILED',
      })
    })
  })
  // INCIDENT: the kill switch asks the server at launch and on every return to the foreground
  // (App's onShow runs at both). The launch weather request above is not held back for it.
  useDidShow(() => void killSwitch.check())
  // In the background: no status polls, and the queued error reports go now (WeChat may end a
  // hidden mini program without warning).
  useDidHide(() => {
    killSwitch.pause()
    void monitor.flushNow()
  })
  // `children` are the pages Taro renders.
  return createElement(WeatherProviderContext.Provider, { value: weatherProvider }, children)
}

export default App
