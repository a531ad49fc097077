import { scrub } from '../../../src/security/sensitive/scrub'

/** Each row: the input, what scrubbing makes of it, and scrubbing that again changes nothing. */
const expectScrubbed = (input: string, expected: string) => {
  expect(scrub(input)).toBe(expected)
  expect(scrub(expected)).toBe(expected)
}

// Other ways of writing digits: full-width (what Chinese input methods type), Arabic-Indic,
// Devanagari, mathematical bold (outside the BMP).
const fullWidth = (ascii: string) =>
  ascii.replace(/[0-9+@.:,]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
const arabicIndic = (ascii: string) =>
  ascii.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d)))
const devanagari = (ascii: string) =>
  ascii.replace(/[0-9]/g, (d) => String.fromCharCode(0x0966 + Number(d)))
const mathBold = (ascii: string) =>
  ascii.replace(/[0-9]/g, (d) => String.fromCodePoint(0x1d7ce + Number(d)))

describe('scrub', () => {
  test.each([
    ['a mobile number', '用户 13812345678 登录失败', '用户 [phone] 登录失败'],
    ['a mobile number with +86', 'call +86 13812345678 now', 'call [phone] now'],
    ['an ID number', '身份证 11010519491231002X 无效', '身份证 [id-number] 无效'],
    ['an ID number ending in a digit', 'id=110105194912310021;', 'id=[id-number];'],
    ['a bank card', 'card 6222 0212 3456 7890 123 declined', 'card [card] declined'],
    ['an email', 'mail zhang.san@example.com.cn bounced', 'mail [email] bounced'],
    ['a bearer token', 'header Bearer abc.def-123 rejected', 'header Bearer [token] rejected'],
    ['a token parameter', '/v1/x?token=abc123&city=beijing', '/v1/x?token=[redacted]&city=beijing'],
    ['a JSON signing key', '{"signingKey":"00ff","a":1}', '{"signingKey":"[redacted]","a":1}'],
    ['an openid', 'openid: oAbC123_xyz failed', 'openid: [redacted] failed'],
    ['named coordinates', 'at lat=39.9042&lon=116.4074', 'at lat=[redacted]&lon=[redacted]'],
    [
      'a bare coordinate pair',
      'position 39.9042, 116.4074 unknown',
      'position [coordinates] unknown',
    ],
    ['a long random string', 'key 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a', 'key [token]'],
  ])('%s', (_name, input, expected) => {
    expect(scrub(input)).toBe(expected)
  })

  test.each([
    ['a plain message', "TypeError: Cannot read properties of undefined (reading 'city')"],
    ['a stack frame', 'at onLoad (pages/home/index.js:12:34)'],
    ['a temperature and time', '温度 23.5 于 2026-11-25T06:30:00Z'],
    ['a short number', 'retry 3 of 5, status 503'],
    ['a long word without digits', 'ERR_WEATHER_UNAVAILABLE_BECAUSE_OF_SOMETHING_LONG'],
  ])('leaves %s alone', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })

  test('empty and unicode input', () => {
    expect(scrub('')).toBe('')
    expect(scrub('天气😀')).toBe('天气😀')
  })
})

describe('15-digit resident ID numbers (issued before 1999)', () => {
  test.each([
    ['alone', '110105491231002', '[id-number]'],
    ['in a sentence', '旧身份证 110105491231002 已过期', '旧身份证 [id-number] 已过期'],
    ['between Chinese characters', '号码110105491231002。', '号码[id-number]。'],
    ['in a query', 'idcard=110105491231002&from=me', 'idcard=[id-number]&from=me'],
    ['grouped 6-6-3', '证件 110105 491231 002 有误', '证件 [id-number] 有误'],
    ['in full-width digits', `证件 ${fullWidth('110105491231002')}`, '证件 [id-number]'],
    ['percent-encoded', 'pages/me/index?no=%31%31%30105491231002', 'pages/me/index?no=[id-number]'],
  ])('caught %s', (_name, input, expected) => {
    expectScrubbed(input, expected)
  })

  test.each([
    ['14 digits', 'order 11010549123100'],
    ['a month that does not exist', 'ref 110105491331002'],
    ['a day that does not exist', 'ref 110105491232002'],
    ['15 digits inside a longer number', 'ref 11010549123100299999999'],
  ])('not an ID number: %s', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })
})

