import { useCallback, useEffect, useState } from 'react'
import { AppError, isAppError } from '../../security/app-error'
import type { WeatherResponse } from '../api-contract'
import { useWeatherProvider } from '../weather-context'

export type WeatherState =
  | { status: 'loading' }
  | { status: 'ready'; weather: WeatherResponse }
  | { status: 'error'; error: AppError }

/**
 * Weather for one city. Changing `cityId` or calling `retry` fetches again; an answer for a city
 * that is no longer asked for is dropped, so a slow old answer never overwrites a new one.
 */
export function useWeather(cityId: string): { state: WeatherState; retry: () => void } {
  const provider = useWeatherProvider()
  const [attempt, setAttempt] = useState(0)
  // An answer the provider already holds (asked for at launch) shows in the first render.
  const [state, setState] = useState<WeatherState>(() => {
    const held = provider.peek?.({ cityId })
    return held ? { status: 'ready', weather: held } : { status: 'loading' }
  })

  useEffect(() => {
    const held = attempt === 0 ? provider.peek?.({ cityId }) : undefined
    if (held) {
      setState((previous) =>
        previous.status === 'ready' && previous.weather === held
          ? previous
          : { status: 'ready', weather: held },
      )
      return undefined
    }
    let current = true
    setState({ status: 'loading' })
    provider.getWeather({ cityId }).then(
      (weather) => {
        if (current) setState({ status: 'ready', weather })
      },
      (error: unknown) => {
        if (current) setState({ status: 'error', error: toAppError(error) })
      },
    )
    return () => {
      current = false
    }
  }, [provider, cityId, attempt])

  const retry = useCallback(() => setAttempt((n) => n + 1), [])
  return { state, retry }
}

function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error
  return new AppError('ERR_WEATHER_UNAVAILABLE', 'the weather source failed', { cause: error })
}
