import { useMemo } from 'react'
import type { City } from '../api-contract'
import { searchCitiesOnDevice } from '../city-list'

/** Enough for the whole embedded list, so an empty search lets the user scroll to any city. */
const PICKER_LIMIT = 100

/** What the city picker shows for a query. */
export interface CitySearch {
  /** True once the query has more than whitespace: `cities` are then matches, best first. */
  searching: boolean
  /** The matches (ranked as `searchCities` says), or, when not searching, the whole list. */
  cities: City[]
}

/**
 * Cities matching `query`, searched on the device: what the user types never leaves it, and
 * the list (only this page's subpackage holds it) needs no network.
 */
export function useCitySearch(query: string): CitySearch {
  return useMemo(
    () => ({
      searching: query.trim() !== '',
      cities: searchCitiesOnDevice({ q: query, limit: PICKER_LIMIT }).cities,
    }),
    [query],
  )
}
