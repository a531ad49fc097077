import { AppError } from '../app-error'

/**
 * SENSITIVE: validating and masking the personal numbers a Chinese app meets most: resident ID
 * numbers, bank cards, mainland mobile numbers and emails (PIPL Art. 28 counts identity numbers
 * and financial accounts as sensitive personal information).
 *
 * Each kind has two functions:
 * - `checkX(value)`: is this what a form should accept? `{ valid: true, value }` gives the number
 *   as it should be stored (separators removed, full-width digits made ASCII, `x` made `X`);
 *   `{ valid: false, problem }` says what is wrong, so a page can say it in words.
 * - `maskX(value)`: the form to show on screen, in the conventions Chinese apps use:
 *     ID number   110***********002X       first 3 and last 4 (15-digit form: 110********1002)
 *     bank card   6222 **** **** 0128      first 4 and last 4, always in this shape (the length
 *                                          of the card is hidden too)
 *     mobile      138****5678              first 3 and last 4; a +86 / 0086 prefix is dropped
 *     email       z***@example.com         first character, then *** whatever the length
 *   Masks go by shape, not validity: a number with a wrong check digit is most likely someone's
 *   real number mistyped, so it is masked like a valid one. A value of the wrong shape is masked
 *   entirely (MASKED_ENTIRELY); an empty one stays empty.
 *
 * What input is read as (both kinds of function): surrounding spaces are ignored; spaces and
 * dashes between digits are separators, as users type them (`138 1234 5678`, `6222-0212-…`);
 * full-width characters (NFKC) are read as their ASCII forms, since Chinese input methods type
 * them. Nothing else is: dots, brackets, letters and other scripts' digits make a value invalid.
 * Input longer than a real value could be (64 characters; 320 for emails) is refused before it
 * is read further, so work stays bounded. Non-strings (undefined, numbers, String objects…) throw
 * AppError ERR_INVALID_INPUT: a number has already lost leading zeros and digits past 2^53.
 *
 * Limits: a check digit catches typing errors, not forgeries; a valid-looking number may belong
 * to nobody. ID birth dates are checked to be real dates from 1800 on, not against today. Email
 * checking is a pragmatic subset (ASCII, no quoted local parts, no internationalised domains),
 * not RFC 5322. Masking hides a value on screen; it does not protect the value in memory, in
 * storage or in logs (the logger and the scrubber do that).
 */

export type Checked<Problem extends string> =
  { valid: true; value: string } | { valid: false; problem: Problem }

/** What is wrong with an ID number, a card or a mobile number. */
export type NumberProblem =
  /** Nothing but spaces. */
  | 'empty'
  /** Longer than any real value (refused before being read). */
  | 'too-long'
  /** A character other than digits and separators (and X, last, in an ID number). */
  | 'characters'
  /** The wrong number of digits. */
  | 'length'

export type IdNumberProblem =
  | NumberProblem
  /** The first two digits name no province-level region (GB/T 2260). */
  | 'region'
  /** Digits 7–14 (7–12 in the 15-digit form) are not a real date from 1800 on. */
  | 'birth-date'
  /** The last character is not the ISO 7064 MOD 11-2 check digit of the first 17. */
  | 'check-digit'

export type BankCardProblem = NumberProblem | /** Fails the Luhn check. */ 'check-digit'

export type MobileProblem = NumberProblem | /** Not 13x–19x: a landline or no number. */ 'prefix'

export type EmailProblem = 'empty' | 'too-long' | /** Not name@domain.tld. */ 'format'

/** What a mask shows for a value of the wrong shape: nothing of it, not even its length. */
export const MASKED_ENTIRELY = '******'

const MAX_NUMBER_INPUT = 64
const MAX_EMAIL_INPUT = 320

// --- resident ID numbers -----------------------------------------------------------------------

/** Province-level codes of GB/T 2260 (and 83, used by Taiwan residents' residence permits). */
const REGIONS = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
])
/** ISO 7064 MOD 11-2: digit i is weighted 2^(17-i) mod 11; the sum mod 11 picks the check. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK_CHARACTERS = '10X98765432'

/** A mainland resident ID number: 18 characters with its check digit, or the old 15-digit form. */
export function checkIdNumber(value: unknown): Checked<IdNumberProblem> {
  const read = readNumber(value, 'an ID number')
  if (typeof read !== 'string') return read
  const id = read.toUpperCase()
  if (!/^\d+X?$/.test(id)) return invalid('characters')
  if (id.length === 15) {
    if (!REGIONS.has(Number(id.slice(0, 2)))) return invalid('region')
    // The old form gives the year in two digits: everyone it was issued to was born in 19xx.
    if (!isDate(`19${id.slice(6, 12)}`)) return invalid('birth-date')
    return { valid: true, value: id }
  }
  if (id.length !== 18) return invalid('length')
  if (!REGIONS.has(Number(id.slice(0, 2)))) return invalid('region')
  if (!isDate(id.slice(6, 14))) return invalid('birth-date')
  if (id[17] !== idCheckCharacter(id)) return invalid('check-digit')
  return { valid: true, value: id }
}

/** `110***********002X` (18) or `110********1002` (15); see the module comment. */
export function maskIdNumber(value: unknown): string {
  const id = shapeOf(value, 'an ID number')
  if (id === '') return ''
  const upper = id.toUpperCase()
  if (/^\d{17}[\dX]$/.test(upper)) return `${upper.slice(0, 3)}${'*'.repeat(11)}${upper.slice(14)}`
  if (/^\d{15}$/.test(upper)) return `${upper.slice(0, 3)}${'*'.repeat(8)}${upper.slice(11)}`
  return MASKED_ENTIRELY
}

