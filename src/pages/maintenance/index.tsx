import { Button, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import { useEffect, useState } from 'react'
import { dateTimeLabel } from '../../components/weather-text'
import { killSwitch, followKillSwitch } from '../../services/app-kill-switch'
import './index.css'
import { withErrorBoundary } from '../../components/page-error-boundary'

/**
 * INCIDENT: where every page goes while the kill switch is on (an open incident, or the local
 * lock). It says what happened, since when, what the user can do, and comes back by itself.
 */
// WeChat closes the mini program only from a tap (base library 2.17.3+): this runs inside it.
const exit = () =>
  Taro.exitMiniProgram().catch(() => Taro.showToast({ title: '请点右上角关闭', icon: 'none' }))

function MaintenancePage() {
  const [state, setState] = useState(killSwitch.state)
  useEffect(() => killSwitch.subscribe(setState), [])
  // WeChat gives a page opened by reLaunch a home button; home is closed during an incident.
  // (Base library 2.8.3+; H5's navigation bar keeps its own, and home sends the user back.)
  useDidShow(() => {
    if (process.env.TARO_ENV === 'weapp') Taro.hideHomeButton?.().catch(() => undefined)
  })
  const locked = state.mode === 'locked'
  const since = state.mode === 'incident' ? Date.parse(state.since as string) : NaN
  return (
    <View className='card'>
      <View id='maintenance-message' className='maintenance__title'>
        {locked
          ? '检测到本机数据被改动'
          : (state.mode === 'incident' && state.message) || '服务暂时无法使用'}
      </View>
      {since > 0 && (
        <View id='maintenance-since' className='muted'>
          开始于 {dateTimeLabel(since)}
        </View>
      )}
      <View id='maintenance-advice'>
        {locked
          ? '本机的登录信息已清除，请重新打开小程序。'
          : '请稍后再来，你的设置不会丢失；恢复后会自动回到首页。'}
      </View>
      {!locked && (
        <Button
          id='maintenance-retry'
          className='button-primary'
          onClick={() => void killSwitch.check().then(followKillSwitch)}
        >
          重试
        </Button>
      )}
      {process.env.TARO_ENV === 'weapp' && (
        <Button id='maintenance-exit' className='button-secondary' onClick={exit}>
          退出小程序
        </Button>
      )}
    </View>
  )
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(MaintenancePage)
