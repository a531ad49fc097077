import { canonicalPathAndQuery } from '../../../src/security/transport/canonical-url'
import { AppError } from '../../../src/security/app-error'

// TRANSPORT: the wire form the client signs and sends (docs/request-signing.md, "The wire form").
describe('canonicalPathAndQuery', () => {
  test.each([
    ['a plain path', '/v1/weather?cityId=beijing', undefined, '/v1/weather?cityId=beijing'],
    [
      'Chinese written in the query',
      '/v1/weather?cityId=北京',
      undefined,
      '/v1/weather?cityId=%E5%8C%97%E4%BA%AC',
    ],
    ['Chinese in the path', '/v1/城市', undefined, '/v1/%E5%9F%8E%E5%B8%82'],
    ['a space written in the query', '/v1/x?q=a b', undefined, '/v1/x?q=a%20b'],
    ['a lone percent sign', '/v1/x?q=100%', undefined, '/v1/x?q=100%25'],
    ['a percent sign before non-hex', '/v1/x?q=%zz', undefined, '/v1/x?q=%25zz'],
    ['a valid escape kept (hex upper-cased)', '/v1/x?q=%e5%8c%97', undefined, '/v1/x?q=%E5%8C%97'],
    ['a quote, which fetch would encode', "/v1/x?q=it's", undefined, '/v1/x?q=it%27s'],
    [
      'characters no platform sends raw',
      '/v1/x?q="<>\\^`{|}[]',
      undefined,
      '/v1/x?q=%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D',
    ],
    ['sub-delimiters kept as written', '/v1/x?a=1&b=2+3;c=$,', undefined, '/v1/x?a=1&b=2+3;c=$,'],
    ['an empty query', '/v1/x?', undefined, '/v1/x'],
    ['Chinese as data', '/v1/weather', { cityId: '北京' }, '/v1/weather?cityId=%E5%8C%97%E4%BA%AC'],
    ['a space as data', '/v1/x', { q: 'a b' }, '/v1/x?q=a%20b'],
    ['a plus as data (not a space)', '/v1/x', { q: '1+1' }, '/v1/x?q=1%2B1'],
    ['a percent sign as data', '/v1/x', { q: '100%' }, '/v1/x?q=100%25'],
    ['& and = inside a value', '/v1/x', { q: 'a=1&b=2' }, '/v1/x?q=a%3D1%26b%3D2'],
    ['# inside a value', '/v1/x', { q: '#1' }, '/v1/x?q=%231'],
    ['an emoji', '/v1/x', { q: '晴😀' }, '/v1/x?q=%E6%99%B4%F0%9F%98%80'],
    ['a repeated key', '/v1/x', { tag: ['a', 'b'] }, '/v1/x?tag=a&tag=b'],
    ['an empty value', '/v1/x', { q: '' }, '/v1/x?q='],
    ['a number', '/v1/x', { days: 5 }, '/v1/x?days=5'],
    ['an undefined value is left out', '/v1/x', { q: undefined, r: 'y' }, '/v1/x?r=y'],
    ["!'()* as data", '/v1/x', { q: "!'()*" }, '/v1/x?q=%21%27%28%29%2A'],
    ['data after a written query', '/v1/x?a=1', { b: '2' }, '/v1/x?a=1&b=2'],
  ])('%s', (_name, path, query, expected) => {
    expect(canonicalPathAndQuery(path, query)).toBe(expected)
  })

  test('the wire form decodes back to the values given', () => {
    const values = { a: '北京 +&=#%😀', b: '', c: "it's" }
    const wire = canonicalPathAndQuery('/v1/x', values)
    const decoded = new URLSearchParams(wire.split('?')[1])
    expect(Object.fromEntries(decoded)).toEqual(values)
  })

  test('the wire form is stable: encoding it again changes nothing', () => {
    const wire = canonicalPathAndQuery('/v1/城市?q=a b&r=%', { s: '😀&' })
    expect(canonicalPathAndQuery(wire)).toBe(wire)
  })

  test('no platform would change the wire form: WHATWG URL parsing keeps it byte for byte', () => {
    const wire = canonicalPathAndQuery('/v1/x?q="<>\'`{}|^ 北京%', { r: "a'b c" })
    const url = new URL(`https://api.example.com${wire}`)
    expect(url.pathname + url.search).toBe(wire)
  })

  test.each([
    ['a fragment', '/v1/x?q=1#top'],
    ['a dot segment', '/v1/./x'],
    ['a dot-dot segment', '/v1/../admin'],
    ['an encoded dot-dot segment', '/v1/%2e%2E/admin'],
    ['a control character', '/v1/x?q=a\nb'],
    ['no leading slash', 'v1/x'],
    ['a lone surrogate', '/v1/x?q=\ud800'],
  ])('refuses %s with ERR_INVALID_INPUT', (_name, path) => {
    expect(() => canonicalPathAndQuery(path)).toThrow(AppError)
    try {
      canonicalPathAndQuery(path)
    } catch (error) {
      expect((error as AppError).code).toBe('ERR_INVALID_INPUT')
    }
  })

  test('a lone surrogate in query data is refused too', () => {
    expect(() => canonicalPathAndQuery('/v1/x', { q: '\udc00' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_INPUT' }),
    )
  })
})
