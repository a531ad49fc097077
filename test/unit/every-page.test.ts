import '../../scripts/taro-config-globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import appConfig from '../../src/app.config'

// What every page must do, checked on every page app.config.ts declares.
//
// MONITOR: every page's default export is wrapped in its error boundary
// (src/components/page-error-boundary). Taro 4's own page wrapper catches a render error, hands
// `onError` a single string and renders an EMPTY page: without the boundary the user is left on a
// blank screen with no way out, and the error is reported without its stack.
const SRC = join(__dirname, '..', '..', 'src')
const WRAPPED = 'export default withErrorBoundary('

/** Every page app.config.ts declares, main package and subpackages, as its path under src/. */
function declaredPages(): string[] {
  const main = appConfig.pages ?? []
  const sub = (appConfig.subPackages ?? []).flatMap((pkg) =>
    pkg.pages.map((page) => `${pkg.root}/${page}`),
  )
  return [...main, ...sub]
}

test('app.config.ts declares the main pages and the subpackage pages', () => {
  const pages = declaredPages()
  expect(pages).toEqual(
    expect.arrayContaining(['pages/home/index', 'more/pages/city-picker/index']),
  )
  expect(pages.length).toBeGreaterThanOrEqual(5)
})

test.each(declaredPages())('%s: its default export is wrapped in withErrorBoundary', (page) => {
  const file = join(SRC, `${page}.tsx`)
  if (!existsSync(file))
    throw new Error(`app.config.ts declares ${page}, but src/${page}.tsx is missing.`)
  if (!readFileSync(file, 'utf8').includes(WRAPPED)) {
    throw new Error(
      `src/${page}.tsx must export its page as \`${WRAPPED}Page)\` ` +
        '(src/components/page-error-boundary): without it, a render error leaves a blank page ' +
        "(Taro 4's page wrapper renders nothing) with neither 重试 nor 回到首页.",
    )
  }
})

// INCIDENT: during an incident or the local lock, every page but the maintenance page gives way
// to it when it shows (src/services/hooks/use-kill-switch-gate.ts). On H5 any page can be opened
// by its address; without the gate it would show normally and its requests would fail with
// ERR_MAINTENANCE in the user's face.
const GATE = 'useKillSwitchGate()'
test.each(declaredPages().filter((page) => page !== 'pages/maintenance/index'))(
  '%s: it calls useKillSwitchGate()',
  (page) => {
    if (!readFileSync(join(SRC, `${page}.tsx`), 'utf8').includes(GATE)) {
      throw new Error(
        `src/${page}.tsx must call ${GATE} in its page component: opened during an incident ` +
          '(by its address on H5, a shared link), it would show and fail instead of giving way ' +
          'to the maintenance page.',
      )
    }
  },
)
