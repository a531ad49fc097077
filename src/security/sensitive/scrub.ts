/**
 * Removes personal data and credentials from free text before it leaves the device or is
 * stored: error messages, stack traces, page paths. Used by the app's error reporting (MONITOR)
 * and again by the reference server on what it receives, because a server must not trust that
 * every client scrubbed.
 *
 * It works on patterns, so it is a safety net, not a guarantee: code should not put personal
 * data into error messages in the first place.
 */

interface Rule {
  pattern: RegExp
  replacement: string
}

// Order matters: credentials first (they can contain digits that look like phone numbers),
// then long numbers (ID numbers before bank cards before phones), then emails and coordinates.
const RULES: Rule[] = [
  // `Bearer <token>` in messages that quote a header.
  { pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, replacement: 'Bearer [token]' },
  // key=value and "key": "value" pairs whose key names a secret or an identifier.
  {
    pattern:
      /\b(token|access_token|session_key|signature|signingKey|secret|password|passwd|openid|unionid|code|authorization)(["']?\s*[:=]\s*["']?)[^"'&\s,;}]+/gi,
    replacement: '$1$2[redacted]',
  },
  // Coordinates given by name: lat=39.90, "longitude": 116.4
  {
    pattern: /\b(lat|lon|lng|latitude|longitude)(["']?\s*[:=]\s*["']?)-?\d{1,3}(?:\.\d+)?/gi,
    replacement: '$1$2[redacted]',
  },
  // A bare coordinate pair: 39.9042, 116.4074
  { pattern: /-?\d{1,3}\.\d{2,}\s*,\s*-?\d{1,3}\.\d{2,}/g, replacement: '[coordinates]' },
  { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, replacement: '[email]' },
  // Mainland resident ID number: 17 digits and a digit or X.
  { pattern: /(?<![0-9])\d{17}[0-9Xx](?![0-9A-Za-z])/g, replacement: '[id-number]' },
  // Bank card numbers: 16 to 19 digits, optionally grouped by spaces or dashes.
  { pattern: /(?<![0-9])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![0-9])/g, replacement: '[card]' },
  // Mainland mobile numbers, with or without +86.
  { pattern: /(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d{9}(?![0-9])/g, replacement: '[phone]' },
  // Long random-looking strings (tokens, keys, hashes): 32+ URL-safe characters with a digit.
  {
    pattern: /(?<![A-Za-z0-9_-])(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g,
    replacement: '[token]',
  },
]

/** The text with tokens, phone and ID numbers, bank cards, emails and coordinates replaced. */
export function scrub(text: string): string {
  let result = text
  for (const rule of RULES) result = result.replace(rule.pattern, rule.replacement)
  return result
}
