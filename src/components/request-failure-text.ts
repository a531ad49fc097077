import type { AppError } from '../security/app-error'

/** Where the page runs, for telling "offline" apart from "online, but no answer came back". */
export interface FailureContext {
  /** A browser (the H5 build), where a blocked cross-origin request also looks like no answer. */
  web: boolean
  /** The browser says the device is online (`navigator.onLine`); undefined where unknown. */
  online?: boolean
}

function currentContext(): FailureContext {
  if (process.env.TARO_ENV !== 'h5') return { web: false, online: undefined }
  return { web: true, online: typeof navigator !== 'undefined' ? navigator.onLine : undefined }
}

/**
 * What to tell a person when a request to the API failed, in Simplified Chinese. It says which
 * side it was: the device is offline; nothing came back although it is online (the server is down
 * or, in a browser, the browser blocked a request to another origin: a page can not tell these
 * two apart, so the text names both); the server was busy; or the server answered and refused
 * (with its code, which a person can quote when asking for help).
 */
export function requestFailureText(
  error: AppError,
  context: FailureContext = currentContext(),
): string {
  const { status, serverCode } = error.details
  switch (error.code) {
    case 'ERR_NETWORK':
      if (context.online === false) return '设备没有联网，请联网后重试。'
      if (context.web && context.online) {
        return '已联网，但没有收到服务器的回答：服务器可能没有启动，或浏览器拦截了对另一个网址的请求。'
      }
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
