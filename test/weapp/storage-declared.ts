import { matchDeviceKey } from '../../src/services/data-inventory'
import type { FakeWx } from '../weapp-harness/fake-wx'

/**
 * POLICY: every key the app left in storage is declared by the data inventory
 * (src/services/data-inventory.ts), so the privacy policy lists everything kept on the device.
 * Takes the fake `wx` or the MiniProgram (both carry `control.storage`). Call it at the end of a
 * journey: a new storage key fails the journey until the inventory says what it holds.
 */
export function expectStorageDeclared(device: { control: Pick<FakeWx['control'], 'storage'> }) {
  const keys = [...device.control.storage.keys()]
  expect(keys.filter((key) => matchDeviceKey(key).length === 0)).toEqual([])
}
