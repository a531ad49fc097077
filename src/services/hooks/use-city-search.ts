import { useEffect, useState } from 'react'
import type { City } from '../api-contract'
import { useWeatherProvider } from '../weather-context'

export type CitySearchState =
  | { status: 'loading'; cities: City[] }
  | { status: 'ready'; cities: City[] }
  | { status: 'error'; cities: City[] }

/** Enough for the whole embedded list, so an empty search lets the user scroll to any city. */
const PICKER_LIMIT = 100

/** Cities matching `query`. Keeps the last results on screen while a new search runs. */
export function useCitySearch(query: string): CitySearchState {
  const provider = useWeatherProvider()
  const [state, setState] = useState<CitySearchState>({ status: 'loading', cities: [] })

  useEffect(() => {
    let current = true
    setState((previous) => ({ status: 'loading', cities: previous.cities }))
    provider.searchCities({ q: query, limit: PICKER_LIMIT }).then(
      ({ cities }) => {
        if (current) setState({ status: 'ready', cities })
      },
      () => {
        if (current) setState((previous) => ({ status: 'error', cities: previous.cities }))
      },
    )
    return () => {
      current = false
    }
  }, [provider, query])

  return state
}
