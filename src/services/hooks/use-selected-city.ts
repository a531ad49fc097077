import { useDidShow } from '@tarojs/taro'
import { useState } from 'react'
import type { City } from '../api-contract'
import { loadSelectedCity } from '../city-preference'

/** The remembered city, read again each time the page shows (after the picker closes). */
export function useSelectedCity(): City {
  const [city, setCity] = useState<City>(loadSelectedCity)
  useDidShow(() => {
    const latest = loadSelectedCity()
    setCity((previous) => (previous.id === latest.id ? previous : latest))
  })
  return city
}
