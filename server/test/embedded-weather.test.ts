import type { Condition, WeatherResponse } from '../../src/services/api-contract'
import { CITIES, findCity } from '../../src/services/city-list'
import { forecastFor } from '../../src/services/local-weather-provider'
import { embeddedProvider } from '../src/weather/providers'

// The embedded provider's weather, judged as a person living in each city would judge it.
// It shares its model with the app's offline test double (forecastFor), so these rules hold
// for both; test/unit/local-weather-climate.test.ts checks the formulas one by one.

/** Hours (UTC) each day is looked at: night, morning, afternoon and evening in China. */
const HOURS_UTC = [21, 0, 6, 12]

/** The embedded answers for every day of `month` (1-12) of 2026, at each of HOURS_UTC. */
async function answersFor(cityId: string, month: number, days?: number[]) {
  const city = findCity(cityId)!
  const daysInMonth = new Date(Date.UTC(2026, month, 0)).getUTCDate()
  const answers: WeatherResponse[] = []
  for (const day of days ?? Array.from({ length: daysInMonth }, (_, i) => i + 1)) {
    for (const hour of HOURS_UTC) {
      answers.push(
        await embeddedProvider.forecast(city, new Date(Date.UTC(2026, month - 1, day, hour))),
      )
    }
  }
  return answers
}

const WET: Condition[] = ['rain', 'thunderstorm', 'snow']
const LIQUID: Condition[] = ['rain', 'thunderstorm']

