import fc from 'fast-check'
import { scrub } from '../../../src/security/sensitive/scrub'

// Property tests for the scrubber: generated personal data in generated surroundings.
// These helpers are the test's own reading of text, written independently of the scrubber.

/** Zeros of the digit kinds generated below (full-width and others go through NFKC). */
const ZEROS = [0x30, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50]

/** The text with %XX escapes decoded (twice, for double-encoded URLs) and NFKC-normalised. */
const plain = (text: string) => {
  let decoded = text
  for (let pass = 0; pass < 2; pass++) {
    decoded = decoded.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run)
      } catch {
        return run
      }
    })
  }
  return decoded.normalize('NFKC')
}

/** The plain text with the digit kinds generated below written as ASCII digits. */
const asAscii = (text: string) =>
  Array.from(plain(text))
    .map((c) => {
      const cp = c.codePointAt(0) ?? 0
      const zero = ZEROS.find((z) => cp >= z && cp <= z + 9)
      return zero === undefined ? c : String(cp - zero)
    })
    .join('')

/** Only the digits of the text, as ASCII. */
const digitsOf = (text: string) => asAscii(text).replace(/[^0-9]/g, '')

const digitString = (length: number) =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length })
    .map((ds) => ds.join(''))

/** Writes each ASCII digit in another kind of digit, chosen per value or per digit. */
const digitStyle = fc.constantFrom<(d: number) => string>(
  (d) => String(d),
  (d) => String.fromCharCode(0xff10 + d), // full-width
  (d) => String.fromCharCode(0x0660 + d), // Arabic-Indic
  (d) => String.fromCharCode(0x0966 + d), // Devanagari
  (d) => String.fromCodePoint(0x1d7ce + d), // mathematical bold
)
const restyle = (ascii: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(ascii) },
    digitStyle.map((style) => ascii.replace(/[0-9]/g, (d) => style(Number(d)))),
    fc
      .array(digitStyle, { minLength: ascii.length, maxLength: ascii.length })
      .map((styles) =>
        Array.from(ascii, (c, i) => (/[0-9]/.test(c) ? styles[i](Number(c)) : c)).join(''),
      ),
  )

/** Sometimes percent-encoded, as in a page query: all of it, or only its non-digits. */
const maybeEncoded = (written: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(written) },
    fc.constant(encodeURIComponent(written)),
    fc.constant(
      Array.from(written)
        .map((c) => (/[0-9]/.test(c) ? c : encodeURIComponent(c)))
        .join(''),
    ),
    fc.constant(
      Array.from(written)
        .map((c) => (/[0-9]/.test(c) ? `%3${c}` : c))
        .join(''),
    ),
  )

interface Secret {
  /** How it appears in the text. */
  written: string
  /** What must not be readable afterwards (compared on digits or on plain text). */
  core: string
  by: 'digits' | 'text'
}

const phone = fc.tuple(fc.integer({ min: 3, max: 9 }), digitString(9)).chain(([second, rest]) => {
  const number = `1${second}${rest}`
  const grouped = (sep: string) =>
    `${number.slice(0, 3)}${sep}${number.slice(3, 7)}${sep}${number.slice(7)}`
  return fc
    .tuple(
      fc.constantFrom('', '+86 ', '+86-', '+86', '0086 ', '0086', '86', '(+86) ', '(+86)'),
      fc.constantFrom(number, grouped(' '), grouped('-')),
    )
    .chain(([prefix, body]) => restyle(prefix + body))
    .chain(maybeEncoded)
    .map((written): Secret => ({ written, core: number, by: 'digits' }))
})

