import { withErrorBoundary } from '../../../components/page-error-boundary'
import { PrivacyListPage } from '../privacy-policy/privacy-list-page'
import { buildCollectedList } from '../privacy-policy/privacy-lists'

// Made once: the inventory is constant for a build.
const LIST = buildCollectedList()

/** POLICY: 已收集个人信息清单, from the data inventory (opened from the policy and the center). */
function CollectedListPage() {
  return <PrivacyListPage list={LIST} />
}

// MONITOR: a render error shows a way out instead of a blank page, and is reported once.
export default withErrorBoundary(CollectedListPage)
