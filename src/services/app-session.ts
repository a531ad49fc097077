import { apiClient } from './api-client'
import { secureStore } from './device-store'
import { loginCode } from './platform-login'
import { SessionService } from './session'
import { API_ORIGIN } from './settings'

/**
 * The app's one session: signs in with a WeChat login code, keeps the credentials sealed in the
 * secure store, and gives the HTTPS client what it needs to sign calls. Only pages that sign in
 * (the privacy center) import it.
 */
export const session = new SessionService({
  client: apiClient,
  store: secureStore,
  login: loginCode,
  apiOrigin: API_ORIGIN,
  now: () => Date.now(),
})
