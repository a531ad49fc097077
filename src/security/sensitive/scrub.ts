/**
 * Removes personal data and credentials from free text before it leaves the device or is
 * stored: error messages, stack traces, page paths. Used by the app's error reporting (MONITOR)
 * and again by the reference server on what it receives, because a server must not trust that
 * every client scrubbed.
 *
 * What it finds (RULES below has the exact forms): bearer tokens and secret `key=value` pairs,
 * emails, long random strings, mainland resident ID numbers (18 digits, and the 15-digit form
 * issued before 1999), bank cards, mainland mobile numbers (grouped, with +86 or 0086), and
 * coordinates (named, as a bare pair, or in degrees and minutes).
 *
 * How it reads text. The rules never run on the text itself but on a *view* of it:
 * - each character is NFKC-normalised and each Unicode decimal digit becomes 0-9, so full-width
 *   `１３８…`, `＠`, `：` and Arabic-Indic or Devanagari digits look like ASCII to the rules;
 * - in a second view `%XX` escapes (UTF-8) are decoded too, up to three times for
 *   double-encoded URLs. Each rule runs on the text as written and then, if it has a `%`, on the
 *   decoded view, so decoding cannot hide what was written plainly.
 * Each character of a view knows which characters of the original it came from, and only the
 * matched span of the original is replaced by a label such as `[phone]`. Everything else stays
 * exactly as written: a page path keeps its structure and its encoding, and a replaced encoded
 * value becomes a plain label:
 *   `pages/home/index?email=zhang.san%40example.com&city=%E5%8C%97%E4%BA%AC`
 *   → `pages/home/index?email=[email]&city=%E5%8C%97%E4%BA%AC`
 *
 * What it promises (property-tested): scrubbing twice gives the same text as scrubbing once;
 * text no rule matches comes back unchanged, including stack frames (`at fn (file.js:1:2)`,
 * `fn@file.js:1:2`), versions, timestamps and HTTP statuses; the time taken grows roughly
 * linearly with the length of the text (no pattern can backtrack catastrophically). No pattern
 * uses lookbehind, which older iOS JavaScript engines reject when they load the code.
 *
 * Its limits: it works on patterns, so it is a safety net, not a guarantee. It does not know
 * names, addresses, landline numbers, passports or documents of other regions; emails whose
 * domain ends in a code file's extension (`.js`, `.ts`, `.json`…) are read as stack frames; a
 * 15-digit number counts as an ID number only if digits 9-12 can be a month and day; an unnamed
 * coordinate needs two decimals and a partner; a value split across lines, or spelled out in
 * words, is not seen. Code should not put personal data into error messages in the first place.
 */

interface Rule {
  /**
   * What to find, in the view. The match is replaced, except a leading `(?<keep>…)` group: that
   * is context (a boundary, a key name), and it stays as written. Patterns must have the `g`
   * flag, and must not use lookbehind (the `keep` group does its work).
   */
  pattern: RegExp
  /** What the match becomes. */
  label: string
}

// File extensions that end stack-frame locations, never real email domains: `fn@file.js:12:5`.
const CODE_FILE = String.raw`(?:m?js|cjs|jsx|tsx?|mts|cts|wxs|wxml|json|map|vue|html?)`
// A number named as a latitude or longitude: any size, sign, decimals, a degree sign.
const NAMED_VALUE = String.raw`[+-]?\d+(?:\.\d+)?°?`
// One number of an unnamed pair: at most 3 whole digits, at least 2 decimals, maybe °N/°E.
const BARE_VALUE = String.raw`[+-]?\d{1,3}\.\d{2,}(?:\s?°)?(?:\s?[NSEW](?![A-Za-z]))?`
// Latitude and longitude names: lat, Lat, LAT, latitude…, and camelCase tails as in `userLat`.
const COORDINATE_NAME = String.raw`(?:[Ll]at(?:itude)?|[Ll]ng|[Ll]on(?:gitude)?|LAT(?:ITUDE)?|LNG|LON(?:GITUDE)?)`
const CAMEL_COORDINATE_NAME = String.raw`(?:Lat(?:itude)?|Lng|Lon(?:gitude)?)`

