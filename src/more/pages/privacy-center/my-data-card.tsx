import { Button, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { useState } from 'react'
import { requestFailureText } from '../../../components/request-failure-text'
import { dateTimeLabel } from '../../../components/weather-text'
import { AppError, isAppError } from '../../../security/app-error'
import type { MyDataExport } from '../../../services/api-contract'
import { copyToClipboard, downloadJson } from '../../../services/data-export'
import { deleteMyData, exportMyData, type DeletionReceipt } from '../../../services/data-rights'

type MyDataView =
  | { status: 'idle' }
  | { status: 'busy'; action: 'export' | 'delete' }
  | { status: 'exported'; data: MyDataExport }
  | { status: 'deleted'; receipt: DeletionReceipt }
  | { status: 'error'; error: AppError }

/**
 * "我的数据": see and copy what the server holds (PIPL Art. 45), delete it with what is on this
 * device (Art. 47). Each action shows progress and ends in a clear result; deleting asks first.
 * `signedIn`: the server knows a user only by a session, so exporting needs one.
 */
export function MyDataCard(props: { signedIn: boolean; onDeleted: () => void }) {
  const [view, setView] = useState<MyDataView>({ status: 'idle' })

  const exportData = async () => {
    setView({ status: 'busy', action: 'export' })
    try {
      setView({ status: 'exported', data: await exportMyData() })
    } catch (error) {
      setView({ status: 'error', error: toAppError(error) })
    }
  }

  const deleteData = async () => {
    const { confirm } = await Taro.showModal({
      title: '删除我的数据',
      content: '将删除服务器上你的账号和全部记录，并清除本机保存的数据。此操作无法撤销。',
      confirmText: '删除',
      confirmColor: '#c0392b',
    })
    if (!confirm) return
    setView({ status: 'busy', action: 'delete' })
    try {
      setView({ status: 'deleted', receipt: await deleteMyData() })
    } catch (error) {
      setView({ status: 'error', error: toAppError(error) })
    } finally {
      props.onDeleted()
    }
  }

  if (view.status === 'busy') {
    return (
      <Text id='privacy-data-busy' className='muted'>
        {view.action === 'export' ? '正在导出…' : '正在删除…'}
      </Text>
    )
  }
  return (
    <View>
      {view.status === 'exported' && <ExportView data={view.data} />}
      {view.status === 'deleted' && <ReceiptView receipt={view.receipt} />}
      {view.status === 'error' && (
        <Text id='privacy-data-error' className='privacy-center__error'>
          {isAppError(view.error, 'ERR_SESSION_EXPIRED')
            ? '登录已失效，请重新登录后再试。'
            : `操作失败：${requestFailureText(view.error)}`}
        </Text>
      )}
      {view.status !== 'exported' && (
        <Text className='privacy-center__text'>
          {props.signedIn
            ? '你可以查看并复制服务器上关于你的全部数据，或把它们连同本机数据一起删除。'
            : '登录后可以查看服务器上关于你的数据。删除会清除本机保存的数据。'}
        </Text>
      )}
      <View className='privacy-center__actions'>
        {props.signedIn && (
          <View id='privacy-export' className='button-secondary' onClick={exportData}>
            查看我的数据
          </View>
        )}
        <View id='privacy-delete' className='button-secondary' onClick={deleteData}>
          删除我的数据
        </View>
      </View>
    </View>
  )
}

/**
 * The export, readable first, then in full, to take away: 复制 puts the JSON on the clipboard
 * (WeChat counts that as personal-information access: it is declared as `Clipboard`), 下载 (web
 * version only) saves it as a file; long-pressing the text still selects it.
 */
function ExportView({ data }: { data: MyDataExport }) {
  const json = JSON.stringify(data, null, 2)
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copyJson = async () => {
    try {
      await copyToClipboard(json)
      setCopy('copied')
    } catch {
      setCopy('failed')
    }
  }
  return (
    <View id='privacy-export-result'>
      <Text className='privacy-center__text'>
        {`导出时间：${dateTimeLabel(Date.parse(data.exportedAt))}\n` +
          `账号：创建于 ${dateTimeLabel(Date.parse(data.user.createdAt))}，` +
          `微信标识只以加密哈希保存（${data.user.openidHmac.slice(0, 8)}…）\n` +
          `同意记录：${data.consents.length} 条` +
          data.consents
            .map(
              (c) =>
                `\n  · ${c.decision === 'agreed' ? '同意' : '撤回'} 版本 ${c.policyVersion}，${dateTimeLabel(Date.parse(c.decidedAt))}`,
            )
            .join('') +
          `\n登录会话：${data.sessions.length} 个\n错误报告：${data.errorReports.length} 条`}
      </Text>
      <View className='privacy-center__actions'>
        <Button
          id='privacy-export-copy'
          className='button-secondary privacy-center__button'
          onClick={copyJson}
        >
          复制
        </Button>
        {process.env.TARO_ENV === 'h5' && (
          <Button
            id='privacy-export-download'
            className='button-secondary privacy-center__button'
            onClick={() => downloadJson(exportFileName(data.exportedAt), data)}
          >
            下载
          </Button>
        )}
      </View>
      {copy !== 'idle' && (
        <Text
          id='privacy-export-copy-status'
          className={copy === 'copied' ? 'privacy-center__text' : 'privacy-center__error'}
        >
          {copy === 'copied'
            ? '已复制到剪贴板。其他应用也能读取剪贴板，保存好后可以复制别的内容把它替换。'
            : '复制失败：没有得到使用剪贴板的许可。可以长按下面的文字选择复制。'}
        </Text>
      )}
      <Text className='muted'>完整数据（也可长按选择复制）：</Text>
      <Text id='privacy-export-json' className='privacy-center__json' userSelect>
        {json}
      </Text>
    </View>
  )
}

/** `anxin-weather-my-data-2026-12-08.json`: the export's day, in a name every system accepts. */
function exportFileName(exportedAt: string): string {
  return `anxin-weather-my-data-${exportedAt.slice(0, 10)}.json`
}

function ReceiptView({ receipt }: { receipt: DeletionReceipt }) {
  const { server } = receipt
  const serverText =
    server.outcome === 'erased'
      ? `服务器：已删除账号、${server.erased.sessions} 个登录会话、${server.erased.consents} 条同意记录和 ${server.erased.errorReports} 条错误报告。`
      : server.outcome === 'not-signed-in'
        ? '服务器：未登录，本机无法确认服务器上的数据。如曾登录，请重新登录后再删除一次。'
        : `服务器：暂时无法删除（${server.code}）。那边的数据仍在，请联网后重新登录并再删除一次；否则按隐私政策的保存期限到期删除。`
  return (
    <View id='privacy-delete-receipt' className='privacy-center__receipt'>
      <Text className='privacy-center__text'>
        {`删除回执（${dateTimeLabel(receipt.at)}）\n本机：已清除登录凭证、加密数据和密钥、所选城市与天气缓存。\n${serverText}`}
      </Text>
    </View>
  )
}

function toAppError(error: unknown): AppError {
  return isAppError(error)
    ? error
    : new AppError('ERR_NETWORK', 'the request failed', { cause: error })
}
