import Taro from '@tarojs/taro'
import { AppError } from '../security/app-error'
import type { City } from './api-contract'
import { nearestCity } from './nearest-city'
import { pendingPrivacyRequests } from './wechat-privacy'

/**
 * PERMISSION: "use my location", asked for only when the user taps it, and turned into the
 * nearest city ON THE DEVICE. The coordinates never leave this module: they are not returned,
 * stored, logged, reported or sent; callers get a city of the list and nothing else.
 *
 * weapp (WeChat docs: wx.getFuzzyLocation, base library 2.25.0; declared in app.json
 * `requiredPrivateInfos`, the only location API this app declares): `getSetting` decides the path.
 *   never asked  -> `getFuzzyLocation` shows WeChat's prompt (since base library 3.4.2 it may carry
 *                   WeChat's privacy checkbox; otherwise WeChat asks the app's consent dialog first,
 *                   through onNeedPrivacyAuthorization: both paths end in this same call)
 *   denied       -> ERR_LOCATION_DENIED at once: only `openLocationSettings` from a tap can change it
 *   granted      -> `getFuzzyLocation`
 * H5: the browser's geolocation through `Taro.getLocation({ type: 'wgs84' })`.
 *
 * A failure is never told apart by WeChat's errMsg wording (undocumented): after any failure the
 * permission is read again, and only that decides between DENIED and UNAVAILABLE.
 *
 * Errors (AppError codes): ERR_LOCATION_DENIED, ERR_LOCATION_UNAVAILABLE, ERR_LOCATION_TIMEOUT
 * (no answer within `timeoutMs`), ERR_NO_CITY_NEARBY (nearest-city.ts).
 */
export async function locateNearestCity(
  cities: readonly City[],
  timeoutMs = LOCATION_TIMEOUT_MS,
): Promise<City> {
  const { latitude, longitude } = await currentPosition(timeoutMs)
  return nearestCity(latitude, longitude, cities)
}

/** How long the user and the platform get to answer (a prompt is on screen meanwhile), ms. */
export const LOCATION_TIMEOUT_MS = 20_000

const SCOPE = 'scope.userFuzzyLocation'

/**
 * The location permission: 'granted', 'denied', or 'unknown' (never asked, or the platform cannot
 * say: H5 browsers without the Permissions API).
 */
export async function locationPermission(): Promise<'granted' | 'denied' | 'unknown'> {
  try {
    if (process.env.TARO_ENV === 'weapp') {
      const { authSetting } = await Taro.getSetting()
      const value = (authSetting as Record<string, boolean | undefined>)[SCOPE]
      return value === true ? 'granted' : value === false ? 'denied' : 'unknown'
    }
    const status = await navigator.permissions.query({ name: 'geolocation' })
    return status.state === 'granted' ? 'granted' : status.state === 'denied' ? 'denied' : 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Opens WeChat's settings page so the user can turn location back on. WeChat allows this only
 * from a tap (call it in the tap handler, before any await). Resolves whether location is now
 * allowed; false on H5 (browsers have no such page: the user changes it in the browser).
 */
export async function openLocationSettings(): Promise<boolean> {
  if (process.env.TARO_ENV !== 'weapp') return false
  try {
    const { authSetting } = await Taro.openSetting()
    return (authSetting as Record<string, boolean | undefined>)[SCOPE] === true
  } catch {
    return false
  }
}

async function currentPosition(
  timeoutMs: number,
): Promise<{ latitude: number; longitude: number }> {
  if ((await locationPermission()) === 'denied') {
    throw new AppError('ERR_LOCATION_DENIED', 'location permission is off')
  }
  const ask =
    process.env.TARO_ENV === 'weapp'
      ? Taro.getFuzzyLocation({ type: 'wgs84' })
      : Taro.getLocation({ type: 'wgs84' })
  // The clock does not run out while the user reads the consent dialog (WeChat holds the call
  // until they answer it): it starts again instead.
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    const arm = () => {
      timer = setTimeout(() => {
        if (pendingPrivacyRequests() > 0) arm()
        else reject(new AppError('ERR_LOCATION_TIMEOUT', `no location within ${timeoutMs} ms`))
      }, timeoutMs)
    }
    arm()
  })
  try {
    const { latitude, longitude } = await Promise.race([ask, timeout])
    return { latitude, longitude }
  } catch (error) {
    if (error instanceof AppError) throw error
    // Whatever the platform said (its wording is not relied on), the permission decides.
    if ((await locationPermission()) === 'denied') {
      throw new AppError('ERR_LOCATION_DENIED', 'location permission was refused')
    }
    throw new AppError('ERR_LOCATION_UNAVAILABLE', 'the platform could not give a location')
  } finally {
    // After a timeout, a late answer of the prompt is dropped (race already handled it).
    clearTimeout(timer)
  }
}