// Order matters: credentials first (a token can contain digits that look like a phone number),
// then emails (`13800138000@qq.com` is an email), long tokens (before number rules cut them
// up), long numbers from the longest form down (ID before card before short ID before phone),
// then coordinates.
const RULES: Rule[] = [
  // Why: a quoted `Authorization: Bearer <token>` header gives the whole session away.
  { pattern: /(?<keep>\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi, label: '[token]' },
  // Why: key=value, key: value and "key": "value" whose key names a secret or an identifier.
  {
    pattern:
      /(?<keep>\b(?:token|access_token|refresh_token|session_key|signature|signingKey|secret|password|passwd|openid|unionid|authorization)["']?\s*[:=]\s*["']?)[^"'&\s,;}]+/gi,
    label: '[redacted]',
  },
  // Why: `code` is WeChat's one-time login code; a short number after it is a status, kept.
  {
    pattern: /(?<keep>\bcode["']?\s*[:=]\s*["']?)(?!-?\d{1,6}(?![^"'&\s,;}]))[^"'&\s,;}]+/gi,
    label: '[redacted]',
  },
  // Why: emails name a person. The domain must not end in a code file's extension.
  {
    pattern: new RegExp(
      String.raw`(?<keep>^|[^A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+(?!${CODE_FILE}(?![A-Za-z0-9-]))(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)(?![A-Za-z0-9-]|\.[A-Za-z0-9])`,
      'g',
    ),
    label: '[email]',
  },
  // Why: 32+ URL-safe characters with a digit are keys, hashes or tokens, not words.
  {
    pattern: /(?<keep>^|[^A-Za-z0-9_-])(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g,
    label: '[token]',
  },
  // Why: resident ID number, 17 digits and a digit or X, maybe grouped 6-8-4.
  {
    pattern: /(?<keep>^|[^0-9])\d{6}[ -]?\d{8}[ -]?\d{3}[0-9Xx](?![0-9A-Za-z])/g,
    label: '[id-number]',
  },
  // Why: bank cards, 16 to 19 digits, maybe grouped in fours by spaces or dashes.
  {
    pattern: /(?<keep>^|[^0-9])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![0-9])/g,
    label: '[card]',
  },
  // Why: ID numbers issued before 1999 are 15 digits: region, YYMMDD birth date, sequence.
  {
    pattern:
      /(?<keep>^|[^0-9])\d{6}[ -]?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -]?\d{3}(?![0-9])/g,
    label: '[id-number]',
  },
  // Why: mainland mobiles, 1[3-9] and 9 digits, maybe grouped 3-4-4, maybe +86, 0086, (+86).
  {
    pattern:
      /(?<keep>^|[^0-9])(?:(?:\+|00)?86[ -]?|\((?:\+|00)?86\)[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])/g,
    label: '[phone]',
  },
  // Why: a named coordinate (lat=39.9, "longitude": 116.4, userLat 39.9, 纬度：39.9) locates a
  // person however few decimals it has; the value may be a pair (lat/lng: 39.9, 116.4). The name
  // must start a word or be a camelCase tail, so `flat: 3.5` and `translate: 12.5` stay.
  {
    pattern: new RegExp(
      String.raw`(?<keep>(?:(?:^|[^A-Za-z0-9])${COORDINATE_NAME}|[a-z]${CAMEL_COORDINATE_NAME})["']?(?:\s*[:=]\s*|\s+)["']?|(?:纬度|经度|北纬|南纬|东经|西经)\s*[:=]?\s*["']?)${NAMED_VALUE}(?:\s*[,;/]\s*${NAMED_VALUE})?`,
      'g',
    ),
    label: '[redacted]',
  },
  // Why: an unnamed pair (39.9042, 116.4074 / [116.4074,39.9042] / 39.90°N 116.40°E) is a place.
  {
    pattern: new RegExp(
      String.raw`(?<keep>^|[^0-9.])${BARE_VALUE}(?:\s*[,;/]\s*|\s+)${BARE_VALUE}(?![0-9]|\.[0-9])`,
      'g',
    ),
    label: '[coordinates]',
  },
  // Why: degrees, minutes and maybe seconds (39°54′15″N) is a coordinate on its own.
  {
    pattern:
      /(?<keep>^|[^0-9])\d{1,3}°\s?\d{1,2}(?:\.\d+)?['′](?:\s?\d{1,2}(?:\.\d+)?(?:"|′′|''))?(?:\s?[NSEW])?/g,
    label: '[coordinates]',
  },
]

/** The text with tokens, phone and ID numbers, bank cards, emails and coordinates replaced. */
export function scrub(text: string): string {
  // A replacement can give a neighbour the boundary it lacked (`a@b.com6222…` becomes
  // `a@b.com[card]`, now an email), so the rules run again until nothing changes.
  let result = text
  for (let pass = 0; pass < 5; pass++) {
    const next = applyRules(result)
    if (next === result) break
    result = next
  }
  return result
}

function applyRules(text: string): string {
  let result = text
  let written: View | undefined // views of `result`, made when first needed
  let decoded: View | undefined
  for (const rule of RULES) {
    written ??= viewFor(result, false)
    const spans = spansOf(rule, written)
    if (result.includes('%')) spans.push(...spansOf(rule, (decoded ??= viewFor(result, true))))
    const next = replaceSpans(result, spans, rule.label)
    if (next !== result) {
      result = next
      written = decoded = undefined
    }
  }
  return result
}

/** Where the rule's matches in the view are in the original text: [start, end) pairs. */
function spansOf(rule: Rule, view: View): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  for (const match of view.text.matchAll(rule.pattern)) {
    const first = (match.index ?? 0) + (match.groups?.keep?.length ?? 0)
    const last = (match.index ?? 0) + match[0].length - 1
    if (last >= first) spans.push([view.from[first], view.to[last]])
  }
  return spans
}

