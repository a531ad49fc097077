import { join } from 'node:path'
import { createFakeWx } from './fake-wx'
import { launchMiniProgram, MiniProgram } from './mini-program'
import { findById, hasClass, textOf, visibleText } from './render-tree'

// A hand-written build with no Taro in it, so these tests pin the harness, not the app.
const FIXTURE = join(__dirname, 'fixtures', 'mini-dist')

let program: MiniProgram | undefined
afterEach(() => program?.close())

async function launch() {
  program = await launchMiniProgram({ distDir: FIXTURE })
  return program
}

test('boots App() and the first page with WeChat lifecycles, in a context without window or crypto', async () => {
  const p = await launch()
  expect(p.routes).toEqual(['pages/one/index'])
  expect(p.evaluate('getApp().launches')).toBe(1)
  expect(p.evaluate('getApp().shared.hasWindow')).toBe(false)
  expect(p.evaluate('getApp().shared.hasCrypto')).toBe(false)
  expect(p.evaluate('typeof process')).toBe('undefined')
  expect(p.evaluate('getApp().shared.log')).toEqual(['one:onLoad:{}', 'one:onShow'])
  expect(p.currentPage.text()).toContain('第一页')
})

test('renders setData path updates through wcc', async () => {
  const p = await launch()
  await p.currentPage.tap({ id: 'rename' })
  const tree = p.currentPage.render()
  expect(textOf(findById(tree, 'item')!).trim()).toBe('b')
  expect(visibleText(tree)).toContain('改过了')
})

test('a tap on a child reaches the ancestor that binds tap, with its dataset; navigation runs lifecycles', async () => {
  const p = await launch()
  await p.currentPage.tap({ text: '去第二页' })
  expect(p.routes).toEqual(['pages/one/index', 'pages/two/index'])
  expect(p.currentPage.text()).toContain('第二页，来自 one')
  await p.currentPage.tap({ id: 'back' })
  expect(p.routes).toEqual(['pages/one/index'])
  expect(p.evaluate('getApp().shared.log')).toEqual([
    'one:onLoad:{}',
    'one:onShow',
    'tap:two',
    'one:onHide',
    'two:onLoad:{"from":"one"}',
    'two:onShow',
    'two:onUnload',
    'one:onShow',
  ])
})

test('input delivers the whole value in event.detail', async () => {
  const p = await launch()
  await p.currentPage.input('field', '上海')
  expect(p.currentPage.text()).toContain('输入：上海')
})

test('errors thrown by the build are recorded and reported to App.onError', async () => {
  const p = await launch()
  await p.currentPage.tap({ id: 'explode' })
  expect(p.errors).toHaveLength(1)
  expect(String(p.errors[0])).toContain('boom in a handler')
  expect((p.evaluate('getApp().errorsSeen') as string[])[0]).toContain('boom in a handler')
})

test.each([
  ['an element that does not exist', { id: 'nope' }, 'Nothing to tap'],
  ['an element without a tap handler', { id: 'inert' }, 'does not react to taps'],
])('tapping %s fails the test with a clear message', async (_name, target, message) => {
  const p = await launch()
  await expect(p.currentPage.tap(target)).rejects.toThrow(message)
})

test('waitForText names what the page shows when the text never comes', async () => {
  const p = await launch()
  await expect(p.currentPage.waitForText('不存在的文字', 50)).rejects.toThrow(
    /did not appear.*第一页/,
  )
})

test('a missing build is a clear error', () => {
  expect(() => new MiniProgram('/nonexistent-dist', createFakeWx())).toThrow(
    'No weapp build at /nonexistent-dist',
  )
})

test('render-tree helpers read classes', async () => {
  const p = await launch()
  const root = findById(p.currentPage.render(), 'root')!
  expect(hasClass(root, 'anything')).toBe(false)
})