describe('mobile numbers as people write them', () => {
  test.each([
    ['grouped with dashes', '电话 138-0013-8000', '电话 [phone]'],
    ['grouped with spaces', 'tel 138 0013 8000.', 'tel [phone].'],
    ['+86 and spaces', 'call +86 138 0013 8000 now', 'call [phone] now'],
    ['+86 and dashes', 'call +86-138-0013-8000', 'call [phone]'],
    ['0086', '0086 13800138000', '[phone]'],
    ['0086 without a space', '008613800138000', '[phone]'],
    ['86 without a plus', '8613800138000', '[phone]'],
    ['(+86)', '(+86) 13800138000', '[phone]'],
    ['after a colon', 'tel:13800138000', 'tel:[phone]'],
    ['between Chinese characters', '手机号13800138000已注册', '手机号[phone]已注册'],
    ['in full-width digits', fullWidth('13800138000'), '[phone]'],
    ['in full-width with +86', `联系 ${fullWidth('+86 138 0013 8000')}`, '联系 [phone]'],
    ['in Arabic-Indic digits', arabicIndic('13800138000'), '[phone]'],
    ['in Devanagari digits', devanagari('13800138000'), '[phone]'],
    ['in mathematical digits', mathBold('13800138000'), '[phone]'],
    ['mixing digit kinds', `1${fullWidth('38')}0013${arabicIndic('8000')}`, '[phone]'],
    ['with encoded spaces', 'pages/u/index?m=138%200013%208000', 'pages/u/index?m=[phone]'],
    ['with an encoded +86', 'p?mobile=%2B86%2013800138000&x=1', 'p?mobile=[phone]&x=1'],
    ['two in a row', '13800138000,13900139000', '[phone],[phone]'],
  ])('caught %s', (_name, input, expected) => {
    expectScrubbed(input, expected)
  })

  test.each([
    ['second digit 2 (not a mobile prefix)', 'id 12800138000'],
    ['10 digits', 'id 1380013800'],
    ['12 digits', 'id 138001380001'],
    ['a 3-4-4 group followed by more digits', 'ref 138-0013-80001'],
    ['a millisecond timestamp', 'at 1764052200000 ms'],
  ])('not a mobile number: %s', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })
})

describe('percent-encoded page paths and URLs', () => {
  test.each([
    [
      'an email in a page query keeps the path and other parameters as written',
      'pages/home/index?email=zhang.san%40example.com&city=%E5%8C%97%E4%BA%AC',
      'pages/home/index?email=[email]&city=%E5%8C%97%E4%BA%AC',
    ],
    [
      'a lower-case escape',
      'https://api.example.com/v1/u?e=zhang%40example.com',
      'https://api.example.com/v1/u?e=[email]',
    ],
    [
      'an encoded separator (%3D) before a secret',
      'pages/login/index?q=token%3Dabc123%26x%3D1',
      'pages/login/index?q=token%3D[redacted]%26x%3D1',
    ],
    [
      'encoded named coordinates',
      'pages/map/index?q=lat%3D39.9042%26lng%3D116.4074',
      'pages/map/index?q=lat%3D[redacted]%26lng%3D[redacted]',
    ],
    [
      'an encoded coordinate pair',
      'pages/map/index?location=39.9042%2C116.4074',
      'pages/map/index?location=[coordinates]',
    ],
    [
      'a double-encoded email in a redirect',
      'redirect=pages%2Fme%2Findex%3Femail%3Dzhang%2540example.com',
      'redirect=pages%2Fme%2Findex%3Femail%3D[email]',
    ],
    ['an encoded ID number', 'q=id%3D110105194912310021', 'q=id%3D[id-number]'],
    ['an encoded full-width email sign', 'e=zhang%EF%BC%A0example.com', 'e=[email]'],
  ])('%s', (_name, input, expected) => {
    expectScrubbed(input, expected)
  })

  test.each([
    ['an encoded city name', 'pages/search/index?q=%E5%A4%A9%E6%B0%94&city=%E5%8C%97%E4%BA%AC'],
    ['stray and broken escapes', '100% sure, 50%off, %E5%8C cut, %ZZ, %'],
    ['an encoded path', 'pages%2Fhome%2Findex%3Ftab%3Dweek'],
  ])('leaves %s alone', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })
})

