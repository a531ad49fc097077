import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useState } from 'react'
import ConsentDialog from '../../../components/consent-dialog'
import type { AppError } from '../../../security/app-error'
import { consent } from '../../../services/app-consent'
import { withdrawConsent } from '../../../services/app-session'
import type { ConsentState } from '../../../services/consent'
import { reconsiderConsent, useConsent } from '../../../services/hooks/use-consent'
import { useSession, type SessionView } from '../../../services/hooks/use-session'
import { useKillSwitchGate } from '../../../services/hooks/use-kill-switch-gate'
import type { ServerSignOut } from '../../../services/session'
import { requestFailureText } from '../../../components/request-failure-text'
import { dateTimeLabel } from '../../../components/weather-text'
import { DeviceDataCard } from './device-data-card'
import { LocationPermissionCard } from './location-permission-card'
import { MyDataCard } from './my-data-card'
import { PrivacyListButtons } from '../privacy-policy/privacy-list-buttons'
import './index.css'
import { withErrorBoundary } from '../../../components/page-error-boundary'

/**
 * The privacy center: the consent record (what you agreed to and when, the separate analytics
 * choice, withdraw or reconsider), the account session (sign in to manage your data, sign out to
 * wipe it from this device), your data (see and copy what the server holds, delete it with what is
 * on this device), what this device holds (masked), the location permission, and the two lists
 * (已收集个人信息清单, 第三方信息共享清单).
 */
function PrivacyCenterPage() {
  // INCIDENT: opened during an incident (by its address, a link): the maintenance page instead.
  useKillSwitchGate()
  const { view, signIn, signOut, refresh } = useSession()
  const { state } = useConsent()
  return (
    <View className='privacy-center'>
      <View className='card' id='privacy-consent'>
        <Text className='card__title'>隐私同意</Text>
        <ConsentCard state={state} onWithdrawn={refresh} />
      </View>
      <View className='card' id='privacy-session'>
        <Text className='card__title'>账号与登录</Text>
        {state?.status === 'agreed' || view.status === 'signed-in' ? (
          <SessionCard view={view} onSignIn={signIn} onSignOut={signOut} />
        ) : (
          <Text className='privacy-center__text'>登录需要你先同意隐私政策。</Text>
        )}
      </View>
      <View className='card' id='privacy-data'>
        <Text className='card__title'>我的数据</Text>
        <MyDataCard signedIn={view.status === 'signed-in'} onDeleted={refresh} />
      </View>
      <View className='card'>
        <Text className='card__title'>本机保存的数据</Text>
        <DeviceDataCard version={`${view.status}:${state?.status}`} />
      </View>
      <View className='card' id='privacy-location'>
        <Text className='card__title'>位置权限</Text>
        <LocationPermissionCard />
      </View>
      <View className='card' id='privacy-lists'>
        <Text className='card__title'>个人信息清单</Text>
        <PrivacyListButtons
          idPrefix='privacy'
          className='privacy-center__actions'
          buttonClassName='privacy-center__button'
        />
      </View>
      <ConsentDialog />
    </View>
  )
}

/** The consent record, and the ways to change it: as easy to withdraw as to give (PIPL Art. 15). */
function ConsentCard({ state, onWithdrawn }: { state?: ConsentState; onWithdrawn: () => void }) {
  const [busy, setBusy] = useState(false)
  if (!state) return <Text className='muted'>正在读取…</Text>
  if (state.status !== 'agreed') {
    return (
      <View>
        <Text id='privacy-consent-status' className='privacy-center__text'>
          {state.status === 'unknown'
            ? '你还没有选择是否同意隐私政策。'
            : `你${state.status === 'declined' ? '未同意' : '已撤回同意'}隐私政策（${dateTimeLabel(state.decidedAt)}）：只提供手动选择城市的天气，不使用你的个人信息。`}
        </Text>
        <View id='privacy-reconsider' className='button-primary' onClick={reconsiderConsent}>
          重新选择
        </View>
      </View>
    )
  }
  const withdraw = async () => {
    const { confirm } = await Taro.showModal({
      title: '撤回同意',
      content: '撤回后将退出登录，并清除本机加密保存的数据。天气仍可手动选择城市查看。',
      confirmText: '撤回',
    })
    if (!confirm) return
    setBusy(true)
    try {
      await withdrawConsent()
    } finally {
      setBusy(false)
      onWithdrawn()
    }
  }
  const analytics = state.choices.analytics
  return (
    <View>
      <Text id='privacy-consent-status' className='privacy-center__text'>
        {`你于 ${dateTimeLabel(state.decidedAt)} 同意了隐私政策（版本 ${state.version}）。匿名使用统计：${analytics ? '已开启' : '未开启'}。`}
      </Text>
      {busy ? (
        <Text className='muted'>正在撤回…</Text>
      ) : (
        <View className='privacy-center__actions'>
          <View
            id='privacy-analytics'
            className='button-secondary'
            onClick={() => consent.setChoices({ analytics: !analytics })}
          >
            {analytics ? '关闭使用统计' : '开启使用统计'}
          </View>
          <View id='privacy-withdraw' className='button-secondary' onClick={withdraw}>
            撤回同意
          </View>
        </View>
      )}
    </View>
  )
}

