import { requestFailureText } from '../../src/components/request-failure-text'
import { AppError, type AppErrorCode } from '../../src/security/app-error'

// The user is told which side failed: nothing came back, the server was busy, or it refused.
test.each<[AppErrorCode, { status?: number; serverCode?: string }, RegExp]>([
  ['ERR_NETWORK', {}, /^无法连接服务器/],
  ['ERR_TIMEOUT', {}, /^服务器没有及时响应/],
  ['ERR_SERVER', { status: 503 }, /^服务暂时繁忙/],
  ['ERR_RATE_LIMITED', { status: 429 }, /^服务暂时繁忙/],
  [
    'ERR_REQUEST_REJECTED',
    { status: 403, serverCode: 'ERR_ORIGIN_NOT_ALLOWED' },
    /^服务器拒绝了请求（ERR_ORIGIN_NOT_ALLOWED）/,
  ],
  ['ERR_REQUEST_REJECTED', { status: 400 }, /^服务器拒绝了请求（HTTP 400）/],
  ['ERR_BAD_RESPONSE', { status: 200 }, /^服务器的回答无法识别/],
  ['ERR_WEATHER_UNAVAILABLE', {}, /（ERR_WEATHER_UNAVAILABLE）$/],
])('%s %o', (code, details, expected) => {
  const text = requestFailureText(new AppError(code, 'x', { details }))
  expect(text).toMatch(expected)
  // Nothing that blames the user's network for an answer the server gave.
  if (details.status !== undefined) expect(text).not.toContain('网络')
})

// No answer at all: offline, or (in a browser, online) the server down or a blocked request.
test.each<[string, { web: boolean; online?: boolean }, RegExp]>([
  ['a phone (WeChat cannot say)', { web: false }, /^无法连接服务器/],
  ['a browser that is offline', { web: true, online: false }, /^设备没有联网/],
  ['a browser that is online', { web: true, online: true }, /服务器可能没有启动，或浏览器拦截/],
])('ERR_NETWORK on %s', (_, context, expected) => {
  expect(requestFailureText(new AppError('ERR_NETWORK', 'x'), context)).toMatch(expected)
})