describe('coordinates in free text', () => {
  test.each([
    ['named with =', 'lat=39.9042 lng=116.4074', 'lat=[redacted] lng=[redacted]'],
    ['named with :', 'lat: 39.9042, lng: 116.4074', 'lat: [redacted], lng: [redacted]'],
    [
      'named with a space',
      'latitude 39.9042 longitude 116.4074',
      'latitude [redacted] longitude [redacted]',
    ],
    [
      'in JSON',
      '{"latitude":39.9042,"longitude":116.4074,"speed":0}',
      '{"latitude":[redacted],"longitude":[redacted],"speed":0}',
    ],
    ['in JSON as strings', `{'lat': '39.9042'}`, `{'lat': '[redacted]'}`],
    ['in a query', '/v1/w?lat=39.9042&lng=116.4074&u=c', '/v1/w?lat=[redacted]&lng=[redacted]&u=c'],
    ['upper case names', 'LAT=39.9042 LON=116.4074', 'LAT=[redacted] LON=[redacted]'],
    [
      'camelCase names',
      'userLat=39.9042, userLng=116.4074',
      'userLat=[redacted], userLng=[redacted]',
    ],
    ['snake_case names', 'user_lat=39.9042', 'user_lat=[redacted]'],
    ['integers', 'lat=40 lng=116', 'lat=[redacted] lng=[redacted]'],
    ['one decimal', 'lat=39.9', 'lat=[redacted]'],
    ['a named pair', 'lat/lng: 39.9, 116.4', 'lat/lng: [redacted]'],
    ['negative', 'lat=-33.8688 lon=151.2093', 'lat=[redacted] lon=[redacted]'],
    ['in Chinese', '纬度：39.9042，经度：116.4074', '纬度：[redacted]，经度：[redacted]'],
    ['in Chinese with a hemisphere', '北纬39.9042° 东经116.4074°', '北纬[redacted] 东经[redacted]'],
    ['a bare pair without a space', 'at 39.9042,116.4074.', 'at [coordinates].'],
    ['a bare pair with a space only', 'at 39.9042 116.4074', 'at [coordinates]'],
    ['a GeoJSON pair', '"coordinates":[116.4074,39.9042]', '"coordinates":[[coordinates]]'],
    ['a negative bare pair', '(-33.8688, 151.2093)', '([coordinates])'],
    ['hemispheres', '39.9042°N, 116.4074°E', '[coordinates]'],
    ['degrees, minutes, seconds', `39°54'15"N 116°24'27"E`, '[coordinates] [coordinates]'],
    ['primes', '39°54′15″N', '[coordinates]'],
    ['full-width', fullWidth('39.9042, 116.4074'), '[coordinates]'],
    ['full-width named', `纬度：${fullWidth('39.9042')}`, '纬度：[redacted]'],
  ])('caught %s', (_name, input, expected) => {
    expectScrubbed(input, expected)
  })

  test.each([
    ['a word ending in lat', 'flat: 3.5, plat=2.25'],
    ['a word starting with lat', 'lateral 12.5, latency: 30'],
    ['a CSS translate', 'translate: 12.5'],
    ['a version', 'version 3.4.2, 1.10.23 1.10.24'],
    ['a temperature', '温度 23.5°C 湿度 45.2%'],
    ['numbers with one decimal', 'scale 1.25, 1.5'],
  ])('not a coordinate: %s', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })
})

