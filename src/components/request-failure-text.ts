import type { AppError } from '../security/app-error'

/**
 * What to tell a person when a request to the API failed, in Simplified Chinese. It says which
 * side it was: nothing came back (ERR_NETWORK, ERR_TIMEOUT: offline, the server down, or on the
 * web a request the browser blocked), the server was busy, or the server answered and refused
 * (with its code, which a person can quote when asking for help).
 */
export function requestFailureText(error: AppError): string {
  const { status, serverCode } = error.details
  switch (error.code) {
    case 'ERR_NETWORK':
      return '无法连接服务器：设备可能没有联网，或服务器暂时无法访问。'
    case 'ERR_TIMEOUT':
      return '服务器没有及时响应，请稍后重试。'
    case 'ERR_SERVER':
    case 'ERR_RATE_LIMITED':
      return '服务暂时繁忙，请稍后重试。'
    case 'ERR_REQUEST_REJECTED':
      return `服务器拒绝了请求（${serverCode ?? `HTTP ${status}`}）。`
    case 'ERR_BAD_RESPONSE':
      return '服务器的回答无法识别，请稍后重试。'
    default:
      return `出了点问题，请稍后重试。（${error.code}）`
  }
}
