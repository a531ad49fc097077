import { createHmac } from 'node:crypto'
import { ApiError } from './api-error'
import { UpstreamError, type HttpClient } from './http-client'

/** Turns a `wx.login` code into the user's openid. */
export interface LoginExchange {
  openidFor(code: string): Promise<string>
}

/**
 * Development stand-in for WeChat's `jscode2session`: the same code always gives the same
 * pseudo-openid (prefixed `dev_`, so it can never collide with a real one). Used when no
 * WECHAT_APPID/WECHAT_SECRET are set, which settings refuse in production.
 */
export function devLoginExchange(secret: Buffer): LoginExchange {
  return {
    async openidFor(code) {
      if (code === 'invalid-code') {
        // Lets tests and workshops see the real failure path without WeChat.
        throw new ApiError(401, 'ERR_LOGIN_CODE_INVALID', 'WeChat did not accept the login code.')
      }
      const digest = createHmac('sha256', secret).update(`dev-openid\0${code}`).digest('base64url')
      return `dev_${digest.slice(0, 24)}`
    },
  }
}

const JSCODE2SESSION = 'https://api.weixin.qq.com/sns/jscode2session'

/**
 * The real exchange. WeChat answers `{ openid, session_key, unionid? }` or `{ errcode, errmsg }`.
 * Only the openid is used; `session_key` is dropped at once (this app decrypts no WeChat data).
 * The URL carries the app secret, so neither it nor WeChat's answer is ever logged.
 */
export function wechatLoginExchange(
  credentials: { appId: string; appSecret: string },
  http: HttpClient,
): LoginExchange {
  return {
    async openidFor(code) {
      const url =
        `${JSCODE2SESSION}?appid=${encodeURIComponent(credentials.appId)}` +
        `&secret=${encodeURIComponent(credentials.appSecret)}` +
        `&js_code=${encodeURIComponent(code)}&grant_type=authorization_code`
      let answer: { status: number; body: unknown }
      try {
        answer = await http.getJson(url, { timeoutMs: 5000 })
      } catch (error) {
        if (error instanceof UpstreamError) throw unavailable(error.message)
        throw error
      }
      const body = (answer.body ?? {}) as { openid?: unknown; errcode?: unknown }
      if (answer.status === 200 && typeof body.openid === 'string' && body.openid.length > 0) {
        return body.openid
      }
      // 40029: invalid code; 40163: code already used; 40226: user blocked by WeChat's risk control.
      if (body.errcode === 40029 || body.errcode === 40163 || body.errcode === 40226) {
        throw new ApiError(401, 'ERR_LOGIN_CODE_INVALID', 'WeChat did not accept the login code.')
      }
      // -1: busy; 45011: rate limited; anything else is unexpected.
      throw unavailable(`errcode ${String(body.errcode ?? answer.status)}`)
    },
  }
}

function unavailable(detail: string): ApiError {
  return new ApiError(
    503,
    'ERR_WECHAT_UNAVAILABLE',
    `WeChat login is unavailable (${detail}); try again shortly.`,
  )
}
