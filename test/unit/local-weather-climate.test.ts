import type { Condition } from '../../src/services/api-contract'
import { findCity } from '../../src/services/city-list'
import {
  climateFor,
  createLocalWeatherProvider,
  feelsLikeC,
  forecastFor,
  heatIndexC,
  windChillC,
} from '../../src/services/local-weather-provider'

// The climate rules of the offline weather model, one by one. The server's embedded provider
// uses the same model; server/test/embedded-weather.test.ts judges its answers city by city.

const fahrenheitToC = (f: number) => ((f - 32) * 5) / 9

describe('heat index (NWS Rothfusz regression)', () => {
  // Values read from the NWS heat index chart (°F), https://www.weather.gov/safety/heat-index
  test.each([
    [90, 70, 106],
    [86, 80, 100],
    [96, 50, 108],
    [84, 40, 83],
    [100, 40, 109],
  ])('%i °F at %i%% humidity feels like %i °F', (airF, humidityPct, chartF) => {
    expect(heatIndexC(fahrenheitToC(airF), humidityPct)).toBeCloseTo(fahrenheitToC(chartF), 0)
  })

  test('dry heat: the NWS low-humidity adjustment brings it below the air', () => {
    expect(heatIndexC(fahrenheitToC(100), 10)).toBeLessThan(fahrenheitToC(100) - 2)
  })
})

describe('wind chill (Environment Canada / NWS formula)', () => {
  // Values from Environment Canada's wind chill table (°C, wind in km/h at 10 m).
  test.each([
    [-20, 30, -33],
    [-10, 20, -18],
    [0, 10, -3],
    [5, 40, -1],
    [-30, 50, -49],
  ])('%i °C in a %i km/h wind feels like %i °C', (airC, windKph, tableC) => {
    expect(Math.round(windChillC(airC, windKph))).toBe(tableC)
  })
})

describe('feels like', () => {
  test.each([
    ['humid heat', 32, 75, 10, 'hotter'],
    ['tropical afternoon', 30, 80, 5, 'hotter'],
    ['cold wind', -10, 50, 30, 'colder'],
    ['chilly breeze', 8, 60, 20, 'colder'],
    ['calm frost', -5, 60, 3, 'same'],
    ['mild and windy', 18, 50, 40, 'same'],
    ['mild and humid', 22, 90, 5, 'same'],
  ])('%s: %i °C, %i%%, %i km/h feels %s', (_name, airC, humidityPct, windKph, expected) => {
    const feels = feelsLikeC(airC, humidityPct, windKph)
    if (expected === 'hotter') expect(feels).toBeGreaterThan(airC + 2)
    if (expected === 'colder') expect(feels).toBeLessThan(airC - 1)
    if (expected === 'same') expect(feels).toBeCloseTo(airC, 5)
  })

  test('the heat index is used from 27 °C and wind chill up to 10 °C', () => {
    expect(feelsLikeC(32, 75, 30)).toBeCloseTo(heatIndexC(32, 75), 5)
    expect(feelsLikeC(-10, 50, 30)).toBeCloseTo(windChillC(-10, 30), 5)
    expect(feelsLikeC(11, 50, 30)).toBe(11)
  })
})

describe('climate by region and month', () => {
  test.each([
    ['harbin', 'dry-winter-monsoon'],
    ['hohhot', 'dry-winter-monsoon'],
    ['beijing', 'dry-winter-monsoon'],
    ['lhasa', 'highland'],
    ['kunming', 'highland'],
    ['urumqi', 'arid-inland'],
    ['lanzhou', 'arid-inland'],
    ['guangzhou', 'humid-monsoon'],
    ['chengdu', 'humid-monsoon'],
    ['shanghai', 'humid-monsoon'],
    ['singapore', 'equatorial'],
    ['bangkok', 'tropical-monsoon'],
    ['sanya', 'tropical-monsoon'],
    ['san-francisco', 'mediterranean'],
    ['london', 'oceanic'],
    ['sydney', 'oceanic'],
    ['new-york', 'temperate'],
  ])('%s is %s', (id, region) => {
    expect(climateFor(findCity(id)!, 1).region).toBe(region)
  })

  test.each([
    ['harbin', 12],
    ['hohhot', 12],
    ['beijing', 1],
    ['urumqi', 2],
  ])('%s in month %i: a dry winter', (id, month) => {
    const climate = climateFor(findCity(id)!, month)
    expect(climate.precipitationPct).toBeLessThanOrEqual(15)
    expect(climate.humidityPct).toBeLessThanOrEqual(55)
  })

  test.each([1, 4, 7, 10])('singapore in month %i: wet and humid', (month) => {
    const climate = climateFor(findCity('singapore')!, month)
    expect(climate.precipitationPct).toBeGreaterThanOrEqual(50)
    expect(climate.humidityPct).toBeGreaterThanOrEqual(78)
  })

  test('seasons: Beijing rains in summer, Sydney and San Francisco in their winters', () => {
    const chance = (id: string, month: number) => climateFor(findCity(id)!, month).precipitationPct
    expect(chance('beijing', 7)).toBeGreaterThan(chance('beijing', 1) + 30)
    expect(chance('guangzhou', 1)).toBeGreaterThan(chance('beijing', 1))
    expect(chance('sydney', 7)).toBeGreaterThan(chance('sydney', 1))
    expect(chance('san-francisco', 1)).toBeGreaterThan(chance('san-francisco', 7) + 30)
  })
})

describe('the test double (createLocalWeatherProvider) follows the same rules', () => {
  const LIQUID: Condition[] = ['rain', 'thunderstorm']

  test.each(['harbin', 'hohhot'])('%s through December: no rain at or below 0 °C', async (id) => {
    for (let day = 1; day <= 31; day++) {
      for (const hour of [21, 6]) {
        const at = new Date(Date.UTC(2026, 11, day, hour))
        const weather = await createLocalWeatherProvider({ now: () => at }).getWeather({
          cityId: id,
        })
        expect(weather).toEqual(forecastFor(findCity(id)!, at))
        const { current, daily } = weather
        if (current.temperatureC <= 0) expect(LIQUID).not.toContain(current.condition)
        for (const d of daily) if (d.highC <= 0) expect(LIQUID).not.toContain(d.condition)
      }
    }
  })

  test('Singapore on a July afternoon feels hotter than the air', async () => {
    const at = new Date('2026-07-15T06:00:00Z')
    const { current } = await createLocalWeatherProvider({ now: () => at }).getWeather({
      cityId: 'singapore',
    })
    expect(current.humidityPct).toBeGreaterThanOrEqual(60)
    expect(current.feelsLikeC).toBeGreaterThan(current.temperatureC)
  })
})
