import { AppError } from '../../../src/security/app-error'
import type { StoragePort } from '../../../src/security/secure-storage/secure-store'

/**
 * An in-memory StoragePort with WeChat's quota rule: a write that does not fit fails with
 * ERR_STORAGE_QUOTA and leaves the old value in place. `failWritesAfter` simulates a crash;
 * keys in `unreadable` are there but cannot be read (ERR_STORAGE_UNREADABLE, as the Taro adapter
 * answers), keys in `failingReads` fail as a broken platform does (ERR_STORAGE_FAILED).
 */
export function createMemoryStorage(options: { itemLimitBytes?: number } = {}) {
  const items = new Map<string, string>()
  const unreadable = new Set<string>()
  const failingReads = new Set<string>()
  let writesLeft = Infinity
  const port: StoragePort = {
    async read(key) {
      if (failingReads.has(key)) throw new AppError('ERR_STORAGE_FAILED', 'simulated failure')
      if (unreadable.has(key) && items.has(key)) {
        throw new AppError('ERR_STORAGE_UNREADABLE', 'simulated unreadable item')
      }
      return items.get(key)
    },
    async write(key, value) {
      if (writesLeft-- <= 0) throw new AppError('ERR_STORAGE_FAILED', 'simulated crash')
      const limit = options.itemLimitBytes ?? Infinity
      if (Buffer.byteLength(key) + Buffer.byteLength(value) > limit) {
        throw new AppError('ERR_STORAGE_QUOTA', 'storage is full')
      }
      items.set(key, value)
    },
    async remove(key) {
      items.delete(key)
    },
    async keys() {
      return [...items.keys()]
    },
  }
  return {
    port,
    items,
    unreadable,
    failingReads,
    failWritesAfter(count: number) {
      writesLeft = count
    },
  }
}
