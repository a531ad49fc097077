import { createContext, useContext } from 'react'
import { createLocalWeatherProvider } from './local-weather-provider'
import type { WeatherProvider } from './weather-provider'

/**
 * The weather source pages use. The app supplies it once (src/app.ts); tests supply their own.
 * Until the reference server exists, the default is the deterministic local provider.
 */
export const WeatherProviderContext = createContext<WeatherProvider>(createLocalWeatherProvider())

export function useWeatherProvider(): WeatherProvider {
  return useContext(WeatherProviderContext)
}
