import { Input, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useState } from 'react'
import { isAppError } from '../../../security/app-error'
import { saveSelectedCity, type ChosenCity } from '../../../services/city-preference'
import { useCitySearch } from '../../../services/hooks/use-city-search'
import { useSelectedCity } from '../../../services/hooks/use-selected-city'
import './index.css'

/**
 * Search the city list and choose one; the choice is remembered and the page closes.
 * The current city is pinned on top until the user searches; then the first row is the best
 * match, and the keyboard's confirm key (Enter) picks it as a tap would.
 */
export default function CityPickerPage() {
  const [query, setQuery] = useState('')
  const { searching, cities } = useCitySearch(query)
  const { city: current } = useSelectedCity()

  const choose = (city: ChosenCity) => {
    try {
      saveSelectedCity(city)
    } catch (error) {
      const title = isAppError(error, 'ERR_STORAGE_FAILED') ? '保存失败，请重试' : '无法选择该城市'
      Taro.showToast({ title, icon: 'none' })
      return
    }
    Taro.navigateBack()
  }

  // Enter with nothing typed picks nothing: the whole list is not a match.
  const chooseFirstMatch = () => {
    if (searching && cities.length > 0) choose(cities[0])
  }

  return (
    <View className='picker'>
      <View className='picker__search'>
        <Input
          id='city-search'
          className='picker__input'
          type='text'
          placeholder='搜索城市名、拼音、首字母或省份'
          confirmType='search'
          maxlength={20}
          onInput={(event) => setQuery(event.detail.value)}
          onConfirm={chooseFirstMatch}
        />
      </View>

      {/* The "use my location" card goes here, above the current city. */}

      {!searching && (
        <View className='picker__list card'>
          <View
            id='city-current'
            className='picker__item picker__item--current'
            onClick={() => choose(current)}
          >
            <Text className='picker__name'>{current.name}</Text>
            <Text className='picker__province'>
              {current.province === current.name ? '' : current.province}
            </Text>
            <Text className='picker__badge'>当前城市</Text>
          </View>
        </View>
      )}

      {cities.length === 0 && (
        <View id='city-empty' className='picker__notice'>
          没有找到“{query.trim()}”，试试拼音、首字母或省份名称。
        </View>
      )}

      <View className='picker__list card'>
        {cities.map((city) => (
          <View
            key={city.id}
            id={`city-${city.id}`}
            className={`picker__item ${city.id === current.id ? 'picker__item--current' : ''}`}
            onClick={() => choose(city)}
          >
            <Text className='picker__name'>{city.name}</Text>
            <Text className='picker__province'>
              {city.province === city.name ? '' : city.province}
            </Text>
            {city.id === current.id && <Text className='picker__badge'>当前</Text>}
          </View>
        ))}
      </View>
    </View>
  )
}
