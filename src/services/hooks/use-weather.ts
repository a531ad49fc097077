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
 * that is no longer asked for is dropped, so a slow old answer never overwrites a new one. The
 * state remembers which city it is for, so not even the render right after a change of city
 * shows the previous city's weather beside the new name: that render says loading.
 */
export function useWeather(cityId: string): { state: WeatherState; retry: () => void } {
  const provider = useWeatherProvider()
  const [attempt, setAttempt] = useState(0)
  // An answer the provider already holds (asked for at launch) shows in the first render.
  const held = useCallback(
    (id: string): WeatherState | undefined => {
      const weather = provider.peek?.({ cityId: id })
      return weather && { status: 'ready', weather }
    },
    [provider],
  )
  const [kept, setKept] = useState<{ cityId: string; state: WeatherState }>(() => ({
    cityId,
    state: held(cityId) ?? { status: 'loading' },
  }))

  useEffect(() => {
    const set = (state: WeatherState) => setKept({ cityId, state })
    const ready = attempt === 0 ? held(cityId) : undefined
    if (ready) {
      setKept((previous) =>
        previous.cityId === cityId &&
        previous.state.status === 'ready' &&
        ready.status === 'ready' &&
        previous.state.weather === ready.weather
          ? previous
          : { cityId, state: ready },
      )
      return undefined
    }
    let current = true
    set({ status: 'loading' })
    provider.getWeather({ cityId }).then(
      (weather) => {
        if (current) set({ status: 'ready', weather })
      },
      (error: unknown) => {
        if (current) set({ status: 'error', error: toAppError(error) })
      },
    )
    return () => {
      current = false
    }
  }, [provider, held, cityId, attempt])

  const retry = useCallback(() => setAttempt((n) => n + 1), [])
  const state =
    kept.cityId === cityId ? kept.state : (held(cityId) ?? ({ status: 'loading' } as const))
  return { state, retry }
}

function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error
  return new AppError('ERR_WEATHER_UNAVAILABLE', 'the weather source failed', { cause: error })
}
