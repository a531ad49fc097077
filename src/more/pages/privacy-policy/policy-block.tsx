import { Text, View } from '@tarojs/components'
import type { PolicyBlock } from './policy-content'

/**
 * One block of the policy or of a list: a title and short labelled lines ("用途：…"). Text breaks
 * only where Chinese text may; a web address alone may break anywhere (it has no other place).
 */
export function PolicyBlockView({ block }: { block: PolicyBlock }) {
  return (
    <View id={block.id} className='policy__block'>
      <Text className='policy__block-title'>{block.title}</Text>
      {block.lines.map((line) => (
        <View key={line.id} id={line.id} className='policy__line'>
          <Text className='policy__label'>{`${line.label}：`}</Text>
          {/* Selectable: an address or a link can be copied (a mini program opens no web page). */}
          <Text className={line.url ? 'policy__text policy__text--url' : 'policy__text'} userSelect>
            {line.text}
          </Text>
        </View>
      ))}
    </View>
  )
}
