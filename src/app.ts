import { createElement, type PropsWithChildren } from 'react'
import { createLocalWeatherProvider } from './services/local-weather-provider'
import { WeatherProviderContext } from './services/weather-context'
import './app.css'

// One weather source for every page (the deterministic local one until the reference server
// exists; it will replace it behind the same interface).
const weatherProvider = createLocalWeatherProvider()

// app.ts rather than app.tsx, as in Taro's template; createElement is JSX without the syntax.
function App({ children }: PropsWithChildren) {
  // `children` are the pages Taro renders.
  return createElement(WeatherProviderContext.Provider, { value: weatherProvider }, children)
}

export default App
