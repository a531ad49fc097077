import Taro from '@tarojs/taro'
import { AppError } from '../security/app-error'
import { platformRandomBytes } from '../security/secure-random/secure-random.taro'
import { toHex } from '../security/secure-random/secure-random'

/**
 * A one-time login code for `POST /v1/session`.
 * - weapp: `wx.login` (no prompt; the server exchanges the code for the openid with WeChat).
 * - H5 preview: there is no WeChat login in a browser, so a random preview code is made. The
 *   reference server's development stand-in accepts it; a production server (which asks WeChat)
 *   rejects it, which is right: the H5 build is a preview, not a product.
 */
export async function loginCode(): Promise<string> {
  if (process.env.TARO_ENV !== 'weapp') {
    return `h5-preview-${toHex(await platformRandomBytes(16))}`
  }
  try {
    const { code } = await Taro.login()
    if (typeof code !== 'string' || code === '') throw new Error('wx.login returned no code')
    return code
  } catch (cause) {
    throw new AppError('ERR_LOGIN_FAILED', 'WeChat could not provide a login code', { cause })
  }
}
