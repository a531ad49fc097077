import { useDidShow } from '@tarojs/taro'
import { useCallback, useState } from 'react'
import {
  DEFAULT_CITY,
  forgetSelectedCity,
  loadSelectedCity,
  type ChosenCity,
} from '../city-preference'

/**
 * The remembered city, read again each time the page shows (after the picker closes), and
 * `forget()` to drop a choice the server no longer knows and go back to the default city.
 */
export function useSelectedCity(): { city: ChosenCity; forget: () => void } {
  const [city, setCity] = useState<ChosenCity>(loadSelectedCity)
  useDidShow(() => {
    const latest = loadSelectedCity()
    setCity((previous) => (previous.id === latest.id ? previous : latest))
  })
  const forget = useCallback(() => {
    forgetSelectedCity()
    setCity(DEFAULT_CITY)
  }, [])
  return { city, forget }
}
