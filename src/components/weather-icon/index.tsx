import { View } from '@tarojs/components'
import type { Condition } from '../../services/api-contract'
import './index.css'

interface WeatherIconProps {
  condition: Condition
  size?: 'large' | 'small'
}

/**
 * A weather icon drawn with CSS shapes: no image files, no icon font, no emoji font needed,
 * so it renders the same in WeChat and in any browser.
 */
export default function WeatherIcon({ condition, size = 'small' }: WeatherIconProps) {
  const hasSun = condition === 'clear' || condition === 'partly-cloudy'
  const hasCloud = condition !== 'clear' && condition !== 'fog'
  return (
    <View className={`weather-icon weather-icon--${size} weather-icon--${condition}`}>
      {hasSun && <View className='weather-icon__sun' />}
      {hasCloud && <View className='weather-icon__cloud' />}
      {(condition === 'rain' || condition === 'thunderstorm') && (
        <View className='weather-icon__drops'>
          <View className='weather-icon__drop' />
          <View className='weather-icon__drop' />
          <View className='weather-icon__drop' />
        </View>
      )}
      {condition === 'thunderstorm' && <View className='weather-icon__bolt' />}
      {condition === 'snow' && (
        <View className='weather-icon__flakes'>
          <View className='weather-icon__flake' />
          <View className='weather-icon__flake' />
          <View className='weather-icon__flake' />
        </View>
      )}
      {condition === 'fog' && (
        <View className='weather-icon__fog'>
          <View className='weather-icon__fog-line' />
          <View className='weather-icon__fog-line' />
          <View className='weather-icon__fog-line' />
        </View>
      )}
    </View>
  )
}
