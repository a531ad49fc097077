import { Button, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { Component, createElement, type ComponentType, type ReactNode } from 'react'
import { reportError } from '../../services/app-monitor'

interface State {
  failed: boolean
}

/**
 * MONITOR: an error boundary for one page. When the page throws while rendering, the user sees
 * a short explanation with 重试 (render the page again) and 回到首页, and the error is reported
 * once, scrubbed, as kind `boundary` (app-monitor.ts).
 *
 * Why every page needs one: Taro 4's own page wrapper catches a render error, hands the app's
 * `onError` a single string and renders an EMPTY page, so without this the user sees a blank
 * screen. Because this boundary sits inside Taro's wrapper, the wrapper never sees the error:
 * it is reported here and not a second time through `onError`.
 */
class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { failed: false }

  static getDerivedStateFromError(): State {
    return { failed: true }
  }

  componentDidCatch(error: unknown): void {
    reportError('boundary', error)
  }

  render(): ReactNode {
    if (!this.state.failed) return this.props.children
    return (
      <View id='page-error' className='card'>
        <View className='card__title'>这个页面出了点问题</View>
        <View className='muted'>可以重试，或回到首页。你的设置不会丢失。</View>
        <Button
          id='page-error-retry'
          className='button-primary'
          onClick={() => this.setState({ failed: false })}
        >
          重试
        </Button>
        <Button
          id='page-error-home'
          className='button-secondary'
          onClick={() => void Taro.reLaunch({ url: '/pages/home/index' }).catch(() => undefined)}
        >
          回到首页
        </Button>
      </View>
    )
  }
}

/**
 * Wraps a page component in its error boundary: `export default withErrorBoundary(HomePage)`.
 * Taro's page hooks (useDidShow...) keep working: the page context passes through.
 */
export function withErrorBoundary<P extends object>(Page: ComponentType<P>): ComponentType<P> {
  const Guarded = (props: P) => createElement(PageErrorBoundary, null, createElement(Page, props))
  Guarded.displayName = `WithErrorBoundary(${Page.displayName ?? Page.name})`
  return Guarded
}