function SessionCard(props: { view: SessionView; onSignIn: () => void; onSignOut: () => void }) {
  const { view } = props
  switch (view.status) {
    case 'loading':
      return <Text className='muted'>正在读取登录状态…</Text>
    case 'busy':
      return (
        <Text id='privacy-session-busy' className='muted'>
          {view.action === 'sign-in' ? '正在登录…' : '正在退出…'}
        </Text>
      )
    case 'signed-in':
      return (
        <View>
          <Text id='privacy-session-status' className='privacy-center__text'>
            {`已登录，本次登录有效期至 ${dateTimeLabel(view.expiresAt)}。登录凭证已加密保存在本机，到期后自动失效。`}
          </Text>
          <View id='privacy-sign-out' className='button-secondary' onClick={props.onSignOut}>
            退出登录
          </View>
        </View>
      )
    case 'signed-out':
      return (
        <View>
          <Text id='privacy-session-status' className='privacy-center__text'>
            {signedOutText(view.server)}
          </Text>
          <Text className='muted privacy-center__note'>
            登录只向服务器发送微信提供的一次性登录凭证（code），不含昵称、头像或手机号。
          </Text>
          <View id='privacy-sign-in' className='button-primary' onClick={props.onSignIn}>
            登录
          </View>
        </View>
      )
    case 'error':
      return (
        <View>
          <Text id='privacy-session-error' className='privacy-center__error'>
            {errorText(view.error)}
          </Text>
          <View id='privacy-sign-in' className='button-primary' onClick={props.onSignIn}>
            重试登录
          </View>
        </View>
      )
  }
}

/** After a sign-out, what happened on the device (always wiped) and on the server. */
function signedOutText(server: ServerSignOut | undefined): string {
  const local = '已在本机退出，登录凭证和密钥已清除。'
  switch (server?.outcome) {
    case 'ended':
      return '已退出登录。本机保存的登录凭证和密钥已全部清除。'
    case 'refused':
      return `${local}服务器拒绝了退出请求（${server.serverCode ?? `HTTP ${server.status}`}），那边的登录将在到期后自动失效。`
    case 'unreachable':
      return `${local}暂时无法连接服务器，那边的登录将在到期后自动失效。`
    default:
      return '未登录。查看和管理你的数据需要先登录。'
  }
}

/** Sign-in failures the device causes get their own words; request failures say which side. */
function errorText(error: AppError): string {
  switch (error.code) {
    case 'ERR_CONSENT_REQUIRED':
      return '登录需要你先同意隐私政策。'
    case 'ERR_LOGIN_FAILED':
      return '微信登录失败，请稍后重试。'
    case 'ERR_STORAGE_QUOTA':
      return '手机存储空间不足，无法保存登录状态。请清理空间后重试。'
    case 'ERR_KEY_STORE_UNAVAILABLE':
      return '这个浏览器无法安全保存登录状态（可能是无痕模式或版本过旧），所以不能登录。天气仍可正常查看。'
    case 'ERR_NO_SECURE_RANDOM':
      return '当前微信版本过低，无法安全保存登录状态。请升级微信后重试。'
    case 'ERR_STORAGE_FAILED':
      return `登录失败，请稍后重试。（${error.code}）`
    default:
      return `登录失败：${requestFailureText(error)}`
  }
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(PrivacyCenterPage)
