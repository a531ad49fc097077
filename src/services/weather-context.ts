import { createContext, useContext } from 'react'
import type { WeatherProvider } from './weather-provider'

/**
 * The weather source pages use. The app supplies it once (src/app.ts); tests supply their own.
 * There is no default: a page rendered outside the provider fails loudly instead of quietly
 * using a different source than the rest of the app.
 */
export const WeatherProviderContext = createContext<WeatherProvider | null>(null)

export function useWeatherProvider(): WeatherProvider {
  const provider = useContext(WeatherProviderContext)
  if (!provider) {
    throw new Error(
      'No WeatherProvider: render pages inside WeatherProviderContext (see src/app.ts).',
    )
  }
  return provider
}
