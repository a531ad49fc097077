import { useEffect, useState } from 'react'
import { consent } from '../app-consent'
import type { ConsentChoices, ConsentState } from '../consent'
import { onPrivacyRequests, pendingPrivacyRequests, settlePrivacyRequests } from '../wechat-privacy'

// "Reconsider" (the home banner, the privacy center) opens the dialog on whatever page is on top.
let reconsidering = false
const reconsiderListeners = new Set<(open: boolean) => void>()

function setReconsidering(open: boolean): void {
  reconsidering = open
  for (const listener of [...reconsiderListeners]) listener(open)
}

/** Opens the consent dialog again (after a decline or a withdrawal, or to change a choice). */
export function reconsiderConsent(): void {
  setReconsidering(true)
}

/**
 * The consent record for pages, kept current: `state` is undefined until the sealed record was
 * read (launch). `allows` is consent.allows.
 */
export function useConsent(): { state: ConsentState | undefined } {
  const [state, setState] = useState(consent.state())
  useEffect(() => {
    const unsubscribe = consent.subscribe(setState)
    consent.load().then(setState, () => undefined)
    return unsubscribe
  }, [])
  return { state }
}

/**
 * What the consent dialog needs: whether it shows, why, and the user's two answers.
 * It shows when WeChat holds privacy requests (any page), when the user asked to reconsider, or
 * (`askOnLaunch`, the home page) when the app has no decision for the current policy.
 */
export function useConsentDialog(askOnLaunch: boolean) {
  const { state } = useConsent()
  const [pending, setPending] = useState(pendingPrivacyRequests)
  const [reopened, setReopened] = useState(reconsidering)
  useEffect(() => onPrivacyRequests(setPending), [])
  useEffect(() => {
    reconsiderListeners.add(setReopened)
    return () => {
      reconsiderListeners.delete(setReopened)
    }
  }, [])

  const decision = state ? consent.needsDecision() : { ask: false, changed: false }
  const visible = pending > 0 || reopened || (askOnLaunch && decision.ask)

  return {
    visible,
    /** How many WeChat privacy requests wait for this dialog. */
    pending,
    /** Agreed before, to an older policy version: show what changed. */
    policyChanged: decision.changed,
    /** 同意. `buttonId`: the agree button's id, from its agreePrivacyAuthorization event (weapp). */
    agree(choices: ConsentChoices, buttonId?: string): void {
      if (buttonId) settlePrivacyRequests({ agreedWithButton: buttonId })
      setReconsidering(false)
      void consent.agree(choices)
    },
    /** 不同意: pending privacy requests fail; the app continues without personal data. */
    decline(): void {
      settlePrivacyRequests('disagree')
      setReconsidering(false)
      void consent.decline()
    },
  }
}
