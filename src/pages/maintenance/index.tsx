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
/** index.config.ts's navigationBarTitleText: a message that says the same is not repeated. */
const PAGE_TITLE = '系统维护中'

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
  const incident = state.mode === 'incident' ? state : undefined
  const message = locked ? '检测到本机数据被改动' : incident?.message || '服务暂时无法使用'
  const since = Date.parse(incident?.since as string)
  // The operator's estimate (npm run incident -- start --retry-after); once past, it says nothing.
  const expectedEnd = Date.parse(incident?.expectedEndAt as string)
  return (
    <View className='card maintenance'>
      {message !== PAGE_TITLE && (
        <View id='maintenance-message' className='maintenance__title'>
          {message}
        </View>
      )}
      {since > 0 && (
        <View id='maintenance-since' className='muted'>
          开始于 {dateTimeLabel(since)}
        </View>
      )}
      {expectedEnd > Date.now() && (
        <View id='maintenance-expected-end' className='muted'>
          预计 {dateTimeLabel(expectedEnd)} 恢复
        </View>
      )}
      <View id='maintenance-advice'>
        {locked
          ? '本机的登录信息已清除，请重新打开小程序。'
          : '请稍后再来，你的设置不会丢失；恢复后会自动回到首页。'}
      </View>
      <View className='maintenance__actions'>
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
    </View>
  )
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(MaintenancePage)
