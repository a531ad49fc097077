import { Button, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useEffect, useState } from 'react'
import { useConsentDialog } from '../../services/hooks/use-consent'
import { POLICY } from '../../services/policy-version'
import {
  getPrivacySetting,
  openPrivacyContract,
  reportPrivacyDialogShown,
} from '../../services/wechat-privacy'
import './index.css'

/** The agree button's id: WeChat checks that the button with this id was tapped. */
const AGREE_BUTTON_ID = 'consent-agree'

/**
 * CONSENT: the one consent dialog, over whatever page is on top. Home passes `askOnLaunch` (a
 * first launch, or a new policy version); every page renders it so that a privacy request
 * WeChat holds (wechat-privacy.ts) is answered where the user is.
 *
 * Plain words first, the full policy one tap away (and WeChat's contract on weapp). Analytics is
 * a separate choice, off unless turned on (PIPL Art. 23). On weapp 同意 is WeChat's
 * `agreePrivacyAuthorization` button, so one tap records consent with WeChat too. 不同意 never
 * exits: the app goes on without personal data.
 */
export default function ConsentDialog({ askOnLaunch = false }: { askOnLaunch?: boolean }) {
  const dialog = useConsentDialog(askOnLaunch)
  const [analytics, setAnalytics] = useState(false)
  const [contractName, setContractName] = useState<string>()

  // Each privacy request is told once that the dialog is on screen, also one arriving while open.
  useEffect(() => {
    if (dialog.visible) reportPrivacyDialogShown()
  }, [dialog.visible, dialog.pending])
  useEffect(() => {
    if (dialog.visible) getPrivacySetting().then((setting) => setContractName(setting.contractName))
  }, [dialog.visible])

  if (!dialog.visible) return null
  const agree = (buttonId?: string) => dialog.agree({ analytics }, buttonId)
  // weapp: the platform's agree button (its event comes after WeChat recorded the agreement);
  // elsewhere a plain tap.
  const agreeProps =
    process.env.TARO_ENV === 'weapp'
      ? {
          openType: 'agreePrivacyAuthorization' as const,
          onAgreePrivacyAuthorization: () => agree(AGREE_BUTTON_ID),
        }
      : { onClick: () => agree() }

  // The dimmed backdrop and the sheet are siblings, not parent and child: one level less of
  // nesting keeps every page within Taro's baseLevel (config/index.ts).
  return (
    <>
      <View className='consent' />
      <View id='consent-dialog' className='consent__sheet'>
        <Text className='consent__title'>
          {dialog.policyChanged ? '隐私政策已更新' : '欢迎使用安心天气'}
        </Text>
        {dialog.policyChanged && (
          <View id='consent-changes' className='consent__changes'>
            {POLICY.changes.map((change) => (
              <Text key={change} className='consent__item'>
                {change}
              </Text>
            ))}
          </View>
        )}
        <Text className='consent__text'>
          查看天气不需要你的个人信息。以下功能经你同意才会使用：
        </Text>
        <Text className='consent__item'>
          · 使用我的位置：你点击时才获取模糊位置，只在手机上换算成最近的城市，坐标不保存、不上传。
        </Text>
        <Text className='consent__item'>
          · 登录：用于查看、导出和删除服务器上你的数据；发送错误报告时自动登录。
        </Text>
        <Text className='consent__item'>· 错误报告：出错时发送去除个人信息的错误记录。</Text>
        <View
          id='consent-analytics'
          className='consent__choice'
          onClick={() => setAnalytics(!analytics)}
        >
          <Text className={analytics ? 'consent__box consent__box--on' : 'consent__box'}>
            {analytics ? '✓' : ''}
          </Text>
          <Text>另外允许匿名使用统计（微信分析，可随时关闭）</Text>
        </View>
        <View className='consent__links'>
          <Text
            id='consent-policy'
            className='link'
            onClick={() => Taro.navigateTo({ url: '/more/pages/privacy-policy/index' })}
          >
            《隐私政策》
          </Text>
          {process.env.TARO_ENV === 'weapp' && (
            <Text id='consent-contract' className='link' onClick={() => openPrivacyContract()}>
              {contractName || '《小程序隐私保护指引》'}
            </Text>
          )}
        </View>
        <View className='consent__actions'>
          <View id='consent-decline' className='button-secondary' onClick={dialog.decline}>
            不同意
          </View>
          <Button id={AGREE_BUTTON_ID} className='consent__agree' {...agreeProps}>
            同意
          </Button>
        </View>
        <Text className='muted'>不同意也可以手动选择城市查看天气。</Text>
      </View>
    </>
  )
}
