import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useEffect } from 'react'
import type { WeatherAnswer } from '../../services/weather-provider'
import { DEFAULT_CITY } from '../../services/city-preference'
import { useKillSwitchGate } from '../../services/hooks/use-kill-switch-gate'
import { useSelectedCity } from '../../services/hooks/use-selected-city'
import { useWeather } from '../../services/hooks/use-weather'
import ConsentDialog from '../../components/consent-dialog'
import { requestFailureText } from '../../components/request-failure-text'
import type { AppError } from '../../security/app-error'
import WeatherIcon from '../../components/weather-icon'
import { reconsiderConsent, useConsent } from '../../services/hooks/use-consent'
import {
  conditionLabel,
  dayLabel,
  shortDate,
  sourceLabel,
  temperatureLabel,
  updatedAtLabel,
  windLabel,
} from '../../components/weather-text'
import './index.css'
import { withErrorBoundary } from '../../components/page-error-boundary'

/** The weather for the remembered city: now, today's range, the days ahead. */
function HomePage() {
  const { city, forget } = useSelectedCity()
  const { state, retry } = useWeather(city.id)
  // A remembered city the server no longer knows is dropped: back to the default city.
  const unknownCity = state.status === 'error' && state.error.code === 'ERR_CITY_NOT_FOUND'
  useEffect(() => {
    if (unknownCity && city.id !== DEFAULT_CITY.id) forget()
  }, [unknownCity, city.id, forget])
  const condition = state.status === 'ready' ? state.weather.current.condition : 'loading'
  const consentState = useConsent().state?.status
  // INCIDENT: during an incident or the local lock home is not reachable (a navigation bar's
  // home button on the maintenance page leads here).
  useKillSwitchGate()

  return (
    <View className={`home home--${condition}`}>
      <View className='home__bar'>
        <View
          id='home-city'
          className='home__city'
          onClick={() => Taro.navigateTo({ url: '/more/pages/city-picker/index' })}
        >
          <Text className='home__city-name'>{city.name}</Text>
          <Text className='home__city-change'>切换城市 ›</Text>
        </View>
        {/* Municipalities (北京, 上海...) are their own province: say it once. */}
        {city.province !== city.name && <Text className='home__province'>{city.province}</Text>}
        <Text
          id='home-locate'
          className='home__locate'
          onClick={() => Taro.navigateTo({ url: '/more/pages/city-picker/index?locate=1' })}
        >
          使用我的位置
        </Text>
      </View>

      {(consentState === 'declined' || consentState === 'withdrawn') && (
        <View id='home-no-personal-data' className='home__notice'>
          <Text>未同意隐私政策：只提供手动选择城市的天气，不使用你的个人信息。</Text>
          <Text id='home-reconsider' className='link' onClick={reconsiderConsent}>
            重新选择
          </Text>
        </View>
      )}

      {state.status === 'loading' && <LoadingView />}
      {state.status === 'error' && <ErrorView error={state.error} onRetry={retry} />}
      {state.status === 'ready' && <WeatherView weather={state.weather} />}

      <View className='home__footer'>
        <Text
          id='home-privacy-policy'
          className='home__footer-link'
          onClick={() => Taro.navigateTo({ url: '/more/pages/privacy-policy/index' })}
        >
          隐私政策
        </Text>
        <Text className='home__footer-dot'>·</Text>
        <Text
          id='home-privacy-center'
          className='home__footer-link'
          onClick={() => Taro.navigateTo({ url: '/more/pages/privacy-center/index' })}
        >
          隐私中心
        </Text>
      </View>
      <ConsentDialog askOnLaunch />
    </View>
  )
}

function WeatherView({ weather }: { weather: WeatherAnswer }) {
  const { current, daily } = weather
  const today = daily[0]
  return (
    <View className='home__weather'>
      {weather.offline && (
        <View id='home-offline' className='home__notice'>
          暂时连不上服务器，显示的是上次获取的天气。
        </View>
      )}
      <View className='home__now'>
        <WeatherIcon condition={current.condition} size='large' />
        <View className='home__now-text'>
          <Text id='home-temperature' className='home__temperature'>
            {temperatureLabel(current.temperatureC)}
          </Text>
          <Text className='home__condition'>{conditionLabel(current.condition)}</Text>
          <Text className='home__range'>
            最高 {temperatureLabel(today.highC)} · 最低 {temperatureLabel(today.lowC)}
          </Text>
        </View>
      </View>

      <View className='home__details card'>
        <Detail label='体感' value={temperatureLabel(current.feelsLikeC)} />
        <Detail label='湿度' value={`${current.humidityPct}%`} />
        <Detail label='风' value={windLabel(current.windDirection, current.windKph)} />
      </View>

      <View className='card'>
        <View className='card__title'>未来 {daily.length} 天</View>
        {daily.map((day, index) => (
          <View key={day.date} className='forecast__row'>
            <View className='forecast__day'>
              <Text className='forecast__day-name'>{dayLabel(day.date, index)}</Text>
              <Text className='forecast__date'>{shortDate(day.date)}</Text>
            </View>
            <WeatherIcon condition={day.condition} />
            <Text className='forecast__condition'>{conditionLabel(day.condition)}</Text>
            <Text className='forecast__rain'>降水 {day.precipitationPct}%</Text>
            <Text className='forecast__range'>
              {temperatureLabel(day.lowC)} / {temperatureLabel(day.highC)}
            </Text>
          </View>
        ))}
      </View>

      <View id='home-updated' className='home__updated'>
        {updatedAtLabel(weather.updatedAt)} · 数据来源：{sourceLabel(weather.source)}
      </View>
      {/* The data's licence may require credit (Open-Meteo: CC BY 4.0): shown as sent. */}
      {weather.attribution && (
        <View id='home-attribution' className='home__updated'>
          {weather.attribution}
        </View>
      )}
    </View>
  )
}

function Detail({ label, value }: { label: string; value: string }) {
  return (
    <View className='detail'>
      <Text className='detail__label'>{label}</Text>
      <Text className='detail__value'>{value}</Text>
    </View>
  )
}

function LoadingView() {
  return (
    <View className='home__loading'>
      <View className='skeleton skeleton--round' />
      <View className='skeleton skeleton--line' />
      <View className='skeleton skeleton--line skeleton--short' />
      <Text className='home__loading-text'>正在获取天气…</Text>
    </View>
  )
}

/** Which side failed (components/request-failure-text.ts), and that nothing chosen was lost. */
function ErrorView({ error, onRetry }: { error: AppError; onRetry: () => void }) {
  return (
    <View className='card home__error'>
      <Text className='home__error-title'>天气数据暂时无法获取</Text>
      <Text id='home-error-text' className='home__error-text'>
        {requestFailureText(error)}你的城市选择已保存，不会丢失。
      </Text>
      <View id='home-retry' className='button-primary' onClick={onRetry}>
        重试
      </View>
    </View>
  )
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(HomePage)
