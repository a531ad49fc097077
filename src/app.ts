import { useLaunch } from '@tarojs/taro'
import { createElement, type PropsWithChildren } from 'react'
import { isAppError } from './security/app-error'
import { secureStore } from './services/device-store'
import { createLocalWeatherProvider } from './services/local-weather-provider'
import { emitSecurityEvent } from './services/security-events'
import { WeatherProviderContext } from './services/weather-context'
import './app.css'

// One weather source for every page (the deterministic local one until the reference server
// exists; it will replace it behind the same interface).
const weatherProvider = createLocalWeatherProvider()

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
  // `children` are the pages Taro renders.
  return createElement(WeatherProviderContext.Provider, { value: weatherProvider }, children)
}

export default App
