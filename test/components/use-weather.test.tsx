import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import type { WeatherResponse } from '../../src/services/api-contract'
import { useWeather, type WeatherState } from '../../src/services/hooks/use-weather'
import { createLocalWeatherProvider } from '../../src/services/local-weather-provider'
import { WeatherProviderContext } from '../../src/services/weather-context'
import type { WeatherProvider } from '../../src/services/weather-provider'

// Home shows the chosen city's name beside what useWeather returns. Every render must pair them
// right: an answer for a city that is no longer chosen is never shown, not even for one render
// (a user once saw 杭州 with Guangzhou's weather during the back animation).

const local = createLocalWeatherProvider({ now: () => new Date('2026-11-25T06:05:00Z') })

/** A provider whose answers come when the test says, city by city. */
function heldProvider() {
  const waiting = new Map<string, () => void>()
  const provider: WeatherProvider = {
    getWeather: async ({ cityId }) => {
      await new Promise<void>((resolve) => waiting.set(cityId, resolve))
      return local.getWeather({ cityId })
    },
  }
  const answer = async (cityId: string) => {
    await act(async () => {
      waiting.get(cityId)?.()
      await new Promise((resolve) => setTimeout(resolve, 0))
    })
  }
  return { provider, answer }
}

const renders: Array<{ cityId: string; state: WeatherState }> = []
function Probe({ cityId }: { cityId: string }) {
  const { state } = useWeather(cityId)
  renders.push({ cityId, state })
  return null
}

let root: Root | undefined
async function show(provider: WeatherProvider, cityId: string) {
  await act(async () => {
    root ??= createRoot(document.createElement('div'))
    root.render(
      <WeatherProviderContext.Provider value={provider}>
        <Probe cityId={cityId} />
      </WeatherProviderContext.Provider>,
    )
  })
}

const cityOf = (state: WeatherState) =>
  state.status === 'ready' ? (state.weather as WeatherResponse).city.id : undefined

beforeEach(() => {
  renders.length = 0
})
afterEach(() => {
  act(() => root?.unmount())
  root = undefined
})

test('after a change of city no render shows the old city’s weather, not even the first', async () => {
  const { provider, answer } = heldProvider()
  await show(provider, 'guangzhou')
  await answer('guangzhou')
  expect(cityOf(renders[renders.length - 1].state)).toBe('guangzhou')
  await show(provider, 'hangzhou')
  const mismatched = renders.filter(
    ({ cityId, state }) => state.status === 'ready' && cityOf(state) !== cityId,
  )
  expect(mismatched.map(({ cityId, state }) => `${cityId} showed ${cityOf(state)}`)).toEqual([])
  expect(renders[renders.length - 1].state.status).toBe('loading')
  await answer('hangzhou')
  expect(cityOf(renders[renders.length - 1].state)).toBe('hangzhou')
})

test('a slow answer for the first city, arriving after a fast one for the second, is dropped', async () => {
  const { provider, answer } = heldProvider()
  await show(provider, 'guangzhou') // slow: not answered yet
  await show(provider, 'hangzhou')
  await answer('hangzhou') // fast
  await answer('guangzhou') // the old one comes last
  const last = renders[renders.length - 1]
  expect(last.cityId).toBe('hangzhou')
  expect(cityOf(last.state)).toBe('hangzhou')
  expect(renders.every(({ cityId, state }) => [undefined, cityId].includes(cityOf(state)))).toBe(
    true,
  )
})
