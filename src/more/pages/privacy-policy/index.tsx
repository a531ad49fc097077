import { Button, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useState } from 'react'
import { useKillSwitchGate } from '../../../services/hooks/use-kill-switch-gate'
import { buildPolicy, type DeveloperPart } from './policy-content'
import { PolicyBlockView } from './policy-block'
import { PrivacyListButtons } from './privacy-list-buttons'
import './index.css'
import { withErrorBoundary } from '../../../components/page-error-boundary'

// Made once: the inventory is constant for a build.
const POLICY_DOCUMENT = buildPolicy()

/**
 * POLICY: the privacy policy, rendered from the data inventory (src/services/data-inventory.ts,
 * through policy-content.ts), in layers: a summary of a screen or two with the way to the two
 * lists, then every datum in plain words, the SDKs, the rights and where to use them, who we are,
 * the version and what changed (PIPL Art. 17, 23, 44–47, 50); last, collapsed, the technical
 * detail for developers (storage keys, tables, columns).
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
      <Text className='policy__version muted' id='policy-version'>
        {POLICY_DOCUMENT.versionLine}
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
            <PolicyBlockView key={block.id} block={block} />
          ))}
          {section.id === 'policy-summary' && (
            <PrivacyListButtons
              idPrefix='policy'
              className='policy__actions'
              buttonClassName='policy__button'
            />
          )}
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
      <DeveloperView part={POLICY_DOCUMENT.developer} />
    </View>
  )
}

/**
 * The technical detail, collapsed until asked for: people reading the policy need none of it;
 * developers and auditors checking the build against the policy need all of it.
 */
function DeveloperView({ part }: { part: DeveloperPart }) {
  const [open, setOpen] = useState(false)
  return (
    <View id={part.id} className='card policy__developer'>
      <Text className='policy__section-title'>{part.title}</Text>
      <Button
        id='policy-developer-toggle'
        className='button-secondary policy__button'
        onClick={() => setOpen(!open)}
      >
        {open ? '收起技术细节' : '展开技术细节'}
      </Button>
      {open && (
        <View id='policy-developer-detail'>
          <Text className='policy__paragraph'>{part.intro}</Text>
          {part.entries.map((entry) => (
            <View key={entry.id} id={entry.id} className='policy__block'>
              <Text className='policy__block-title'>{entry.name}</Text>
              {entry.places.length === 0 ? (
                <Text className='policy__paragraph'>无存储键或数据表</Text>
              ) : (
                entry.places.map((place) => (
                  <View key={`${place.label}:${place.tokens.join(',')}`} className='policy__line'>
                    <Text className='policy__label'>{`${place.label}：`}</Text>
                    {place.tokens.map((token) => (
                      <Text key={token} className='policy__token' userSelect>
                        {token}
                      </Text>
                    ))}
                  </View>
                ))
              )}
            </View>
          ))}
        </View>
      )}
    </View>
  )
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(PrivacyPolicyPage)
