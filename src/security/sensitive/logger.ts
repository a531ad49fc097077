import { scrub } from './scrub'

/**
 * SENSITIVE: the app's one logger. Nothing in `src/` writes to `console` but this file (ESLint's
 * `no-console` says so, with this file the one exception): on a phone the console ends up in
 * WeChat DevTools, vConsole, crash tools and, through `wx.getRealtimeLogManager`, in the admin
 * console next to the user's OpenID. So every message and field goes through two filters first:
 *
 * 1. The field-name rule (`isSecretName`): a field whose NAME says it holds a credential, a
 *    WeChat identifier or personal data has its value replaced by `[redacted]`, whatever the
 *    value looks like. A name is split into words (camelCase, snake_case, kebab-case, dots):
 *    `signingKey` → signing, key. It is secret when one word is one of SECRET_WORDS (token,
 *    secret, password, key, signature, authorization, cookie, ticket, openid, code, phone, email,
 *    lat…), or when the whole name, separators removed, is one of SECRET_NAMES (`openId`,
 *    `unionId`, `idCard`, `cardNo`, `sign`…). Whole words only, so `cityId`, `keyboard`, `flat`,
 *    `encode` and `signedIn` are kept. `code` is WeChat's login code, but error codes are what
 *    logs are for: a `code` field keeps a value shaped like a stable error code (`ERR_TIMEOUT`,
 *    `ECONNRESET`) or an integer from -1 to 99999 (HTTP statuses, WeChat errcodes); anything
 *    else in it, a six-digit one-time code included, is redacted.
 * 2. The scrubber (`scrub.ts`): every other string, the message and field names included, loses
 *    tokens, phone and ID numbers, bank cards, emails and coordinates found by their pattern.
 *
 * Name things so the rule works for you: a storage item's name goes in a field called `item`,
 * not `key` (which is redacted).
 *
 * Errors are logged as their name, code, details, and scrubbed message and stack; an error's
 * `cause` is never read. Objects are read at most 4 levels deep, 30 fields and 20 array items
 * each, strings at most 1000 characters; cycles, getters that throw and a sink that throws cannot
 * break the caller. Levels below the threshold (default `info`: `debug` is off) are dropped.
 *
 * Limits: it is a safety net over what code chose to log, not a licence to log data. A secret in
 * a field with an innocent name and no recognisable pattern (a password in `note`) gets through.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** What a sink receives: already redacted. */
export interface LogRecord {
  level: LogLevel
  message: string
  fields?: Record<string, unknown>
}

export type LogSink = (record: LogRecord) => void

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

export const REDACTED = '[redacted]'

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/**
 * A logger that redacts before `sink` (default: the console) sees anything. Guarantee: the sink
 * gets only scrubbed strings and redacted secret fields; logging never throws.
 */
