import TestUtils from '@tarojs/test-utils-react'
import { act, type ComponentType } from 'react'
import type { WeatherProvider } from '../../src/services/weather-provider'
import { WeatherProviderContext } from '../../src/services/weather-context'

const mounted: TestUtils[] = []

/** Mount a page inside the weather context, as src/app.ts does, with a provider the test picks. */
export async function mountPage(
  Page: ComponentType,
  provider: WeatherProvider,
): Promise<TestUtils> {
  const testUtils = new TestUtils()
  mounted.push(testUtils)
  const WithProvider = () => (
    <WeatherProviderContext.Provider value={provider}>
      <Page />
    </WeatherProviderContext.Provider>
  )
  await act(async () => {
    await testUtils.mount(WithProvider)
  })
  return testUtils
}

/** Unmount every page mounted by the test (setup.ts calls this after each test). */
export function unmountAll(): void {
  act(() => {
    // The method is spelled `unmout` in @tarojs/test-utils-react 0.1.1.
    while (mounted.length) mounted.pop()?.unmout()
  })
  document.body.innerHTML = ''
}

/** Tap an element as a user would; what the tap sets off settles inside React's act(). */
export async function click(element: Element | null): Promise<void> {
  if (!element) throw new Error(`Nothing to click. Page: ${pageText()}`)
  await act(async () => {
    element.dispatchEvent(new MouseEvent('click', { bubbles: true }))
  })
}

/** Type into a Taro H5 <Input>: the web component reports an `input` CustomEvent with detail.value. */
export async function typeInto(element: Element | null, value: string): Promise<void> {
  if (!element) throw new Error(`No input to type into. Page: ${pageText()}`)
  await act(async () => {
    element.dispatchEvent(new CustomEvent('input', { detail: { value }, bubbles: true }))
  })
}

/** Visible text of the mounted page (testUtils.html() hangs on Taro 4; see toolchain.md). */
export function pageText(): string {
  return document.body.textContent ?? ''
}

/**
 * Wait until `predicate` holds. Time passes inside React's act(), so the state updates that
 * resolving promises cause are applied the way React expects in tests.
 */
export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`Timed out waiting for ${what}. Page: ${pageText()}`)
    await act(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))
  }
}
