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
  searchCities(request: CitySearchRequest): Promise<CitySearchResponse>
}
