import { withErrorBoundary } from '../../../components/page-error-boundary'
import { useKillSwitchGate } from '../../../services/hooks/use-kill-switch-gate'
import { PrivacyListPage } from '../privacy-policy/privacy-list-page'
import { buildSharingList } from '../privacy-policy/privacy-lists'

// Made once: the inventory is constant for a build.
const LIST = buildSharingList()

/** POLICY: 第三方信息共享清单, from the data inventory (opened from the policy and the center). */
function SharingListPage() {
  // INCIDENT: opened during an incident (by its address, a link): the maintenance page instead.
  useKillSwitchGate()
  return <PrivacyListPage list={LIST} />
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(SharingListPage)
