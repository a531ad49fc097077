import { Button, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { COLLECTED_LIST_URL, SHARING_LIST_URL } from './privacy-lists'

/**
 * POLICY: the two buttons that open 已收集个人信息清单 and 第三方信息共享清单, shown by the
 * policy's summary and by the privacy center. `idPrefix` names them per page
 * (`policy-open-collected-list`, `privacy-open-sharing-list`...); the classes are the page's.
 */
export function PrivacyListButtons(props: {
  idPrefix: 'policy' | 'privacy'
  className: string
  buttonClassName: string
}) {
  return (
    <View className={props.className}>
      <Button
        id={`${props.idPrefix}-open-collected-list`}
        className={`button-secondary ${props.buttonClassName}`}
        onClick={() => Taro.navigateTo({ url: COLLECTED_LIST_URL })}
      >
        已收集个人信息清单
      </Button>
      <Button
        id={`${props.idPrefix}-open-sharing-list`}
        className={`button-secondary ${props.buttonClassName}`}
        onClick={() => Taro.navigateTo({ url: SHARING_LIST_URL })}
      >
        第三方信息共享清单
      </Button>
    </View>
  )
}
