import { AppError } from '../security/app-error'
import type { City } from './api-contract'

/** Farther than this from every city of the list, no city stands for the location, km. */
export const NEAREST_CITY_MAX_KM = 300

/**
 * The city of `cities` nearest to a position (great-circle distance), if one lies within
 * NEAREST_CITY_MAX_KM; else ERR_NO_CITY_NEARBY. ERR_INVALID_INPUT for a position that is not one.
 */
export function nearestCity(latitude: number, longitude: number, cities: readonly City[]): City {
  const valid = (value: number, limit: number) =>
    typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit
  if (!valid(latitude, 90) || !valid(longitude, 180)) {
    throw new AppError('ERR_INVALID_INPUT', 'a position is a latitude and a longitude in degrees')
  }
  let best: { city: City; km: number } | undefined
  for (const city of cities) {
    const km = distanceKm(latitude, longitude, city.lat, city.lon)
    if (!best || km < best.km) best = { city, km }
  }
  if (!best || best.km > NEAREST_CITY_MAX_KM) {
    throw new AppError('ERR_NO_CITY_NEARBY', `no city within ${NEAREST_CITY_MAX_KM} km`)
  }
  return best.city
}

/** Great-circle distance by the haversine formula on a sphere of radius 6371 km. */
function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)))
}
