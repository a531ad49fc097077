import bcrypt from 'bcryptjs'
import { createHmac } from 'node:crypto'

/**
 * The admin password as bcrypt is given it: base64 of HMAC-SHA256 under a fixed label, 44 ASCII
 * characters whatever the password's length.
 *
 * Why: bcrypt reads only the first 72 bytes of its input and ignores the rest, and a Chinese
 * character is 3 bytes in UTF-8, so a 33-character passphrase (99 bytes) would be matched by
 * any guess that shares its first 24 characters. Pre-hashing makes every byte count. Base64
 * keeps NUL bytes (where some bcrypt implementations stop) out of bcrypt's input; the label
 * keeps the digest from equalling a plain SHA-256 of the password found in another system's
 * leak. Refusing long passwords instead was not possible: the server is configured with the
 * hash, never the password, so it cannot know how long the password was.
 */
export function bcryptInputOf(password: string): string {
  return createHmac('sha256', 'anxin-admin-password-v1').update(password, 'utf8').digest('base64')
}

/** A bcrypt hash of the admin password (pre-hashed, above), for ADMIN_PASSWORD_HASH. */
export function hashAdminPassword(password: string, cost = 12): string {
  return bcrypt.hashSync(bcryptInputOf(password), cost)
}

/** Whether `password` is the one `hash` was made from (bcrypt's comparison, constant time). */
export function adminPasswordMatches(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(bcryptInputOf(password), hash)
}
