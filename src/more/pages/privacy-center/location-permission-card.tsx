import { Text, View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import { useState } from 'react'
import { consent } from '../../../services/app-consent'
import { useConsent } from '../../../services/hooks/use-consent'
import { locationPermission, openLocationSettings } from '../../../services/location'

/**
 * PERMISSION: whether the app may read the (fuzzy) location, read afresh each time the page
 * shows, and on weapp WeChat's settings page to change it (opened from the tap, as WeChat
 * requires). Browsers keep the setting themselves. Without consent to location nothing about
 * it is read, not even the permission.
 */
export function LocationPermissionCard() {
  const [permission, setPermission] = useState<'granted' | 'denied' | 'unknown'>()
  const allowed = useConsent().state !== undefined && consent.allows('location')
  useDidShow(() => {
    if (consent.allows('location')) locationPermission().then(setPermission)
  })
  if (!allowed) {
    return <Text className='privacy-center__text'>未同意隐私政策：不会读取你的位置。</Text>
  }
  const text =
    permission === undefined
      ? '正在读取…'
      : permission === 'granted'
        ? '已允许：点击“使用我的位置”时读取模糊位置，只在手机上换算成城市。'
        : permission === 'denied'
          ? '已关闭：不会读取你的位置。'
          : '尚未询问：只有你点击“使用我的位置”时才会询问。'
  return (
    <View>
      <Text id='privacy-location-status' className='privacy-center__text'>
        {text}
      </Text>
      {process.env.TARO_ENV === 'weapp' ? (
        <View
          id='privacy-location-settings'
          className='button-secondary'
          onClick={() =>
            openLocationSettings().then(() => locationPermission().then(setPermission))
          }
        >
          在微信设置中更改
        </View>
      ) : (
        <Text className='muted'>在浏览器的网站设置中可以更改。</Text>
      )}
    </View>
  )
}
