import type { KeyringLock } from './secure-store'

/**
 * How this build keeps the secure store's keyring. This file is the weapp build's (and the one
 * Node tests import); the H5 build takes platform-keyring-lock.h5.ts instead (Taro resolves
 * `x.h5.ts` before `x.ts` when it builds for H5), so the WebCrypto and IndexedDB code never
 * reaches the mini program's package.
 *
 * weapp: undefined, the keyring is stored as it is, inside WeChat's `encrypt: true` storage
 * (secure-storage.taro.ts), whose key WeChat keeps on the device. The mini program runtime has no
 * WebCrypto and no IndexedDB, so there is no key the app could use without holding it.
 */
export function platformKeyringLock(_keyringKey: string): KeyringLock | undefined {
  return undefined
}