describe('stack frames', () => {
  test.each([
    ['a JavaScriptCore frame', 'fn@file.js:12:5'],
    ['a short JavaScriptCore frame', 'r@taro.js:1:2'],
    ['a JSC frame with a dotted file', 'e@vendors.common.js:1:2345'],
    ['a JSC frame with a dotted function', 'Object.onLoad@index.js:3:7'],
    ['a JSC frame with a WeChat path', 'onLoad@appservice/pages/home/index.js:12:5'],
    [
      'a JSC frame with a URL',
      'onShow@https://servicewechat.com/wxd930ea5d5a258f4f/0/appservice/app-service.js:12:5',
    ],
    ['JSC global code', 'global code@app-service.js:3:10'],
    ['an anonymous JSC frame', '@webpack-internal:///./src/app.ts:4:1'],
    ['a native JSC frame', 'forEach@[native code]'],
    ['TypeScript and WXS files', 'a@index.ts:1:1 b@page.wxs:2:2 c@x.mjs:3:3 d@y.json:4:4'],
    ['a V8 frame', 'at Object.onLoad (appservice/pages/home/index.js:12:34)'],
    [
      'a whole JSC stack',
      'onLoad@appservice/pages/home/index.js:12:5\nr@taro.js:1:2\nforEach@[native code]\nglobal code@app-service.js:3:10',
    ],
  ])('leaves %s alone', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })

  test('an email next to a frame is still caught', () => {
    expectScrubbed('onLoad@index.js:1:2 user zhang@example.com', 'onLoad@index.js:1:2 user [email]')
  })
})

describe('other forms', () => {
  test.each([
    ['a full-width email', 'zhang＠example．com', '[email]'],
    ['a QQ email', 'mail 12345678@qq.com', 'mail [email]'],
    ['an email with + and _', 'zhang_san+tag@mail.example.com.cn', '[email]'],
    ['an upper-case email', 'ZHANG@EXAMPLE.COM', '[email]'],
    ['an email before a full stop', 'mail zhang@example.com.', 'mail [email].'],
    ['an 18-digit ID grouped 6-8-4', '110105 19491231 002X', '[id-number]'],
    ['an 18-digit ID in full-width', fullWidth('110105194912310021'), '[id-number]'],
    ['an ID with a lower-case x', 'id 11010519491231002x', 'id [id-number]'],
    ['a card in full-width', fullWidth('6222021234567890'), '[card]'],
    ['a card with dashes', '6222-0212-3456-7890', '[card]'],
    [
      'a key with a phone-like run inside (the key goes whole)',
      'key 3f9a8b7c13812345678d5e4f3a2b1c0d9e8f7a6b',
      'key [token]',
    ],
    ['a login code', 'code=0a3Bcd9xYz', 'code=[redacted]'],
  ])('%s', (_name, input, expected) => {
    expectScrubbed(input, expected)
  })
})

describe('what must survive', () => {
  test.each([
    ['timestamps', '2026-11-25T06:30:00Z 2026-11-25 06:30:00.123 06:30:00.123Z'],
    ['HTTP statuses', 'HTTP 404 Not Found; statusCode: 502; request:fail code: 502; code=-1'],
    ['versions', 'version 3.4.2 (build 20261125), SDK 3.10.1'],
    ['a WeChat app id', 'appid wxd930ea5d5a258f4f'],
    ['an error message with a number', 'Request failed with status code 500 after 3 retries'],
    ['percentages and durations', '95% of 1200 ms'],
  ])('%s', (_name, input) => {
    expect(scrub(input)).toBe(input)
  })
})

describe('long inputs', () => {
  const size = 100_000
  test.each([
    ['digits', '1'],
    ['digits and spaces', '1 '],
    ['digits and dashes', '13-8'],
    ['decimals', '1.1'],
    ['decimal pairs', '39.9042,'],
    ['phones', '13800138000 '],
    ['percent escapes', '%31'],
    ['broken percent escapes', '%E5%'],
    ['full-width digits', '１'],
    ['email-like parts', 'a.'],
    ['at signs', 'a@'],
    ['domains', 'a@b.'],
    ['names', 'lat='],
    ['letters and digits', 'a1'],
  ])('%s (100 KB) finish', (_name, unit) => {
    const input = unit.repeat(Math.ceil(size / unit.length))
    const started = Date.now()
    const output = scrub(input)
    // Not a benchmark: linear patterns take milliseconds here, a quadratic one 10 s or more.
    expect(Date.now() - started).toBeLessThan(5000)
    expect(scrub(output)).toBe(output)
  })
})