/** The chance of precipitation (%) each sky may carry: a clear day never says 90%. */
const PERCENT_FOR: Record<Condition, [number, number]> = {
  clear: [0, 19],
  'partly-cloudy': [20, 39],
  fog: [20, 39],
  cloudy: [40, 59],
  rain: [60, 100],
  thunderstorm: [60, 100],
  snow: [60, 100],
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length

/** What a resident would find wrong in one answer; empty when it holds together. */
function problemsIn({ current, daily, updatedAt }: WeatherResponse): string[] {
  const problems: string[] = []
  for (const day of daily) {
    const [low, high] = PERCENT_FOR[day.condition]
    if (day.precipitationPct < low || day.precipitationPct > high) {
      problems.push(`${updatedAt} ${day.date}: ${day.condition} at ${day.precipitationPct}%`)
    }
    // At or below freezing all day, precipitation falls as snow.
    if (day.highC <= 0 && LIQUID.includes(day.condition)) {
      problems.push(`${updatedAt} ${day.date}: ${day.condition} with a high of ${day.highC}`)
    }
  }
  if (current.temperatureC <= 0 && LIQUID.includes(current.condition)) {
    problems.push(`${updatedAt}: ${current.condition} now at ${current.temperatureC} °C`)
  }
  // Now agrees with today: wet now only on a wet day, and the same sky otherwise.
  const today = daily[0].condition
  const agrees = WET.includes(today) ? WET.includes(current.condition) : current.condition === today
  if (!agrees) problems.push(`${updatedAt}: ${current.condition} now on a ${today} day`)
  if (current.humidityPct < 5 || current.humidityPct > 98) {
    problems.push(`${updatedAt}: humidity ${current.humidityPct}%`)
  }
  return problems
}

test.each(CITIES.map((city) => city.id))(
  '%s, all year: every answer holds together',
  async (id) => {
    const problems: string[] = []
    for (let month = 1; month <= 12; month++) {
      for (const answer of await answersFor(id, month, [1, 11, 21])) {
        problems.push(...problemsIn(answer))
      }
    }
    expect(problems).toEqual([])
  },
)

describe('temperatures a resident would recognise', () => {
  // Average daily high of the month, with the long-term normal (°C) in the comment.
  test.each([
    ['harbin', 1, -16, -6], // -12
    ['beijing', 1, -3, 5], // 2
    ['beijing', 7, 28, 34], // 31
    ['guangzhou', 1, 14, 22], // 19
    ['singapore', 7, 29, 34], // 31
    ['kunming', 7, 20, 27], // 24
    ['lhasa', 7, 18, 26], // 23
    ['london', 1, 4, 11], // 8
    ['london', 7, 19, 26], // 23
    ['san-francisco', 7, 16, 24], // 20
    ['sydney', 1, 23, 30], // 26
    ['sydney', 7, 14, 21], // 17
  ])('%s in month %i: the average high is between %i and %i °C', async (id, month, low, high) => {
    const highs = (await answersFor(id, month)).map((a) => a.daily[0].highC)
    expect(mean(highs)).toBeGreaterThanOrEqual(low)
    expect(mean(highs)).toBeLessThanOrEqual(high)
  })
})

describe('dry northern and inland winters', () => {
  test.each([
    ['harbin', 12],
    ['hohhot', 12],
    ['beijing', 12],
    ['harbin', 1],
    ['hohhot', 1],
    ['beijing', 1],
    ['urumqi', 1],
    ['lanzhou', 2],
    ['changchun', 2],
  ])('%s in month %i: low chance of precipitation, dry air, no rain', async (id, month) => {
    const answers = await answersFor(id, month)
    const today = answers.map((a) => a.daily[0])
    expect(mean(today.map((d) => d.precipitationPct))).toBeLessThanOrEqual(20)
    // Days of rain or snow, counted once per day (each day is seen at four hours).
    expect(today.filter((d) => WET.includes(d.condition)).length / HOURS_UTC.length).toBeLessThan(6)
    expect(mean(answers.map((a) => a.current.humidityPct))).toBeLessThanOrEqual(60)
    for (const { current, daily } of answers) {
      if (current.temperatureC <= 0) expect(LIQUID).not.toContain(current.condition)
      for (const day of daily) if (day.highC <= 0) expect(LIQUID).not.toContain(day.condition)
    }
  })

  test.each([
    ['harbin', 12],
    ['hohhot', 12],
  ])('%s in month %i: never rain at all (it is below freezing)', async (id, month) => {
    for (const { current, daily } of await answersFor(id, month)) {
      expect(LIQUID).not.toContain(current.condition)
      for (const day of daily) expect(LIQUID).not.toContain(day.condition)
    }
  })

  test('summer brings the rain: Beijing is wetter in July than in January', async () => {
    const chance = async (month: number) =>
      mean((await answersFor('beijing', month)).map((a) => a.daily[0].precipitationPct))
    expect(await chance(7)).toBeGreaterThan((await chance(1)) + 25)
  })
})

describe('humid south and tropics', () => {
  test.each([
    ['singapore', 1, 75],
    ['singapore', 4, 75],
    ['singapore', 7, 75],
    ['singapore', 10, 75],
    ['guangzhou', 1, 65],
    ['guangzhou', 7, 75],
    ['hongkong', 1, 65],
    ['haikou', 12, 65],
  ])('%s in month %i: mean humidity at least %i%%', async (id, month, floor) => {
    const answers = await answersFor(id, month)
    expect(mean(answers.map((a) => a.current.humidityPct))).toBeGreaterThanOrEqual(floor)
    expect(Math.min(...answers.map((a) => a.current.humidityPct))).toBeGreaterThanOrEqual(45)
  })

  test('the same January: Guangzhou is far more humid than Beijing', async () => {
    const humidity = async (id: string) =>
      mean((await answersFor(id, 1)).map((a) => a.current.humidityPct))
    expect(await humidity('guangzhou')).toBeGreaterThan((await humidity('beijing')) + 15)
  })
})

describe('feels like', () => {
  test.each([
    ['singapore', 1],
    ['singapore', 7],
    ['guangzhou', 7],
    ['bangkok', 5],
  ])('%s in month %i: humid heat feels hotter than the air', async (id, month) => {
    const hot = (await answersFor(id, month))
      .map((a) => a.current)
      .filter((c) => c.temperatureC >= 28 && c.humidityPct >= 60)
    expect(hot.length).toBeGreaterThan(10)
    for (const c of hot) expect(c.feelsLikeC).toBeGreaterThan(c.temperatureC)
    expect(mean(hot.map((c) => c.feelsLikeC - c.temperatureC))).toBeGreaterThanOrEqual(2)
  })

  test.each([
    ['harbin', 1],
    ['hohhot', 12],
    ['urumqi', 1],
    ['berlin', 1],
  ])('%s in month %i: cold wind feels colder, calm cold feels as it is', async (id, month) => {
    const cold = (await answersFor(id, month))
      .map((a) => a.current)
      .filter((c) => c.temperatureC <= 5)
    const windy = cold.filter((c) => c.windKph >= 15)
    expect(windy.length).toBeGreaterThan(10)
    for (const c of windy) expect(c.feelsLikeC).toBeLessThan(c.temperatureC)
    for (const c of cold) expect(c.feelsLikeC).toBeLessThanOrEqual(c.temperatureC)
  })

  test('mild air feels like the air, whatever the wind', async () => {
    const mild = (await answersFor('kunming', 4))
      .concat(await answersFor('london', 6))
      .map((a) => a.current)
      .filter((c) => c.temperatureC >= 12 && c.temperatureC <= 25)
    expect(mild.length).toBeGreaterThan(10)
    for (const c of mild) expect(Math.abs(c.feelsLikeC - c.temperatureC)).toBeLessThanOrEqual(1)
  })
})

describe('determinism', () => {
  test.each([
    ['harbin', '2026-12-20T06:30:00Z'],
    ['singapore', '2026-07-04T03:00:00Z'],
    ['hohhot', '2026-01-02T22:15:00Z'],
  ])('%s at %s: the same answer every time, and the same as the app model', async (id, at) => {
    const city = findCity(id)!
    const first = await embeddedProvider.forecast(city, new Date(at))
    const again = await embeddedProvider.forecast(city, new Date(at))
    expect(again).toEqual(first)
    expect(first).toEqual({ ...forecastFor(city, new Date(at)), source: 'server' })
  })

  test('the days ahead do not change during the day', async () => {
    const city = findCity('harbin')!
    const morning = await embeddedProvider.forecast(city, new Date('2026-12-20T00:30:00Z'))
    const evening = await embeddedProvider.forecast(city, new Date('2026-12-20T12:30:00Z'))
    expect(evening.daily).toEqual(morning.daily)
  })
})
