import { Input, Text, View } from '@tarojs/components'
import Taro, { useRouter } from '@tarojs/taro'
import { useEffect, useRef, useState } from 'react'
import ConsentDialog from '../../../components/consent-dialog'
import { isAppError, type AppErrorCode } from '../../../security/app-error'
import type { AppEventFields } from '../../../services/analytics'
import { analytics } from '../../../services/app-analytics'
import { consent } from '../../../services/app-consent'
import { CITIES } from '../../../services/city-list'
import { saveSelectedCity, type ChosenCity } from '../../../services/city-preference'
import { reconsiderConsent, useConsent } from '../../../services/hooks/use-consent'
import { locateNearestCity, openLocationSettings } from '../../../services/location'
import { useCitySearch } from '../../../services/hooks/use-city-search'
import { useSelectedCity } from '../../../services/hooks/use-selected-city'
import { useKillSwitchGate } from '../../../services/hooks/use-kill-switch-gate'
import './index.css'
import { withErrorBoundary } from '../../../components/page-error-boundary'

/**
 * Search the city list and choose one; the choice is remembered and the page closes.
 * The current city is pinned on top until the user searches; then the first row is the best
 * match, and the keyboard's confirm key (Enter) picks it as a tap would.
 */
function CityPickerPage() {
  // INCIDENT: opened during an incident (by its address, a link): the maintenance page instead.
  useKillSwitchGate()
  const [query, setQuery] = useState('')
  const { searching, cities } = useCitySearch(query)
  const { city: current } = useSelectedCity()

  const choose = (city: ChosenCity, source: AppEventFields<'city_selected'>['source']) => {
    try {
      // The current city is already saved (and keeps its mark if it came from the location).
      if (source !== 'current')
        saveSelectedCity(city, source === 'location' ? 'location' : undefined)
    } catch (error) {
      const title = isAppError(error, 'ERR_STORAGE_FAILED') ? '保存失败，请重试' : '无法选择该城市'
      Taro.showToast({ title, icon: 'none' })
      return
    }
    // SDK: how the city was chosen, never which; sent only with the analytics choice on.
    analytics.track('city_selected', { source })
    Taro.navigateBack()
  }

  // Enter with nothing typed picks nothing: the whole list is not a match.
  const chooseFirstMatch = () => {
    if (searching && cities.length > 0) choose(cities[0], 'search')
  }

  return (
    <View className='picker'>
      <View className='picker__search'>
        <Input
          id='city-search'
          className='picker__input'
          type='text'
          placeholder='搜索城市名、拼音、首字母或省份'
          confirmType='search'
          maxlength={20}
          onInput={(event) => setQuery(event.detail.value)}
          onConfirm={chooseFirstMatch}
        />
      </View>

      {!searching && <LocationCard onFound={(city) => choose(city, 'location')} />}

      {!searching && (
        <View className='picker__list card'>
          <View
            id='city-current'
            className='picker__item picker__item--current'
            onClick={() => choose(current, 'current')}
          >
            <Text className='picker__name'>{current.name}</Text>
            <Text className='picker__province'>
              {current.province === current.name ? '' : current.province}
            </Text>
            <Text className='picker__badge'>当前城市</Text>
          </View>
        </View>
      )}

      {cities.length === 0 && (
        <View id='city-empty' className='picker__notice'>
          没有找到“{query.trim()}”，试试拼音、首字母或省份名称。
        </View>
      )}

      <View className='picker__list card'>
        {cities.map((city) => (
          <View
            key={city.id}
            id={`city-${city.id}`}
            className={`picker__item ${city.id === current.id ? 'picker__item--current' : ''}`}
            onClick={() => choose(city, searching ? 'search' : 'list')}
          >
            <Text className='picker__name'>{city.name}</Text>
            <Text className='picker__province'>
              {city.province === city.name ? '' : city.province}
            </Text>
            {city.id === current.id && <Text className='picker__badge'>当前</Text>}
          </View>
        ))}
      </View>
      <ConsentDialog />
    </View>
  )
}

type LocateState = { status: 'idle' | 'busy' } | { status: 'failed'; code: AppErrorCode }

