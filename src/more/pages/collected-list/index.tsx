import { withErrorBoundary } from '../../../components/page-error-boundary'
import { useKillSwitchGate } from '../../../services/hooks/use-kill-switch-gate'
import { PrivacyListPage } from '../privacy-policy/privacy-list-page'
import { buildCollectedList } from '../privacy-policy/privacy-lists'

// Made once: the inventory is constant for a build.
const LIST = buildCollectedList()

/** POLICY: 已收集个人信息清单, from the data inventory (opened from the policy and the center). */
function CollectedListPage() {
  // INCIDENT: opened during an incident (by its address, a link): the maintenance page instead.
  useKillSwitchGate()
  return <PrivacyListPage list={LIST} />
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(CollectedListPage)
