import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildPrivacyGuide, CALLED_PRIVACY_APIS } from '../../scripts/privacy-guide'

// POLICY in the built package: every WeChat privacy API that app.json cannot declare (only the
// location APIs go in requiredPrivateInfos, test/weapp/precise-location.test.ts) is used by the
// weapp build exactly when scripts/privacy-guide.ts lists it in CALLED_PRIVACY_APIS, and the guide
// made from the inventory declares its data kind. WeChat refuses an undeclared one at run time
// ("api scope is not declared in the privacy agreement"); its review compares the guide with
// what the code calls.
const DIST = resolve(__dirname, '../../dist')

/** WeChat's privacy APIs outside the location ones, by the guide's data kind (privacy_key). */
const PRIVACY_APIS: Record<string, string> = {
  getUserProfile: 'UserInfo',
  getUserInfo: 'UserInfo',
  chooseInvoice: 'Invoice',
  chooseInvoiceTitle: 'Invoice',
  getWeRunData: 'RunData',
  startRecord: 'Record',
  getRecorderManager: 'Record',
  joinVoIPChat: 'Record',
  chooseImage: 'Album',
  chooseMedia: 'Album',
  chooseVideo: 'Album',
  saveImageToPhotosAlbum: 'AlbumWriteOnly',
  saveVideoToPhotosAlbum: 'AlbumWriteOnly',
  createCameraContext: 'Camera',
  chooseContact: 'Contact',
  addPhoneContact: 'Contact',
  setClipboardData: 'Clipboard',
  getClipboardData: 'Clipboard',
  openBluetoothAdapter: 'BlueTooth',
  createBLEPeripheralServer: 'BlueTooth',
  addPhoneCalendar: 'CalendarWriteOnly',
  addPhoneRepeatCalendar: 'CalendarWriteOnly',
  chooseMessageFile: 'MessageFile',
  chooseLicensePlate: 'LicensePlate',
  startAccelerometer: 'Accelerometer',
  startCompass: 'Compass',
  startDeviceMotionListening: 'DeviceMotion',
  startGyroscope: 'Gyroscope',
}

const sources = (readdirSync(DIST, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.js'))
  .map((file) => ({ file, text: readFileSync(join(DIST, file), 'utf8') }))

/** The build's files that use `api`: a property access (`x.api`, `x["api"]`), not a name in a list. */
function usersOf(api: string): string[] {
  const use = new RegExp(`\\.${api}\\b|\\[\\s*["'\`]${api}["'\`]\\s*\\]`)
  return sources.filter(({ text }) => use.test(text)).map(({ file }) => file)
}

test('the build calls exactly the privacy APIs CALLED_PRIVACY_APIS lists, each with its data kind', () => {
  const used = Object.keys(PRIVACY_APIS).filter((api) => usersOf(api).length > 0)
  expect(used.sort()).toEqual(Object.keys(CALLED_PRIVACY_APIS).sort())
  for (const [api, kind] of Object.entries(CALLED_PRIVACY_APIS)) {
    expect({ api, kind }).toEqual({ api, kind: PRIVACY_APIS[api] })
  }
})

test('the clipboard is used only by the privacy center, in the subpackage', () => {
  expect(usersOf('setClipboardData').every((file) => file.startsWith('more/'))).toBe(true)
})

test('the guide made from the inventory declares the data kind of every privacy API called', () => {
  const kinds = buildPrivacyGuide().setting_list.map((entry) => entry.privacy_key)
  for (const kind of Object.values(CALLED_PRIVACY_APIS)) expect(kinds).toContain(kind)
})