const birthDate = fc
  .tuple(
    fc.integer({ min: 1900, max: 2025 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
  )
  .map(([y, m, d]) => `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`)
const region = fc.tuple(fc.integer({ min: 1, max: 8 }), digitString(5)).map(([a, b]) => `${a}${b}`)

const idNumber18 = fc
  .tuple(region, birthDate, digitString(3), fc.constantFrom('0', '5', '9', 'X', 'x'))
  .chain(([r, birth, seq, check]) => {
    const core = `${r}${birth}${seq}`
    return fc
      .constantFrom(`${core}${check}`, `${r} ${birth} ${seq}${check}`)
      .chain(restyle)
      .chain(maybeEncoded)
      .map((written): Secret => ({ written, core, by: 'digits' }))
  })

const idNumber15 = fc.tuple(region, birthDate, digitString(3)).chain(([r, birth, seq]) => {
  const core = `${r}${birth.slice(2)}${seq}`
  return fc
    .constantFrom(core, `${r} ${birth.slice(2)} ${seq}`)
    .chain(restyle)
    .chain(maybeEncoded)
    .map((written): Secret => ({ written, core, by: 'digits' }))
})

const card = fc
  .tuple(fc.constantFrom('62', '4', '5'), fc.integer({ min: 16, max: 19 }))
  .chain(([start, length]) => digitString(length - start.length).map((rest) => start + rest))
  .chain((core) =>
    fc
      .constantFrom(
        core,
        core.replace(/(\d{4})(?=\d)/g, '$1 '),
        core.replace(/(\d{4})(?=\d)/g, '$1-'),
      )
      .chain(restyle)
      .chain(maybeEncoded)
      .map((written): Secret => ({ written, core, by: 'digits' })),
  )

const word = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[a-z0-9]{${min},${max}}$`))
const email = fc
  .tuple(
    word(1, 12),
    fc.option(fc.tuple(fc.constantFrom('.', '_', '+', '-'), word(1, 8))),
    fc.array(word(1, 10), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('com', 'cn', 'net', 'org', 'io', 'com.cn', 'edu.cn', 'COM'),
  )
  .map(
    ([name, extra, labels, tld]) =>
      `${name}${extra ? extra.join('') : ''}@${labels.join('.')}.${tld}`,
  )
  .chain((address) =>
    fc
      .constantFrom(address, address.replace('@', '＠'), address.replace(/\./g, '．'))
      .chain(maybeEncoded)
      .map((written): Secret => ({ written, core: address.toLowerCase(), by: 'text' })),
  )

/** A latitude or longitude with 4 to 6 decimals, as in wx.getLocation's answer. */
const degrees = (max: number) =>
  fc
    .tuple(fc.boolean(), fc.integer({ min: 0, max }), fc.integer({ min: 4, max: 6 }))
    .chain(([negative, whole, places]) =>
      digitString(places).map((decimals) => `${negative ? '-' : ''}${whole}.${decimals}`),
    )
type Format = (lat: string, lon: string) => string
const coordinateFormats: Format[] = [
  (lat, lon) => `${lat}, ${lon}`,
  (lat, lon) => `${lat},${lon}`,
  (lat, lon) => `${lat} ${lon}`,
  (lat, lon) => `[${lon},${lat}]`,
  (lat, lon) => `lat=${lat}&lng=${lon}`,
  (lat, lon) => `lat: ${lat}, lon: ${lon}`,
  (lat, lon) => `latitude ${lat} longitude ${lon}`,
  (lat, lon) => `{"latitude":${lat},"longitude":${lon}}`,
  (lat, lon) => `{"lat":"${lat}","lng":"${lon}"}`,
  (lat, lon) => `?location=${lat}%2C${lon}`,
  (lat, lon) => `纬度：${lat}，经度：${lon}`,
]
const coordinates = fc.tuple(degrees(89), degrees(179)).chain(([lat, lon]) =>
  fc
    .tuple(fc.constantFrom(...coordinateFormats), restyle(lat), restyle(lon))
    .chain(([format, latWritten, lonWritten]) => maybeEncoded(format(latWritten, lonWritten)))
    .map((written) => ({ written, lat, lon })),
)

/** Random text: printable ASCII, any Unicode, or words from error messages. */
const surrounding = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '用户',
    '登录失败',
    'Error: request failed',
    'status 503',
    'at 23.5 °C',
    'v3.4.2',
  ),
)
/** What separates a value from its surroundings (without one, digits would run together). */
const separator = fc.constantFrom(
  ' ',
  '\n',
  '\t',
  '，',
  '：',
  ': ',
  '(',
  ')',
  '"',
  "'",
  '<',
  '>',
  '=',
  '、',
  '用户',
  '|',
)

const inText = <T extends { written: string }>(value: fc.Arbitrary<T>) =>
  fc
    .tuple(surrounding, separator, value, separator, surrounding)
    .map(([before, s1, v, s2, after]) => ({
      text: `${before}${s1}${v.written}${s2}${after}`,
      value: v,
    }))

const survives = (output: string, secret: Secret) =>
  secret.by === 'digits'
    ? digitsOf(output).includes(secret.core)
    : plain(output).toLowerCase().includes(secret.core)

describe('scrub (properties)', () => {
  test.each([
    ['phone', phone],
    ['18-digit ID number', idNumber18],
    ['15-digit ID number', idNumber15],
    ['bank card', card],
    ['email', email],
  ])('no generated %s survives in random text', (_name, secret) => {
    fc.assert(
      fc.property(inText(secret), ({ text, value }) => {
        expect(survives(text, value)).toBe(true) // the generator really wrote it
        expect(survives(scrub(text), value)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  test('no generated coordinate survives in random text', () => {
    fc.assert(
      fc.property(inText(coordinates), ({ text, value }) => {
        const output = asAscii(scrub(text))
        for (const n of [value.lat, value.lon]) {
          expect(asAscii(text).replace(/[^0-9.-]/g, '')).toContain(n.replace(/^-/, ''))
          // Digits of the number after its point (4+) must not be readable anywhere.
          const decimals = n.split('.')[1]
          expect(output).not.toContain(`.${decimals}`)
          expect(digitsOf(output)).not.toContain(digitsOf(n))
        }
      }),
      { numRuns: 300 },
    )
  })

  const anyPiece = fc.oneof(
    surrounding,
    separator,
    phone.map((s) => s.written),
    idNumber18.map((s) => s.written),
    idNumber15.map((s) => s.written),
    card.map((s) => s.written),
    email.map((s) => s.written),
    coordinates.map((c) => c.written),
    fc.constantFrom(
      '%',
      '%2',
      '%3D',
      '%40',
      '@',
      '.',
      '-',
      '+86',
      'token=',
      'lat',
      'Bearer ',
      '°',
      'X',
      '1',
    ),
    fc.stringMatching(/^[0-9 .,%@+-]{1,20}$/),
    fc.string({ unit: 'binary', maxLength: 20 }),
  )

  test('scrubbing twice changes nothing', () => {
    fc.assert(
      fc.property(fc.array(anyPiece, { maxLength: 8 }), (pieces) => {
        const once = scrub(pieces.join(''))
        expect(scrub(once)).toBe(once)
      }),
      { numRuns: 1000 },
    )
  })

  // Stack traces with no personal data: V8 `at fn (file:1:2)` and JavaScriptCore `fn@file:1:2`.
  const identifier = fc
    .tuple(fc.stringMatching(/^[A-Za-z_$][A-Za-z_$]{0,15}$/), fc.option(fc.nat(999)))
    .map(([name, n]) => (n === null ? name : `${name}${n}`))
  const functionName = fc.oneof(
    identifier,
    fc.tuple(identifier, identifier).map(([a, b]) => `${a}.${b}`),
    fc.constantFrom(
      'Object.<anonymous>',
      'async onLoad',
      'new Page',
      'global code',
      'Array.forEach',
    ),
  )
  const file = fc.oneof(
    fc
      .array(identifier, { minLength: 1, maxLength: 3 })
      .map((dirs) => `appservice/pages/${dirs.join('/')}/index.js`),
    identifier.map((name) => `${name}.js`),
    fc.constantFrom(
      'app-service.js',
      'WAService.js',
      'vendors.common.js',
      'taro.js',
      'appservice/app.js',
      'https://servicewechat.com/wxd930ea5d5a258f4f/0/appservice/app-service.js',
      'https://servicewechat.com/wx8a24c1e2b0f5d9e3/12/page-frame.html',
      'webpack:///src/pages/home/index.tsx',
      'webpack-internal:///./src/app.ts',
      'http://127.0.0.1:9974/appservice/pages/home/index.js',
    ),
  )
  const position = fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: 1, max: 999 }))
  const frame = fc.oneof(
    fc
      .tuple(functionName, file, position)
      .map(([fn, f, [l, c]]) => `    at ${fn} (${f}:${l}:${c})`),
    fc.tuple(file, position).map(([f, [l, c]]) => `    at ${f}:${l}:${c}`),
    fc.tuple(functionName, file, position).map(([fn, f, [l, c]]) => `${fn}@${f}:${l}:${c}`),
    fc.tuple(file, position).map(([f, [l, c]]) => `@${f}:${l}:${c}`),
    identifier.map((fn) => `${fn}@[native code]`),
  )
  const message = fc.constantFrom(
    "TypeError: Cannot read properties of undefined (reading 'city')",
    "TypeError: undefined is not an object (evaluating 'e.data.city')",
    'Error: request:fail timeout',
    'Error: MiniProgramError',
    'RangeError: Maximum call stack size exceeded.',
  )

  test('a stack trace without personal data comes out unchanged', () => {
    fc.assert(
      fc.property(
        fc.option(message),
        fc.array(frame, { minLength: 1, maxLength: 12 }),
        (first, frames) => {
          const stack = [...(first === null ? [] : [first]), ...frames].join('\n')
          expect(scrub(stack)).toBe(stack)
        },
      ),
      { numRuns: 500 },
    )
  })
})
