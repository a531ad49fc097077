import { Text, View } from '@tarojs/components'
import './index.css'

interface PlaceholderPageProps {
  /** The practice id this page belongs to, e.g. 'CONSENT'. */
  practice: string
  title: string
  /** What the page will do once its practice lands, in the user's words. */
  description: string
}

/**
 * A routed page whose practice has not landed yet. It says so plainly instead of pretending:
 * nothing on it collects, stores or sends anything.
 */
export default function PlaceholderPage({ practice, title, description }: PlaceholderPageProps) {
  return (
    <View className='placeholder'>
      <View className='card'>
        <Text className='placeholder__title'>{title}</Text>
        <Text className='placeholder__text'>{description}</Text>
        <Text className='placeholder__status'>此页面将在后续版本中完善（{practice}）。</Text>
      </View>
    </View>
  )
}
