import { createSecureStore } from '../security/secure-storage/secure-storage.taro'
import { forgetLocationCity } from './city-preference'
import { ConsentService } from './consent'
import { secureStore } from './device-store'
import { POLICY } from './policy-version'
import { emitSecurityEvent } from './security-events'

/**
 * The app's one consent record (consent.ts), read at launch (app.ts) so the first page knows
 * whether to ask. It is sealed in a store of its own (storage keys `consent.*`): signing out wipes
 * the session's store, and the record of a decision must outlive that. Withdrawing consent wipes
 * the session's store (device-store.ts) and a city found from the location, and keeps only the
 * record of the withdrawal.
 */
export const consent = new ConsentService({
  store: createSecureStore(emitSecurityEvent, 'consent.'),
  policyVersion: POLICY.version,
  // A withdrawal wipes the sealed store and forgets a city that came from the location.
  wipePersonalData: async () => {
    await secureStore.wipe()
    forgetLocationCity()
  },
  now: () => Date.now(),
  onSaveFailed: () => emitSecurityEvent({ type: 'consent.save-failed' }),
})
