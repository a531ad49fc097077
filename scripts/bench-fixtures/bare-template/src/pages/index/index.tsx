import { Text, View } from '@tarojs/components'
import './index.css'

export default function Index() {
  return (
    <View className='index'>
      <Text>你好，世界！</Text>
    </View>
  )
}
