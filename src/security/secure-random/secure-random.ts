import { AppError } from '../app-error'

/**
 * The port every practice uses for randomness that must not be guessable: keys, IVs, nonces.
 * It is async because WeChat's source (`wx.getRandomValues`) is.
 *
 * Guarantee: bytes come from the platform's cryptographic generator or the call fails with
 * ERR_NO_SECURE_RANDOM. There is no fallback to Math.random, on purpose.
 */
export type RandomBytes = (length: number) => Promise<Uint8Array>

/** Checks what a platform source returned, so a broken source fails loudly instead of weakly. */
export function checkRandomBytes(bytes: unknown, length: number): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new AppError(
      'ERR_NO_SECURE_RANDOM',
      `the secure random source returned ${describe(bytes)} instead of ${length} bytes`,
    )
  }
  return bytes
}

/** Lower-case hex of `bytes` (nonces, key ids). */
export function toHex(bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`
  return value === null ? 'null' : typeof value
}