export function createLogger(options: { sink?: LogSink; level?: LogLevel } = {}): Logger {
  const sink = options.sink ?? consoleSink
  const threshold = LEVELS[options.level ?? 'info']
  const write = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return
    try {
      const record: LogRecord = { level, message: cut(scrub(String(message).slice(0, SCAN_LIMIT))) }
      if (fields !== undefined) {
        const redacted = redact(fields)
        record.fields =
          redacted !== null && typeof redacted === 'object' && !Array.isArray(redacted)
            ? (redacted as Record<string, unknown>)
            : { value: redacted }
      }
      sink(record)
    } catch {
      // A log line is never worth breaking the caller for.
    }
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/** The app's logger: the console, `info` and above. */
export const logger: Logger = createLogger()

function consoleSink({ level, message, fields }: LogRecord): void {
  const args: unknown[] = fields === undefined ? [message] : [message, fields]
  console[level](...args)
}

// --- the field-name rule ------------------------------------------------------------------------

/** Words that make a field secret wherever they stand in its name. */
const SECRET_WORDS = new Set([
  // credentials
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'key',
  'keys',
  'signature',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'ticket',
  'otp',
  // WeChat identifiers, and the login code (see `code` in the module comment)
  'openid',
  'unionid',
  'code',
  // personal data
  'phone',
  'mobile',
  'email',
  'lat',
  'lng',
  'lon',
  'latitude',
  'longitude',
])

/** Whole names (lower case, separators removed) that are secret though no word of them is. */
const SECRET_NAMES = new Set([
  'sign', // WeChat Pay's signature parameter; `signIn`, `signedIn` stay
  'openid',
  'unionid',
  'idcard',
  'idnumber',
  'idno',
  'cardno',
  'cardnumber',
  'bankcard',
])

/** True when a field of this name holds a secret or personal data (see the module comment). */
export function isSecretName(name: string): boolean {
  return secrecyOf(name) !== 'none'
}

/** 'secret', 'code' (secret unless the value is a stable error code), or 'none'. */
function secrecyOf(name: string): 'secret' | 'code' | 'none' {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  if (SECRET_NAMES.has(words.join(''))) return 'secret'
  let secrecy: 'secret' | 'code' | 'none' = 'none'
  for (const word of words) {
    if (word === 'code') secrecy = 'code'
    else if (SECRET_WORDS.has(word)) return 'secret'
  }
  return secrecy
}

/** A value a `code` field may show: a stable error code, an HTTP status or a WeChat errcode. */
function isStableCode(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= -1 && value <= 99_999
  return typeof value === 'string' && /^E[A-Z0-9_]{2,63}$/.test(value)
}

// --- redaction ----------------------------------------------------------------------------------

const MAX_DEPTH = 4
const MAX_FIELDS = 30
const MAX_ITEMS = 20
const MAX_STRING = 1000
/** Strings are cut to this before scrubbing: scrubbing stays cheap, and the cut part is dropped. */
const SCAN_LIMIT = 10_000

/**
 * `value` as it may be logged or reported: secret fields `[redacted]`, strings scrubbed, errors
 * reduced to name, code, details, message and stack; bounded in depth and size. Never throws.
 */
export function redact(value: unknown): unknown {
  return redactValue(value, 0, new WeakSet())
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return cut(scrub(value.slice(0, SCAN_LIMIT)))
    case 'number':
    case 'boolean':
    case 'undefined':
      return value
    case 'bigint':
      return value.toString()
    case 'function':
      return '[function]'
    case 'symbol':
      return '[symbol]'
  }
  if (value === null) return null
  const object = value as object
  if (seen.has(object)) return '[circular]'
  if (depth > MAX_DEPTH) return '[too deep]'
  seen.add(object)
  try {
    if (object instanceof Date) return object.toISOString()
    if (object instanceof Error) return redactError(object, depth, seen)
    if (Array.isArray(object)) {
      const items = object.slice(0, MAX_ITEMS).map((item) => redactValue(item, depth + 1, seen))
      if (object.length > MAX_ITEMS) items.push(`… ${object.length - MAX_ITEMS} more`)
      return items
    }
    return redactFields(object as Record<string, unknown>, Object.keys(object), depth, seen)
  } catch {
    return '[unreadable]'
  } finally {
    seen.delete(object) // the same object twice side by side is not a cycle
  }
}

function redactFields(
  object: Record<string, unknown>,
  names: string[],
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of names.slice(0, MAX_FIELDS)) {
    let field: unknown
    try {
      field = object[name]
    } catch {
      out[scrub(name)] = '[unreadable]'
      continue
    }
    const secrecy = secrecyOf(name)
    const hidden = secrecy === 'secret' || (secrecy === 'code' && !isStableCode(field))
    out[scrub(name)] = hidden ? REDACTED : redactValue(field, depth + 1, seen)
  }
  if (names.length > MAX_FIELDS) out['…'] = `${names.length - MAX_FIELDS} more fields`
  return out
}

function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const { code, details } = error as Error & { code?: unknown; details?: unknown }
  const out: Record<string, unknown> = { name: redactValue(error.name, depth + 1, seen) }
  if (code !== undefined) out.code = isStableCode(code) ? code : REDACTED
  if (details !== undefined) out.details = redactValue(details, depth + 1, seen)
  out.message = redactValue(error.message, depth + 1, seen)
  if (typeof error.stack === 'string') out.stack = redactValue(error.stack, depth + 1, seen)
  return out
}

function cut(text: string): string {
  return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…` : text
}
