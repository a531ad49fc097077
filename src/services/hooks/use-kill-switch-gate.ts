import { useDidShow } from '@tarojs/taro'
import { followKillSwitch, killSwitch } from '../app-kill-switch'

/**
 * INCIDENT: every page but the maintenance page calls this. While an incident or the local lock
 * holds, a page that shows (opened by its address on H5, a shared link, the navigation bar's home
 * button, a back gesture) gives way to the maintenance page at once, before it asks the server
 * for anything; the server would refuse it anyway. In normal times it does nothing.
 */
export function useKillSwitchGate(): void {
  useDidShow(() => {
    if (killSwitch.state.mode !== 'normal') followKillSwitch()
  })
}
