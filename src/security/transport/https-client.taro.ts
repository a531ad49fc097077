import Taro from '@tarojs/taro'
import { fetchRequest } from './https-client.fetch'
import {
  noResponseError,
  type PortRequest,
  type PortResponse,
  type RequestPort,
} from './https-client'

/**
 * The platform's RequestPort: Taro.request (wx.request) in the mini program, the browser's fetch
 * in the H5 build (https-client.fetch.ts says why). The condition is written out, not kept in a
 * variable, so that webpack drops the other build's branch and everything it imports.
 */
export const taroRequest: RequestPort = process.env.TARO_ENV === 'h5' ? fetchRequest : wxRequest

/**
 * The RequestPort on Taro.request (wx.request). The body is sent as the exact string that was
 * signed. WeChat's errMsg strings become ERR_TIMEOUT / ERR_NETWORK here; nothing is logged
 * (Taro's logInterceptor, which prints bodies, is never registered in this app).
 */
async function wxRequest(request: PortRequest): Promise<PortResponse> {
  let response: Taro.request.SuccessCallbackResult<TaroGeneral.IAnyObject | string>
  try {
    response = await Taro.request<TaroGeneral.IAnyObject | string>({
      url: request.url,
      method: request.method,
      header: request.headers,
      data: request.body,
      timeout: request.timeoutMs,
      dataType: 'json',
    })
  } catch (error) {
    const message = String((error as { errMsg?: unknown; message?: unknown })?.errMsg ?? error)
    const timedOut = /timeout|abort/i.test(message)
    throw noResponseError(timedOut, request.timeoutMs, error)
  }
  return {
    status: response.statusCode,
    headers: lowerCaseKeys(response.header),
    body: response.data,
  } satisfies PortResponse
}

/** WeChat keeps the server's header case ("Content-Type"); the client reads lower-case names. */
function lowerCaseKeys(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (headers && typeof headers === 'object') {
    for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = String(value)
  }
  return out
}
