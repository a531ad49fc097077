import { platformRandomBytes } from '../security/secure-random/secure-random.taro'
import { HttpsClient } from '../security/transport/https-client'
import { taroRequest } from '../security/transport/https-client.taro'
import { MAINTENANCE_HEADER } from './api-contract'
import { emitSecurityEvent } from './security-events'
import { ALLOWED_ORIGINS } from './settings'

/**
 * The app's one HTTPS client. Endpoints use it; nothing else calls Taro.request or fetch. Its session
 * (signed calls) is app-session.ts, its secure store device-store.ts: each in its own module so
 * the main package holds only what the launch path needs.
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
