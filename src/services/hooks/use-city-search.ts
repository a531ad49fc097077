import { useMemo } from 'react'
import type { City } from '../api-contract'
import { searchCitiesOnDevice } from '../city-list'

/** Enough for the whole embedded list, so an empty search lets the user scroll to any city. */
const PICKER_LIMIT = 100

/**
 * Cities matching `query`, searched on the device: what the user types never leaves it, and
 * the list (only this page's subpackage holds it) needs no network.
 */
export function useCitySearch(query: string): City[] {
  return useMemo(() => searchCitiesOnDevice({ q: query, limit: PICKER_LIMIT }).cities, [query])
}
