import Taro from '@tarojs/taro'
import { AppError } from '../app-error'
import { checkRandomBytes, type RandomBytes } from './secure-random'

/**
 * The platform's secure random source, bound to the RandomBytes port.
 * - weapp: `wx.getRandomValues` (base library 2.15.0+), else the user crypto manager's
 *   `getRandomValues` (2.17.3+). The runtime has no `crypto` global, which is why crypto-js's own
 *   generator throws there.
 * - H5: the browser's `crypto.getRandomValues`.
 * Neither present: ERR_NO_SECURE_RANDOM. Never Math.random.
 */
export const platformRandomBytes: RandomBytes =
  process.env.TARO_ENV === 'weapp' ? weappRandomBytes : browserRandomBytes

interface RandomValuesApi {
  (option: {
    length: number
    success?: (result: { randomValues: ArrayBuffer }) => void
    fail?: (error: { errMsg: string }) => void
  }): void
}

function weappSource(): RandomValuesApi | undefined {
  if (typeof Taro.getRandomValues === 'function') {
    return Taro.getRandomValues as unknown as RandomValuesApi
  }
  if (typeof Taro.getUserCryptoManager === 'function') {
    const manager = Taro.getUserCryptoManager()
    if (typeof manager?.getRandomValues === 'function') {
      return manager.getRandomValues.bind(manager) as unknown as RandomValuesApi
    }
  }
  return undefined
}

function weappRandomBytes(length: number): Promise<Uint8Array> {
  const source = weappSource()
  if (!source) {
    return Promise.reject(
      new AppError('ERR_NO_SECURE_RANDOM', 'this WeChat base library has no getRandomValues'),
    )
  }
  return new Promise((resolve, reject) => {
    source({
      length,
      success: (result) => {
        try {
          resolve(checkRandomBytes(new Uint8Array(result.randomValues), length))
        } catch (error) {
          reject(error)
        }
      },
      fail: (error) =>
        reject(new AppError('ERR_NO_SECURE_RANDOM', `getRandomValues failed: ${error.errMsg}`)),
    })
  })
}

async function browserRandomBytes(length: number): Promise<Uint8Array> {
  const webCrypto = (globalThis as { crypto?: Crypto }).crypto
  if (!webCrypto || typeof webCrypto.getRandomValues !== 'function') {
    throw new AppError('ERR_NO_SECURE_RANDOM', 'this browser has no crypto.getRandomValues')
  }
  return checkRandomBytes(webCrypto.getRandomValues(new Uint8Array(length)), length)
}
