import { View } from '@tarojs/components'
import type { Condition } from '../../services/api-contract'
import './index.css'

interface WeatherIconProps {
  condition: Condition
  size?: 'large' | 'small'
}

/**
 * Three drops, flakes or fog lines, placed one by one (index.css) as direct children of the
 * icon: a wrapper around them would be one level of nesting more than Taro's baseLevel allows
 * on home (config/index.ts).
 */
function parts(kind: 'drop' | 'flake' | 'fog-line') {
  return [1, 2, 3].map((n) => (
    <View key={n} className={`weather-icon__${kind} weather-icon__${kind}--${n}`} />
  ))
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
      {(condition === 'rain' || condition === 'thunderstorm') && parts('drop')}
      {condition === 'thunderstorm' && <View className='weather-icon__bolt' />}
      {condition === 'snow' && parts('flake')}
      {condition === 'fog' && parts('fog-line')}
    </View>
  )
}
