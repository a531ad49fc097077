import type { WeatherRequest, WeatherResponse } from './api-contract'

/**
 * Weather as a page gets it. `offline`: the source could not be reached and this is the last good
 * answer kept on the device (its `updatedAt` says how old it is).
 */
export type WeatherAnswer = WeatherResponse & { offline?: true }

/**
 * Where weather comes from. Pages never see which implementation is active: the app uses the
 * server (server-weather-provider.ts); tests may use the deterministic local one.
 */
export interface WeatherProvider {
  getWeather(request: WeatherRequest): Promise<WeatherAnswer>
  /**
   * An answer the provider already holds for this request (for example one asked for at launch),
   * so a page can show it in its first render instead of a loading state. Optional.
   */
  peek?(request: WeatherRequest): WeatherAnswer | undefined
}