/**
 * The text with each span replaced by the label. Spans that overlap (a match in the written and
 * in the decoded view, or two sharing a character NFKC expanded) become one label.
 */
function replaceSpans(text: string, spans: Array<[number, number]>, label: string): string {
  if (spans.length === 0) return text
  spans.sort((a, b) => a[0] - b[0])
  let out = ''
  let copied = 0 // text before this index is already in `out`
  for (const [start, end] of spans) {
    if (end <= copied) continue
    if (start < copied) {
      copied = end // overlaps the previous span: extend it
      continue
    }
    out += text.slice(copied, start) + label
    copied = end
  }
  return out + text.slice(copied)
}

/**
 * Text as the rules read it. For each UTF-16 unit of `text`, `from` and `to` give the span of
 * the original text it came from (`to` exclusive).
 */
interface View {
  text: string
  from: number[]
  to: number[]
}

function viewFor(text: string, decoded: boolean): View {
  let view: View = {
    text,
    from: Array.from({ length: text.length }, (_, i) => i),
    to: Array.from({ length: text.length }, (_, i) => i + 1),
  }
  if (decoded) {
    for (let pass = 0; pass < 3; pass++) {
      const next = percentDecoded(view)
      if (next.text === view.text) break
      view = next
    }
  }
  return normalised(view)
}

/** Builds a view from another, piece by piece: each piece stands for `length` source units. */
class ViewBuilder {
  private readonly parts: string[] = []
  private readonly from: number[] = []
  private readonly to: number[] = []

  constructor(private readonly source: View) {}

  /** Source units `at`…`at + length` unchanged. */
  copy(at: number, length: number) {
    if (length <= 0) return
    this.parts.push(this.source.text.slice(at, at + length))
    for (let i = at; i < at + length; i++) {
      this.from.push(this.source.from[i])
      this.to.push(this.source.to[i])
    }
  }

  /** Source units `at`…`at + length` read as `replacement`. */
  replace(at: number, length: number, replacement: string) {
    this.parts.push(replacement)
    const from = this.source.from[at]
    const to = this.source.to[at + length - 1]
    for (let i = 0; i < replacement.length; i++) {
      this.from.push(from)
      this.to.push(to)
    }
  }

  build(): View {
    return { text: this.parts.join(''), from: this.from, to: this.to }
  }
}

/** `%XX` escapes decoded as UTF-8; an escape that is not valid UTF-8 stays as it is. */
function percentDecoded(view: View): View {
  const builder = new ViewBuilder(view)
  let done = 0
  for (const run of view.text.matchAll(/(?:%[0-9A-Fa-f]{2})+/g)) {
    const at = run.index ?? 0
    builder.copy(done, at - done)
    const bytes = run[0].length / 3
    const byte = (i: number) => parseInt(run[0].slice(i * 3 + 1, i * 3 + 3), 16)
    for (let i = 0; i < bytes;) {
      const lead = byte(i)
      const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0
      const char =
        length > 0 && i + length <= bytes ? decode(run[0].slice(i * 3, (i + length) * 3)) : null
      if (char === null) {
        builder.copy(at + i * 3, 3)
        i += 1
      } else {
        builder.replace(at + i * 3, length * 3, char)
        i += length
      }
    }
    done = at + run[0].length
  }
  builder.copy(done, view.text.length - done)
  return builder.build()
}

function decode(escapes: string): string | null {
  try {
    return decodeURIComponent(escapes)
  } catch {
    return null // not UTF-8
  }
}

/** Each non-ASCII character NFKC-normalised, and every Unicode decimal digit made 0-9. */
function normalised(view: View): View {
  const builder = new ViewBuilder(view)
  let done = 0
  for (const found of view.text.matchAll(/[\u0080-\u{10ffff}]/gu)) {
    const at = found.index ?? 0
    const char = found[0]
    const plain = plainChar(char)
    if (plain === char) continue
    builder.copy(done, at - done)
    builder.replace(at, char.length, plain)
    done = at + char.length
  }
  if (done === 0) return view
  builder.copy(done, view.text.length - done)
  return builder.build()
}

/** Characters already normalised (CJK text repeats them), at most 10 000. */
const plainChars = new Map<string, string>()

function plainChar(char: string): string {
  let plain = plainChars.get(char)
  if (plain === undefined) {
    plain = char.normalize('NFKC').replace(/\p{Nd}/gu, asciiDigit)
    if (plainChars.size >= 10_000) plainChars.clear() // text from clients is untrusted: bounded
    plainChars.set(char, plain)
  }
  return plain
}

/**
 * The ASCII digit for a Unicode decimal digit. Unicode encodes decimal digits in runs of ten,
 * zero to nine, so the value is the distance from the start of the run, modulo ten.
 */
function asciiDigit(digit: string): string {
  const code = digit.codePointAt(0) ?? 0
  let start = code
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--
  return String((code - start) % 10)
}
