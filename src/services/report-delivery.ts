import { AppError, isAppError } from '../security/app-error'

/**
 * True when the server refused error reports because it has no 'agreed' decision on record
 * (403 ERR_CONSENT_REQUIRED, which the HTTPS client hands over as ERR_REQUEST_REJECTED).
 */
export function refusedForConsent(error: unknown): boolean {
  return (
    isAppError(error, 'ERR_REQUEST_REJECTED') && error.details.serverCode === 'ERR_CONSENT_REQUIRED'
  )
}

/**
 * Sends one batch of error reports (`post`). The server takes them only while the user's latest
 * consent decision on record is 'agreed'; when it refuses for want of one (its copy went with an
 * erasure, or the sync after sign-in failed), the decision is sent again (`resendConsent`) and
 * the batch once more. A second refusal rejects with AppError ERR_CONSENT_REQUIRED, which the
 * monitor keeps the reports for without retrying on a timer (security/monitor/monitor.ts); any
 * other failure rejects as it came, and the monitor retries with backoff.
 */
export async function postWithConsent<T>(
  post: () => Promise<T>,
  resendConsent: () => Promise<void>,
): Promise<T> {
  try {
    return await post()
  } catch (error) {
    if (!refusedForConsent(error)) throw error
  }
  await resendConsent()
  try {
    return await post()
  } catch (error) {
    if (!refusedForConsent(error)) throw error
    throw new AppError('ERR_CONSENT_REQUIRED', 'the server has no consent on record for reports', {
      cause: error,
      details: (error as AppError).details,
    })
  }
}
