import type { MiniProgram } from '../weapp-harness/mini-program'

/**
 * Answers a first launch's consent sheet with 同意 as a user does: waits for it, then taps
 * WeChat's agree button (which also records the agreement with WeChat).
 */
export async function agreeOnFirstLaunch(program: MiniProgram): Promise<void> {
  await program.currentPage.waitForText('欢迎使用安心天气')
  await program.currentPage.tap({ id: 'consent-agree' })
}
