import { createSecureStore } from '../security/secure-storage/secure-storage.taro'
import { emitSecurityEvent } from './security-events'

/**
 * The app's one secure store (sealed, expiring items on the device). Its own module, apart from
 * the HTTPS client and the session (api-client.ts), because the launch sweep needs only the store:
 * the network code then stays out of the main package until a launch-path page needs it.
 */
export const secureStore = createSecureStore(emitSecurityEvent)
