import { Text, View } from '@tarojs/components'
import type { AppError } from '../../../security/app-error'
import { useSession, type SessionView } from '../../../services/hooks/use-session'
import type { ServerSignOut } from '../../../services/session'
import { requestFailureText } from '../../../components/request-failure-text'
import { dateTimeLabel } from '../../../components/weather-text'
import './index.css'

/**
 * The privacy center. Today: the account session (sign in to manage your data, sign out to wipe
 * it from this device). Viewing, exporting and deleting data and withdrawing consent arrive with
 * the POLICY practice.
 */
export default function PrivacyCenterPage() {
  const { view, signIn, signOut } = useSession()
  return (
    <View className='privacy-center'>
      <View className='card' id='privacy-session'>
        <Text className='card__title'>账号与登录</Text>
        <SessionCard view={view} onSignIn={signIn} onSignOut={signOut} />
      </View>
      <View className='card'>
        <Text className='card__title'>我的数据</Text>
        <Text className='privacy-center__text'>
          你将可以在这里查看、导出和删除你的数据，或随时撤回同意。
        </Text>
        <Text className='muted'>此功能将在后续版本中完善（POLICY）。</Text>
      </View>
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
    case 'ERR_LOGIN_FAILED':
      return '微信登录失败，请稍后重试。'
    case 'ERR_STORAGE_QUOTA':
      return '手机存储空间不足，无法保存登录状态。请清理空间后重试。'
    case 'ERR_NO_SECURE_RANDOM':
      return '当前微信版本过低，无法安全保存登录状态。请升级微信后重试。'
    case 'ERR_STORAGE_FAILED':
      return `登录失败，请稍后重试。（${error.code}）`
    default:
      return `登录失败：${requestFailureText(error)}`
  }
}
