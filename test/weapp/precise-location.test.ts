import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

// PERMISSION in the built package itself: app.json declares the fuzzy location only, with its
// prompt text, and no file of the weapp build uses a precise location API (WeChat's review
// checks the declaration against what the code calls).
const DIST = resolve(__dirname, '../../dist')
const PRECISE = [
  'getLocation',
  'onLocationChange',
  'startLocationUpdate',
  'startLocationUpdateBackground',
  'chooseLocation',
  'choosePoi',
  'chooseAddress',
]

const jsFiles = () =>
  (readdirSync(DIST, { recursive: true }) as string[]).filter((file) => file.endsWith('.js'))

test('dist/app.json declares exactly getFuzzyLocation and its permission text', () => {
  const appJson = JSON.parse(readFileSync(join(DIST, 'app.json'), 'utf8'))
  expect(appJson.requiredPrivateInfos).toEqual(['getFuzzyLocation'])
  expect(Object.keys(appJson.permission)).toEqual(['scope.userFuzzyLocation'])
  const desc: string = appJson.permission['scope.userFuzzyLocation'].desc
  expect(desc.length).toBeGreaterThan(0)
  expect([...desc].length).toBeLessThanOrEqual(30)
})

test.each(PRECISE)('no file of the weapp build uses %s', (api) => {
  // A use is a property access (`x.getLocation`, `x["getLocation"]`). Taro's runtime also lists
  // every WeChat API NAME as a quoted string for its promise wrappers: a name, not a use.
  const use = new RegExp(`\\.${api}\\b|\\[\\s*["'\`]${api}["'\`]\\s*\\]`)
  const users = jsFiles().filter((file) => use.test(readFileSync(join(DIST, file), 'utf8')))
  expect(users).toEqual([])
})

test('the check above does find a use: the fuzzy API the app does call', () => {
  const use = /\.getFuzzyLocation\b/
  const users = jsFiles().filter((file) => use.test(readFileSync(join(DIST, file), 'utf8')))
  expect(users.length).toBeGreaterThan(0)
})
