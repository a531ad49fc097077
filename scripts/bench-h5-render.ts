// Part of `npm run bench`: how long until a person sees the weather in the H5 build, against the
// bare Taro template's first page, in Debian's Chromium with the CPU throttled 4x (roughly a
// mid-range phone). Both builds are served the same way, by the reference server over HTTPS on
// 127.0.0.1; ours asks that server for the weather, as it does for a user.
//
// "Seen" is the moment the element that shows it enters the page (a MutationObserver notes
// performance.now(), which counts from the start of navigation): for us the current
// temperature, which appears only once the weather answer has arrived and rendered; for the
// template its hello-world text. Every round uses a fresh browser context (no cache), and rounds
// alternate between the two so that a noisy moment on the machine hits both. Medians and their
// ratio are printed; machines differ in absolute speed, the ratio is the figure.
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../e2e/support/browser'
import { startTestServer, type TestServer } from '../server/test/test-server'

const root = resolve(__dirname, '..')
const ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 11)
const CPU_SLOWDOWN = 4
const GOAL_RATIO = 1.3

interface Target {
  name: string
  server: TestServer
  /** The element whose arrival means "the person sees it". */
  selector: string
}

async function timeToSeen(browser: Browser, target: Target): Promise<number> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    ignoreHTTPSErrors: true,
  })
  try {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
    await page.addInitScript((selector: string) => {
      const marks = window as unknown as { __seenAt?: number }
      const observer = new MutationObserver(() => {
        if (marks.__seenAt === undefined && document.querySelector(selector)) {
          marks.__seenAt = performance.now()
          observer.disconnect()
        }
      })
      observer.observe(document, { childList: true, subtree: true })
    }, target.selector)
    await page.goto(target.server.url)
    await page.waitForFunction(
      () => (window as unknown as { __seenAt?: number }).__seenAt !== undefined,
      undefined,
      { timeout: 60_000 },
    )
    return await page.evaluate(() => (window as unknown as { __seenAt: number }).__seenAt)
  } finally {
    await context.close()
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

async function main() {
  const app = await startTestServer({ env: { WEB_ROOT: join(root, 'dist-h5') } })
  const bare = await startTestServer({
    env: { WEB_ROOT: join(root, 'dist-test', 'bench-bare', 'h5') },
  })
  const browser = await launchBrowser()
  try {
    const targets: Target[] = [
      { name: 'app', server: app, selector: '#home-temperature' },
      { name: 'bare', server: bare, selector: '.index' },
    ]
    // One unmeasured load each: the server's first answers and the disk cache warm up.
    for (const target of targets) await timeToSeen(browser, target)
    const times: Record<string, number[]> = { app: [], bare: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const target of order) times[target.name].push(await timeToSeen(browser, target))
    }
    const appMs = median(times.app)
    const bareMs = median(times.bare)
    const ratio = appMs / bareMs
    console.log(
      `\nH5 first render in Chromium, CPU ${CPU_SLOWDOWN}x slower, median of ${ROUNDS} alternating rounds`,
    )
    console.log(`  app: weather on screen   ${appMs.toFixed(0).padStart(6)} ms`)
    console.log(`  bare template: its text  ${bareMs.toFixed(0).padStart(6)} ms`)
    console.log(
      `  ratio                    ${ratio.toFixed(2)}x (goal <= ${GOAL_RATIO}x: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'})`,
    )
  } finally {
    await browser.close()
    await app.close()
    await bare.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
