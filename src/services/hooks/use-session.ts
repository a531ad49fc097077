import { useCallback, useEffect, useState } from 'react'
import { AppError, isAppError } from '../../security/app-error'
import { session, signIn as signInAndSync, signOut as signOutByChoice } from '../app-session'
import type { ServerSignOut, SessionState } from '../session'

export type SessionView =
  | { status: 'loading' }
  /** `server`: what the server said to the sign-out that led here, if one did. */
  | { status: 'signed-out'; server?: ServerSignOut }
  | { status: 'busy'; action: 'sign-in' | 'sign-out' }
  | { status: 'signed-in'; expiresAt: number }
  | { status: 'error'; error: AppError }

/**
 * The session for pages: its state, and sign-in / sign-out as user actions with progress.
 * Errors arrive as AppErrors with a stable code; the page words them for the user.
 */
export function useSession() {
  const [view, setView] = useState<SessionView>({ status: 'loading' })

  // Read at mount, and again on `refresh` (after a withdrawal ended the session elsewhere).
  const [reads, setReads] = useState(0)
  useEffect(() => {
    let current = true
    session.state().then(
      (state) => {
        if (current) setView(viewOf(state))
      },
      (error: unknown) => {
        if (current) setView({ status: 'error', error: toAppError(error) })
      },
    )
    return () => {
      current = false
    }
  }, [reads])
  const refresh = useCallback(() => setReads((n) => n + 1), [])

  const signIn = useCallback(async () => {
    setView({ status: 'busy', action: 'sign-in' })
    try {
      setView(viewOf(await signInAndSync()))
    } catch (error) {
      setView({ status: 'error', error: toAppError(error) })
    }
  }, [])

  const signOut = useCallback(async () => {
    setView({ status: 'busy', action: 'sign-out' })
    try {
      setView({ status: 'signed-out', server: await signOutByChoice() })
    } catch (error) {
      setView({ status: 'error', error: toAppError(error) })
    }
  }, [])

  return { view, signIn, signOut, refresh }
}

function viewOf(state: SessionState): SessionView {
  return state.signedIn && state.expiresAt !== undefined
    ? { status: 'signed-in', expiresAt: state.expiresAt }
    : { status: 'signed-out' }
}

function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error
  return new AppError('ERR_SESSION_EXPIRED', 'signing in failed', { cause: error })
}
