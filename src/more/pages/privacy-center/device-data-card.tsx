import { Text, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import { useEffect, useState } from 'react'
import { DATA_INVENTORY, type Datum } from '../../../services/data-inventory'

/** One line of the card: a datum of the inventory, and what this device holds of it. */
interface DeviceLine {
  id: string
  name: string
  /** Shown to the user: masked or summarised, never a secret or a full value. */
  held: string
}

/**
 * "本机保存的数据": every datum the inventory places on the device, whether this device holds it
 * now, and a masked view of it (PIPL Art. 45: the right to see). Sealed items show only that they
 * are there; the chosen city (public) shows its name; what the app never stores says so. Read
 * afresh each time the page shows.
 */
export function DeviceDataCard({ version }: { version: string }) {
  const [lines, setLines] = useState<DeviceLine[]>([])
  // Read again when the page shows, and when `version` changes (a sign-in, withdrawal, deletion).
  useDidShow(() => setLines(readDeviceData()))
  useEffect(() => setLines(readDeviceData()), [version])
  return (
    <View id='privacy-device-data'>
      {lines.map((line) => (
        <View key={line.id} id={`privacy-device-${line.id}`} className='privacy-center__row'>
          <Text className='privacy-center__row-name'>{line.name}</Text>
          <Text className='privacy-center__row-value'>{line.held}</Text>
        </View>
      ))}
    </View>
  )
}

/** What the device holds, datum by datum (the inventory's device places, and "not stored"). */
export function readDeviceData(keys: readonly string[] = storageKeys()): DeviceLine[] {
  const lines: DeviceLine[] = []
  for (const datum of DATA_INVENTORY.data) {
    for (const place of datum.where) {
      if (place.kind === 'not-stored') {
        lines.push({ id: datum.id, name: datum.name, held: `不保存：${place.note}` })
      } else if (place.kind === 'device') {
        const present = keys.includes(place.key)
        lines.push({
          id: datum.id,
          name: datum.name,
          held: present ? heldText(datum, place.key, place.sealed) : '未保存',
        })
      }
    }
  }
  return lines
}

function heldText(datum: Datum, key: string, sealed: boolean): string {
  if (sealed) return '已加密保存（内容不显示）'
  // A keyring is random bytes that protect another item: say what it is for, not how many keys.
  if (datum.category === 'not-personal' && datum.id.endsWith('-keyring')) {
    return `已保存：随机生成的密钥，只用来${datum.purpose}，不含你的任何信息`
  }
  const value = readJson(key)
  if (datum.id === 'location-city' || datum.id === 'chosen-city') {
    const fromLocation = value?.source === 'location'
    if (fromLocation !== (datum.id === 'location-city')) return '未保存'
    return typeof value?.name === 'string' ? `已保存：${value.name}` : '已保存'
  }
  if (datum.id === 'kept-weather' && value) {
    return `已保存：${Object.keys(value).length} 个城市最近的天气`
  }
  return '已保存'
}

function storageKeys(): string[] {
  try {
    return Taro.getStorageInfoSync().keys
  } catch {
    return []
  }
}

function readJson(key: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Taro.getStorageSync(key))
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
