import { scrub } from '../../../src/security/sensitive/scrub'

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
