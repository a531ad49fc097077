import Taro from '@tarojs/taro'
import { AppError } from '../security/app-error'

/**
 * POLICY: the user's own copy of their data (PIPL Art. 45: the right to access and copy), taken
 * out of the app: to the clipboard on a tap, or, in the web version, as a file.
 */

/**
 * Put `text` on the system clipboard. Call it only from a user's tap.
 * - weapp: `wx.setClipboardData`, one of WeChat's privacy APIs (data kind `Clipboard`, declared
 *   in the privacy guide from the data inventory's `copied-export`): before the user agreed to
 *   WeChat's privacy guide it raises the app's privacy popup; WeChat then shows "内容已复制".
 * - H5: the browser's Clipboard API. Not Taro's H5 `setClipboardData`: it also keeps the text in
 *   localStorage (`taro_clipboard`), which would leave the user's whole export on the device.
 * Throws AppError `ERR_COPY_FAILED` when the platform refuses.
 */
export async function copyToClipboard(text: string): Promise<void> {
  try {
    if (process.env.TARO_ENV === 'weapp') {
      await Taro.setClipboardData({ data: text })
    } else {
      await navigator.clipboard.writeText(text)
    }
  } catch (cause) {
    throw new AppError('ERR_COPY_FAILED', 'the clipboard did not take the text', { cause })
  }
}

/**
 * Web version only: save `data` as a JSON file on the user's device (a Blob and an `<a download>`
 * link, clicked). The file is the user's: the app keeps no copy and cannot delete it.
 */
export function downloadJson(fileName: string, data: unknown): void {
  if (process.env.TARO_ENV !== 'h5') {
    throw new AppError('ERR_INVALID_INPUT', 'downloadJson is for the web version only')
  }
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.style.display = 'none'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // After the click has started the download; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
