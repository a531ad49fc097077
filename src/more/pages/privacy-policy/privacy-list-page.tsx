import { Text, View } from '@tarojs/components'
import { PolicyBlockView } from './policy-block'
import type { PrivacyList } from './privacy-lists'
import './index.css'

/**
 * POLICY: one of the two lists (已收集个人信息清单, 第三方信息共享清单) as a page: a title, what
 * the list is, and one block per entry, in the policy's look. Each list page renders it with its
 * list, made once from the inventory.
 */
export function PrivacyListPage({ list }: { list: PrivacyList }) {
  return (
    <View className='policy' id={list.id}>
      <Text className='policy__title' id={`${list.id}-title`}>
        {list.title}
      </Text>
      <View className='card'>
        {list.intro.map((paragraph) => (
          <Text key={paragraph} className='policy__paragraph'>
            {paragraph}
          </Text>
        ))}
        {list.blocks.map((block) => (
          <PolicyBlockView key={block.id} block={block} />
        ))}
      </View>
    </View>
  )
}
