import { Input, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useState } from 'react'
import { isAppError } from '../../../security/app-error'
import type { City } from '../../../services/api-contract'
import { saveSelectedCity } from '../../../services/city-preference'
import { useCitySearch } from '../../../services/hooks/use-city-search'
import { useSelectedCity } from '../../../services/hooks/use-selected-city'
import './index.css'

/** Search the city list and choose one; the choice is remembered and the page closes. */
export default function CityPickerPage() {
  const [query, setQuery] = useState('')
  const cities = useCitySearch(query)
  const { city: selected } = useSelectedCity()

  const choose = (city: City) => {
    try {
      saveSelectedCity(city)
    } catch (error) {
      const title = isAppError(error, 'ERR_STORAGE_FAILED') ? '保存失败，请重试' : '无法选择该城市'
      Taro.showToast({ title, icon: 'none' })
      return
    }
    Taro.navigateBack()
  }

  return (
    <View className='picker'>
      <View className='picker__search'>
        <Input
          id='city-search'
          className='picker__input'
          type='text'
          placeholder='搜索城市名、拼音或省份'
          confirmType='search'
          maxlength={20}
          onInput={(event) => setQuery(event.detail.value)}
        />
      </View>

      {cities.length === 0 && (
        <View id='city-empty' className='picker__notice'>
          没有找到“{query.trim()}”，试试拼音或省份名称。
        </View>
      )}

      <View className='picker__list card'>
        {cities.map((city) => (
          <View
            key={city.id}
            id={`city-${city.id}`}
            className={`picker__item ${city.id === selected.id ? 'picker__item--current' : ''}`}
            onClick={() => choose(city)}
          >
            <Text className='picker__name'>{city.name}</Text>
            <Text className='picker__province'>
              {city.province === city.name ? '' : city.province}
            </Text>
            {city.id === selected.id && <Text className='picker__badge'>当前</Text>}
          </View>
        ))}
      </View>
    </View>
  )
}
