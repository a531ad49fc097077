import type {
  CitySearchRequest,
  CitySearchResponse,
  WeatherRequest,
  WeatherResponse,
} from './api-contract'

/**
 * Where weather comes from. Pages never see which implementation is active: today the
 * deterministic local provider; with the reference server, an HTTPS-backed one.
 */
export interface WeatherProvider {
  getWeather(request: WeatherRequest): Promise<WeatherResponse>
  /**
   * An answer the provider already holds for this request (for example one asked for at launch),
   * so a page can show it in its first render instead of a loading state. Optional.
   */
  peek?(request: WeatherRequest): WeatherResponse | undefined
  searchCities(request: CitySearchRequest): Promise<CitySearchResponse>
}
