import { platformRandomBytes } from '../security/secure-random/secure-random.taro'
import { HttpsClient } from '../security/transport/https-client'
import { taroRequest } from '../security/transport/https-client.taro'
import { MAINTENANCE_HEADER } from './api-contract'
import { loginCode } from './platform-login'
import { secureStore } from './device-store'
import { emitSecurityEvent } from './security-events'
import { SessionService } from './session'
import { ALLOWED_ORIGINS, API_ORIGIN } from './settings'

/**
 * The app's one HTTPS client and one session (over the one secure store, device-store.ts).
 * Endpoints and pages use these; nothing else calls Taro.request or keeps credentials.
 */
export const apiClient = new HttpsClient({
  allowedOrigins: ALLOWED_ORIGINS,
  request: taroRequest,
  randomBytes: platformRandomBytes,
  now: () => Date.now(),
  // Backoff jitter only spreads retries out in time; it guards no secret, so Math.random is fine.
  jitter: () => Math.random(),
  maintenanceHeader: MAINTENANCE_HEADER,
})
apiClient.onMaintenance((notice) => emitSecurityEvent({ type: 'maintenance', ...notice }))

export const session = new SessionService({
  client: apiClient,
  store: secureStore,
  login: loginCode,
  apiOrigin: API_ORIGIN,
  now: () => Date.now(),
})
