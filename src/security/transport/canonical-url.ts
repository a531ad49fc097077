/**
 * TRANSPORT: the one wire form of a request's path and query. The client signs exactly these
 * bytes and hands exactly these bytes to the platform, so what the server receives is what was
 * signed (docs/request-signing.md, "The wire form").
 *
 * Why it is needed: a URL written by a caller (`/v1/weather?cityId=北京`, a space, a stray `%`) is
 * not what goes on the wire. WeChat, browsers' fetch and Node percent-encode such characters
 * before sending, so a signature over the text as written never matches what the server sees.
 *
 * The form (RFC 3986, UTF-8):
 * - `query` values and keys given as data are encoded completely: every byte but the unreserved
 *   characters `A-Z a-z 0-9 - . _ ~` becomes `%XX`, so `&`, `=`, `+`, `#`, `%` and emoji inside a
 *   value arrive as that value. An array value repeats its key, in order.
 * - a path or query written inside the URL keeps the characters RFC 3986 allows there (unreserved,
 *   `! $ & ( ) * + , ; = : @ /`, and `?` in the query) and its valid `%XX` escapes (hex made
 *   upper-case); everything else (space, non-ASCII, `'`, `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`,
 *   `|`, `}`, `[`, `]`, a `%` not followed by two hex digits) becomes `%XX`. No platform changes
 *   the result again: every character left is one that WeChat, fetch and Node send as it is.
 * Refused with ERR_INVALID_INPUT: a `#` in the URL (a fragment is never sent), `.` or `..` path
 * segments (platforms resolve them before sending, which would change the signed path), control
 * characters, and text that is not valid UTF-16 (a lone surrogate cannot be encoded).
 */
import { AppError } from '../app-error'

/** Query data: each value a string or number, or an array of them to repeat the key. */
export type QueryParams = Readonly<
  Record<string, string | number | readonly (string | number)[] | undefined>
>

/** What may stand unencoded in a path written in a URL (RFC 3986 pchar and `/`). */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&()*+,;=:@/]/
/** What may stand unencoded in a query written in a URL (pchar, `/` and `?`; `'` excluded: fetch encodes it). */
const QUERY_SAFE = /[A-Za-z0-9\-._~!$&()*+,;=:@/?]/
const VALID_ESCAPE = /^%[0-9A-Fa-f]{2}/
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i

/**
 * The wire form of `pathWithQuery` (as written in a URL, starting with `/`) with `query` appended.
 * Throws AppError ERR_INVALID_INPUT as described in the module comment.
 */
export function canonicalPathAndQuery(pathWithQuery: string, query?: QueryParams): string {
  if (!pathWithQuery.startsWith('/')) {
    throw new AppError('ERR_INVALID_INPUT', 'a path starts with "/"')
  }
  if (pathWithQuery.includes('#')) {
    throw new AppError(
      'ERR_INVALID_INPUT',
      'a URL fragment ("#...") is never sent: pass a value containing "#" in `query`',
    )
  }
  if (CONTROL.test(pathWithQuery)) {
    throw new AppError('ERR_INVALID_INPUT', 'a URL must not contain control characters')
  }
  const questionMark = pathWithQuery.indexOf('?')
  const rawPath = questionMark === -1 ? pathWithQuery : pathWithQuery.slice(0, questionMark)
  const rawQuery = questionMark === -1 ? undefined : pathWithQuery.slice(questionMark + 1)

  const path = encodeWritten(rawPath, PATH_SAFE)
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new AppError('ERR_INVALID_INPUT', '"." and ".." path segments are not sent as written')
  }
  const parts: string[] = []
  if (rawQuery !== undefined && rawQuery !== '') parts.push(encodeWritten(rawQuery, QUERY_SAFE))
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue
    const values = Array.isArray(value) ? value : [value as string | number]
    for (const one of values) parts.push(`${encodeComponent(key)}=${encodeComponent(String(one))}`)
  }
  return parts.length === 0 ? path : `${path}?${parts.join('&')}`
}

/** RFC 3986 component encoding: all but unreserved characters become UTF-8 `%XX`. */
export function encodeComponent(text: string): string {
  // encodeURIComponent leaves !'()* alone; RFC 3986 reserves them, and fetch would encode `'`.
  return utf8Escape(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

function encodeWritten(text: string, safe: RegExp): string {
  let out = ''
  for (let i = 0; i < text.length;) {
    const escape = VALID_ESCAPE.exec(text.slice(i, i + 3))
    if (escape) {
      out += escape[0].toUpperCase()
      i += 3
      continue
    }
    const codePoint = text.codePointAt(i) as number
    const character = String.fromCodePoint(codePoint)
    out += safe.test(character) ? character : encodeComponent(character)
    i += character.length
  }
  return out
}

function utf8Escape(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch (cause) {
    throw new AppError('ERR_INVALID_INPUT', 'the URL holds text that is not valid Unicode', {
      cause,
    })
  }
}
