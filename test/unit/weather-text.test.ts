import {
  conditionLabel,
  dayLabel,
  shortDate,
  sourceLabel,
  temperatureLabel,
  updatedAtLabel,
  dateTimeLabel,
  windLabel,
} from '../../src/components/weather-text'
import type { Condition } from '../../src/services/api-contract'

test.each<[Condition, string]>([
  ['clear', '晴'],
  ['partly-cloudy', '多云'],
  ['cloudy', '阴'],
  ['rain', '雨'],
  ['thunderstorm', '雷阵雨'],
  ['snow', '雪'],
  ['fog', '雾'],
])('condition %s reads %s', (condition, label) => {
  expect(conditionLabel(condition)).toBe(label)
})

test('an unknown condition (a newer server) still shows something', () => {
  expect(conditionLabel('hail' as Condition)).toBe('未知')
})

test('wind, temperature, source', () => {
  expect(windLabel('NE', 12)).toBe('东北风 12 公里/时')
  expect(windLabel('??', 3)).toBe('风 3 公里/时')
  expect(temperatureLabel(-3)).toBe('-3°')
  expect(sourceLabel('local')).toBe('本地演示数据')
  expect(sourceLabel('server')).toBe('安心天气服务')
})

test.each([
  ['2026-11-25', 0, '今天'],
  ['2026-11-26', 1, '明天'],
  ['2026-11-27', 2, '周五'],
  ['2026-11-29', 4, '周日'],
])('day %s at index %i reads %s', (date, index, label) => {
  expect(dayLabel(date, index)).toBe(label)
})

test('short date and update time (device zone: Asia/Shanghai under jest)', () => {
  expect(shortDate('2026-01-05')).toBe('1/5')
  expect(updatedAtLabel('2026-11-25T06:05:00Z')).toBe('更新于 14:05')
  expect(updatedAtLabel('2026-11-25T01:05:00Z')).toBe('更新于 9:05')
  expect(updatedAtLabel('not a date')).toBe('更新时间未知')
})

test('dateTimeLabel: Chinese date without leading zeros, never broken inside the value', () => {
  // 2026-11-30T16:34Z is 12月1日 0:34 in China (the tests run in Asia/Shanghai).
  expect(dateTimeLabel(Date.parse('2026-11-30T16:34:00Z'))).toBe('12月1日\u00a00:34')
  expect(dateTimeLabel(Date.parse('2026-03-05T01:05:00Z'))).toBe('3月5日\u00a09:05')
  expect(dateTimeLabel(Date.parse('2026-10-15T12:45:00Z'))).toBe('10月15日\u00a020:45')
  expect(dateTimeLabel(Date.parse('2026-10-15T12:45:00Z'))).not.toMatch(/[ \t\n]/)
})