function idCheckCharacter(id: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]
  return ID_CHECK_CHARACTERS[sum % 11]
}

/** `yyyymmdd` is a real calendar date from 1800 on. */
function isDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4))
  const month = Number(yyyymmdd.slice(4, 6))
  const day = Number(yyyymmdd.slice(6, 8))
  if (year < 1800 || month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  return day <= days
}

// --- bank cards --------------------------------------------------------------------------------

/** A bank card number: 16 to 19 digits (China UnionPay's lengths) passing the Luhn check. */
export function checkBankCard(value: unknown): Checked<BankCardProblem> {
  const card = readNumber(value, 'a bank card number')
  if (typeof card !== 'string') return card
  if (!/^\d+$/.test(card)) return invalid('characters')
  if (card.length < 16 || card.length > 19) return invalid('length')
  if (!passesLuhn(card)) return invalid('check-digit')
  return { valid: true, value: card }
}

/** `6222 **** **** 0128`, whatever the card's length; see the module comment. */
export function maskBankCard(value: unknown): string {
  const card = shapeOf(value, 'a bank card number')
  if (card === '') return ''
  if (!/^\d{16,19}$/.test(card)) return MASKED_ENTIRELY
  return `${card.slice(0, 4)} **** **** ${card.slice(-4)}`
}

/** Luhn (ISO/IEC 7812): from the right, double every second digit, sum the digits, mod 10 = 0. */
function passesLuhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

// --- mobile numbers ----------------------------------------------------------------------------

/** A mainland mobile number, 1[3-9] and 9 digits, maybe after +86, 0086 or 86. */
export function checkMobile(value: unknown): Checked<MobileProblem> {
  const read = readNumber(value, 'a mobile number')
  if (typeof read !== 'string') return read
  const mobile = withoutCountryCode(read)
  if (!/^\d+$/.test(mobile)) return invalid('characters')
  if (mobile.length !== 11) return invalid('length')
  if (!/^1[3-9]/.test(mobile)) return invalid('prefix')
  return { valid: true, value: mobile }
}

/** `138****5678`; see the module comment. */
export function maskMobile(value: unknown): string {
  const read = shapeOf(value, 'a mobile number')
  if (read === '') return ''
  const mobile = withoutCountryCode(read)
  if (!/^1\d{10}$/.test(mobile)) return MASKED_ENTIRELY
  return `${mobile.slice(0, 3)}****${mobile.slice(7)}`
}

/** `+8613812345678` → `13812345678`: a prefix goes only when 11 digits follow it. */
function withoutCountryCode(number: string): string {
  const match = /^(?:\+86|0086|86)(\d{11})$/.exec(number)
  return match ? match[1] : number
}

// --- emails ------------------------------------------------------------------------------------

const EMAIL_LOCAL = /^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*$/
const EMAIL_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** An email address as a sign-up form should accept it; the domain comes back in lower case. */
export function checkEmail(value: unknown): Checked<EmailProblem> {
  const email = readEmail(value)
  if (typeof email !== 'string') return email
  const at = email.indexOf('@')
  if (at < 1 || at !== email.lastIndexOf('@') || email.length > 254) return invalid('format')
  const local = email.slice(0, at)
  const domain = email.slice(at + 1).toLowerCase()
  const labels = domain.split('.')
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return invalid('format')
  if (labels.length < 2 || !labels.every((label) => EMAIL_LABEL.test(label))) {
    return invalid('format')
  }
  if (!/^[a-z]{2,63}$/.test(labels[labels.length - 1])) return invalid('format')
  return { valid: true, value: `${local}@${domain}` }
}

/** `z***@example.com`; see the module comment. */
export function maskEmail(value: unknown): string {
  const email = readEmail(value)
  if (typeof email !== 'string') return email.problem === 'empty' ? '' : MASKED_ENTIRELY
  const at = email.lastIndexOf('@')
  if (at < 1 || at === email.length - 1) return MASKED_ENTIRELY
  return `${email[0]}***@${email.slice(at + 1).toLowerCase()}`
}

function readEmail(value: unknown): string | { valid: false; problem: 'empty' | 'too-long' } {
  const text = requireString(value, 'an email')
  if (text.length > MAX_EMAIL_INPUT) return invalid('too-long')
  const email = text.normalize('NFKC').trim()
  return email === '' ? invalid('empty') : email
}

// --- reading input -----------------------------------------------------------------------------

/**
 * A number as typed, read: NFKC (full-width → ASCII), then spaces and dashes removed. Returns the
 * digits-and-whatever-else string, or the problem when it is empty or too long.
 */
function readNumber(
  value: unknown,
  what: string,
): string | { valid: false; problem: 'empty' | 'too-long' } {
  const text = requireString(value, what)
  if (text.length > MAX_NUMBER_INPUT) return invalid('too-long')
  const number = text.normalize('NFKC').replace(/[\s-]/g, '')
  return number === '' ? invalid('empty') : number
}

/** For masks: the value read as checks read it; '' when empty, a non-number when too long. */
function shapeOf(value: unknown, what: string): string {
  const read = readNumber(value, what)
  if (typeof read === 'string') return read
  return read.problem === 'empty' ? '' : '!'
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new AppError('ERR_INVALID_INPUT', `Expected ${what} as a string, got ${describe(value)}.`)
  }
  return value
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : typeof value
}

function invalid<Problem extends string>(problem: Problem): { valid: false; problem: Problem } {
  return { valid: false, problem }
}
