import { createElement, type PropsWithChildren } from 'react'
import { createLocalWeatherProvider } from './services/local-weather-provider'
import { WeatherProviderContext } from './services/weather-context'
import './app.css'

// One weather source for every page. The reference server replaces it behind the same interface.
const weatherProvider = createLocalWeatherProvider()

function App({ children }: PropsWithChildren) {
  // `children` are the pages Taro renders.
  return createElement(WeatherProviderContext.Provider, { value: weatherProvider }, children)
}

export default App
