import type { Condition } from '../services/api-contract'

/** User-facing text for weather values, in Simplified Chinese. Pure functions: unit-tested. */

const CONDITION_LABELS: Record<Condition, string> = {
  clear: '晴',
  'partly-cloudy': '多云',
  cloudy: '阴',
  rain: '雨',
  thunderstorm: '雷阵雨',
  snow: '雪',
  fog: '雾',
}

const WIND_LABELS: Record<string, string> = {
  N: '北风',
  NE: '东北风',
  E: '东风',
  SE: '东南风',
  S: '南风',
  SW: '西南风',
  W: '西风',
  NW: '西北风',
}

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

export function conditionLabel(condition: Condition): string {
  return CONDITION_LABELS[condition] ?? '未知'
}

export function windLabel(direction: string, kph: number): string {
  return `${WIND_LABELS[direction] ?? '风'} ${kph} 公里/时`
}

export function temperatureLabel(celsius: number): string {
  return `${celsius}°`
}

/** '今天' / '明天' for the first two days, then the weekday, for `YYYY-MM-DD` dates. */
export function dayLabel(date: string, index: number): string {
  if (index === 0) return '今天'
  if (index === 1) return '明天'
  const [year, month, day] = date.split('-').map(Number)
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay()
  return WEEKDAYS[weekday] ?? date
}

/** `MM/DD` for a `YYYY-MM-DD` date. */
export function shortDate(date: string): string {
  const [, month, day] = date.split('-')
  return `${Number(month)}/${Number(day)}`
}

/** '更新于 14:05', '更新于 9:05' in the device's time zone; '更新时间未知' for an unparsable time. */
export function updatedAtLabel(iso: string): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return '更新时间未知'
  return `更新于 ${clockTime(at)}`
}

/**
 * '12月1日 9:05' in the device's time zone: Chinese date order without leading zeros, and a
 * no-break space so the line never breaks inside the value.
 */
export function dateTimeLabel(ms: number): string {
  const at = new Date(ms)
  return `${at.getMonth() + 1}月${at.getDate()}日\u00a0${clockTime(at)}`
}

/** '9:05', '14:05': hours as they are said, minutes always two digits. */
function clockTime(at: Date): string {
  return `${at.getHours()}:${String(at.getMinutes()).padStart(2, '0')}`
}

export function sourceLabel(source: 'local' | 'server'): string {
  return source === 'local' ? '本地演示数据' : '安心天气服务'
}
