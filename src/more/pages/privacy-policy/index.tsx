import { Button, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { buildPolicy, type PolicyBlock } from './policy-content'
import { useKillSwitchGate } from '../../../services/hooks/use-kill-switch-gate'
import './index.css'
import { withErrorBoundary } from '../../../components/page-error-boundary'

// Made once: the inventory is constant for a build.
const POLICY_DOCUMENT = buildPolicy()

/**
 * POLICY: the privacy policy, rendered from the data inventory (src/services/data-inventory.ts,
 * through policy-content.ts): who handles the data and how to reach them, every datum with its
 * purpose, method, place and retention, the third-party SDKs, the user's rights and where to use
 * them, the version, its effective date and what changed (PIPL Art. 17, 23, 44–47, 50).
 *
 * It renders no consent dialog: people open it from the dialog to read before deciding, and the
 * page they go back to still shows the question.
 */
function PrivacyPolicyPage() {
  // INCIDENT: opened during an incident (by its address, a link): the maintenance page instead.
  useKillSwitchGate()
  return (
    <View className='policy' id='policy'>
      <Text className='policy__title' id='policy-title'>
        {POLICY_DOCUMENT.title}
      </Text>
      {POLICY_DOCUMENT.sections.map((section) => (
        <View key={section.id} id={section.id} className='card'>
          <Text className='policy__section-title'>{section.title}</Text>
          {section.intro?.map((paragraph) => (
            <Text key={paragraph} className='policy__paragraph'>
              {paragraph}
            </Text>
          ))}
          {section.blocks.map((block) => (
            <Block key={block.id} block={block} />
          ))}
          {section.id === 'policy-rights' && (
            <Button
              id='policy-open-privacy-center'
              className='button-secondary policy__button'
              onClick={() => Taro.navigateTo({ url: '/more/pages/privacy-center/index' })}
            >
              打开隐私中心
            </Button>
          )}
        </View>
      ))}
    </View>
  )
}

function Block({ block }: { block: PolicyBlock }) {
  return (
    <View id={block.id} className='policy__block'>
      <Text className='policy__block-title'>{block.title}</Text>
      {block.lines.map((line) => (
        <View key={line.id} id={line.id} className='policy__line'>
          <Text className='policy__label'>{line.label}</Text>
          {/* Selectable: an address or a link can be copied (a mini program opens no web page). */}
          <Text className='policy__text' userSelect>
            {line.text}
          </Text>
        </View>
      ))}
    </View>
  )
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(PrivacyPolicyPage)
