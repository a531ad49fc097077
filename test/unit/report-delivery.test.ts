import { AppError } from '../../src/security/app-error'
import { postWithConsent, refusedForConsent } from '../../src/services/report-delivery'

// Security review (data) finding 4, the app's half: a batch the server refuses for want of
// consent on record is sent again once, after the decision; then the monitor holds it.
const refused = () =>
  new AppError('ERR_REQUEST_REJECTED', 'refused', {
    details: { status: 403, serverCode: 'ERR_CONSENT_REQUIRED' },
  })

/** A `post` that answers as scripted, in order: an error to throw or a value to return. */
function scripted(...answers: unknown[]) {
  const calls: string[] = []
  const post = async () => {
    calls.push('post')
    const answer = answers.shift()
    if (answer instanceof Error) throw answer
    return answer
  }
  const resend = async () => void calls.push('resend consent')
  return { post, resend, calls }
}

describe('postWithConsent', () => {
  test('accepted at once: the decision is not sent again', async () => {
    const s = scripted('receipt')
    await expect(postWithConsent(s.post, s.resend)).resolves.toBe('receipt')
    expect(s.calls).toEqual(['post'])
  })

  test('refused for consent, then accepted: the decision goes again, then the batch', async () => {
    const s = scripted(refused(), 'receipt')
    await expect(postWithConsent(s.post, s.resend)).resolves.toBe('receipt')
    expect(s.calls).toEqual(['post', 'resend consent', 'post'])
  })

  test('refused twice: ERR_CONSENT_REQUIRED (the monitor holds the reports), no third try', async () => {
    const s = scripted(refused(), refused())
    await expect(postWithConsent(s.post, s.resend)).rejects.toMatchObject({
      code: 'ERR_CONSENT_REQUIRED',
      details: { status: 403, serverCode: 'ERR_CONSENT_REQUIRED' },
    })
    expect(s.calls).toEqual(['post', 'resend consent', 'post'])
  })

  test.each<[string, Error]>([
    ['offline', new AppError('ERR_NETWORK', 'offline')],
    ['another refusal', new AppError('ERR_REQUEST_REJECTED', 'bad', { details: { status: 400 } })],
    ['rate limited', new AppError('ERR_RATE_LIMITED', 'slow down')],
  ])('any other failure (%s) passes through as it came: the monitor retries', async (_n, error) => {
    const s = scripted(error)
    await expect(postWithConsent(s.post, s.resend)).rejects.toBe(error)
    expect(s.calls).toEqual(['post'])
  })

  test('refusedForConsent reads the server code only', () => {
    expect(refusedForConsent(refused())).toBe(true)
    expect(refusedForConsent(new AppError('ERR_CONSENT_REQUIRED', 'app side'))).toBe(false)
    expect(refusedForConsent(new Error('ERR_CONSENT_REQUIRED'))).toBe(false)
  })
})