/**
 * PERMISSION: "use my location", explained in one sentence before anything is asked; the
 * location is asked for only on the tap. Every failure leaves the list below: no dead end.
 * Home's "使用我的位置" opens this page with `?locate=1`, which highlights the card.
 */
function LocationCard({ onFound }: { onFound: (city: ChosenCity) => void }) {
  // (No router when the page is rendered on its own, as in component tests.)
  const highlighted = useRouter()?.params?.locate === '1'
  const [state, setState] = useState<LocateState>({ status: 'idle' })
  const allowed = useConsent().state !== undefined && consent.allows('location')

  // A page the user has left must not act on a late answer (save a city, navigate back).
  const shown = useRef(true)
  useEffect(
    () => () => {
      shown.current = false
    },
    [],
  )

  const locate = async () => {
    setState({ status: 'busy' })
    try {
      const city = await locateNearestCity(CITIES)
      if (!shown.current) return
      setState({ status: 'idle' })
      onFound(city)
    } catch (error) {
      if (!shown.current) return
      const code = isAppError(error) ? error.code : 'ERR_LOCATION_UNAVAILABLE'
      // SDK: why no city came of it, never where the user is.
      analytics.track('location_failed', { reason: locateFailureReason(code) })
      setState({ status: 'failed', code })
    }
  }
  // WeChat opens its settings page only from a tap: this handler calls it before any await.
  const openSettings = async () => {
    if (await openLocationSettings()) await locate()
  }

  let body
  if (!allowed) {
    body = (
      <View>
        <Text className='picker__locate-text'>同意隐私政策后才能使用定位。</Text>
        <View id='locate-consent' className='button-secondary' onClick={reconsiderConsent}>
          查看并选择
        </View>
      </View>
    )
  } else if (state.status === 'busy') {
    body = <Text className='picker__locate-text'>正在定位…</Text>
  } else {
    const failed = state.status === 'failed' ? state.code : undefined
    const denied = failed === 'ERR_LOCATION_DENIED'
    body = (
      <View>
        <Text id='locate-status' className='picker__locate-text'>
          {failed ? locateFailureText(failed) : LOCATE_EXPLANATION}
        </Text>
        {denied && process.env.TARO_ENV === 'weapp' ? (
          <View id='locate-open-setting' className='button-primary' onClick={openSettings}>
            去设置开启
          </View>
        ) : (
          <View id='locate-button' className='button-primary' onClick={locate}>
            {failed ? '再试一次' : '使用我的位置'}
          </View>
        )}
      </View>
    )
  }
  return (
    <View
      id='locate-card'
      className={highlighted ? 'card picker__locate picker__locate--asked' : 'card picker__locate'}
    >
      {body}
    </View>
  )
}

/** The one sentence said before the location is asked for. */
const LOCATE_EXPLANATION =
  '定位只用于找出离你最近的城市：模糊位置在手机上换算，坐标不保存、不上传。'

function locateFailureReason(code: AppErrorCode): AppEventFields<'location_failed'>['reason'] {
  switch (code) {
    case 'ERR_LOCATION_DENIED':
      return 'denied'
    case 'ERR_LOCATION_TIMEOUT':
      return 'timeout'
    case 'ERR_NO_CITY_NEARBY':
      return 'no_city_nearby'
    default:
      return 'unavailable'
  }
}

function locateFailureText(code: AppErrorCode): string {
  switch (code) {
    case 'ERR_LOCATION_DENIED':
      return process.env.TARO_ENV === 'weapp'
        ? '位置权限已关闭。可以去设置中开启，或在下方手动选择城市。'
        : '浏览器没有允许定位。可以在浏览器设置中允许，或在下方手动选择城市。'
    case 'ERR_LOCATION_TIMEOUT':
      return '定位超时。可以再试一次，或在下方手动选择城市。'
    case 'ERR_NO_CITY_NEARBY':
      return '附近没有可选的城市，请在下方手动选择。'
    default:
      return '暂时无法获取位置。可以再试一次，或在下方手动选择城市。'
  }
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(CityPickerPage)
