import {
  checkBankCard,
  checkEmail,
  checkIdNumber,
  checkMobile,
  maskBankCard,
  maskEmail,
  maskIdNumber,
  maskMobile,
  MASKED_ENTIRELY,
} from '../../../src/security/sensitive/mask'
import { codeOf } from './error-code'

// SENSITIVE: validation and display masking of resident ID numbers, bank cards, mainland mobile
// numbers and emails. Each table row: what a user might type, and what the helper makes of it.

/** Full-width forms, as a Chinese input method types them in full-width mode. */
const fullWidth = (ascii: string) =>
  ascii.replace(/[0-9A-Za-z@.+\- ]/g, (c) =>
    c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0),
  )

describe('checkIdNumber: 18 digits with the ISO 7064 MOD 11-2 check digit, or the old 15', () => {
  test.each([
    ['the standard example (check digit X)', '11010519491231002X', '11010519491231002X'],
    ['a lower-case x', '11010519491231002x', '11010519491231002X'],
    [
      'a check digit that is a digit, born on a leap day',
      '310115200002290048',
      '310115200002290048',
    ],
    ['grouped 6-8-4 with spaces', '110105 19491231 002X', '11010519491231002X'],
    ['grouped with dashes', '110105-19491231-002X', '11010519491231002X'],
    ['spaces around it', '  11010519491231002X ', '11010519491231002X'],
    ['full-width digits and X', fullWidth('11010519491231002X'), '11010519491231002X'],
    ['the 15-digit form (issued before 1999)', '110105491231002', '110105491231002'],
  ])('valid: %s', (_name, input, value) => {
    expect(checkIdNumber(input)).toEqual({ valid: true, value })
  })

  test.each([
    ['empty', '', 'empty'],
    ['only spaces', '   ', 'empty'],
    ['far too long', '1'.repeat(10_000), 'too-long'],
    ['a wrong check digit', '110105194912310021', 'check-digit'],
    ['X where a digit is due', '31011520000229004X', 'check-digit'],
    ['17 digits', '11010519491231002', 'length'],
    ['19 digits', '1101051949123100211', 'length'],
    ['16 digits', '1101051949123100', 'length'],
    ['a letter inside', '1101051949123100A2', 'characters'],
    ['X not at the end', '1101051949123100X2', 'characters'],
    ['Arabic-Indic digits', '١١٠١٠٥١٩٤٩١٢٣١٠٠٢X', 'characters'],
    ['dots as separators', '110105.19491231.002X', 'characters'],
    ['no such province (99)', '990105194912310023', 'region'],
    ['region 00', '000105194912310024', 'region'],
    ['29 February of a common year', '310115200102290045', 'birth-date'],
    ['month 13', '110105194913310021', 'birth-date'],
    ['born in 1799', '110105179912310024', 'birth-date'],
    ['15 digits with month 13', '110105491331002', 'birth-date'],
  ])('invalid: %s', (_name, input, problem) => {
    expect(checkIdNumber(input)).toEqual({ valid: false, problem })
  })
})

describe('checkBankCard: 16 to 19 digits passing the Luhn check', () => {
  test.each([
    ['19 digits', '6222021234567890128', '6222021234567890128'],
    ['16 digits', '6228480012345671', '6228480012345671'],
    ['grouped in fours', '6222 0212 3456 7890 128', '6222021234567890128'],
    ['grouped with dashes', '6228-4800-1234-5671', '6228480012345671'],
    ['full-width, grouped', fullWidth('6228 4800 1234 5671'), '6228480012345671'],
  ])('valid: %s', (_name, input, value) => {
    expect(checkBankCard(input)).toEqual({ valid: true, value })
  })

  test.each([
    ['empty', '', 'empty'],
    ['far too long', '6'.repeat(10_000), 'too-long'],
    ['a wrong check digit', '6222021234567890123', 'check-digit'],
    ['one digit changed', '6228480012345672', 'check-digit'],
    ['two neighbours swapped', '6228480012345617', 'check-digit'],
    ['15 digits', '622848001234567', 'length'],
    ['20 digits', '62220212345678901280', 'length'],
    ['a letter', '6228 4800 1234 567I', 'characters'],
    ['an ID number is not a card', '11010519491231002X', 'characters'],
  ])('invalid: %s', (_name, input, problem) => {
    expect(checkBankCard(input)).toEqual({ valid: false, problem })
  })
})

describe('checkMobile: mainland mobile numbers, 1[3-9] and 9 more digits', () => {
  test.each([
    ['plain', '13812345678', '13812345678'],
    ['grouped 3-4-4', '138 1234 5678', '13812345678'],
    ['with dashes', '138-1234-5678', '13812345678'],
    ['with +86', '+86 138 1234 5678', '13812345678'],
    ['with 0086', '008613812345678', '13812345678'],
    ['with 86', '86 13812345678', '13812345678'],
    ['19x (a newer range)', '19912345678', '19912345678'],
    ['full-width', fullWidth('138 1234 5678'), '13812345678'],
  ])('valid: %s', (_name, input, value) => {
    expect(checkMobile(input)).toEqual({ valid: true, value })
  })

  test.each([
    ['empty', '', 'empty'],
    ['far too long', '1'.repeat(10_000), 'too-long'],
    ['10 digits', '1381234567', 'length'],
    ['12 digits', '138123456789', 'length'],
    ['a landline', '01012345678', 'prefix'],
    ['12x is no mobile range', '12812345678', 'prefix'],
    ['a letter O for a zero', '138O2345678', 'characters'],
    ['parentheses', '(138)12345678', 'characters'],
    ['+1, not China', '+1 4155552671', 'characters'],
  ])('invalid: %s', (_name, input, problem) => {
    expect(checkMobile(input)).toEqual({ valid: false, problem })
  })
})

describe('checkEmail: a pragmatic check of what a form should accept', () => {
  test.each([
    ['plain', 'zhang.san@example.com', 'zhang.san@example.com'],
    ['plus tag and sub-domain', 'a+weather@mail.example.com.cn', 'a+weather@mail.example.com.cn'],
    ['upper-case domain', 'Li@Example.COM', 'Li@example.com'],
    ['spaces around it', ' li@qq.com ', 'li@qq.com'],
    ['full-width @ and dot', 'li＠qq．com', 'li@qq.com'],
  ])('valid: %s', (_name, input, value) => {
    expect(checkEmail(input)).toEqual({ valid: true, value })
  })

  test.each([
    ['empty', '', 'empty'],
    ['far too long', `${'a'.repeat(10_000)}@example.com`, 'too-long'],
    ['a local part over 64', `${'a'.repeat(65)}@example.com`, 'format'],
    ['no @', 'zhang.example.com', 'format'],
    ['two @', 'a@b@example.com', 'format'],
    ['no domain dot', 'a@localhost', 'format'],
    ['a space inside', 'zhang san@example.com', 'format'],
    ['a leading dot', '.a@example.com', 'format'],
    ['two dots', 'a..b@example.com', 'format'],
    ['a domain label starting with -', 'a@-example.com', 'format'],
    ['a one-letter top-level domain', 'a@example.c', 'format'],
    ['a Chinese domain (not supported)', 'a@例子.中国', 'format'],
  ])('invalid: %s', (_name, input, problem) => {
    expect(checkEmail(input)).toEqual({ valid: false, problem })
  })
})

describe('masks for display', () => {
  test.each([
    ['an 18-digit ID', maskIdNumber, '11010519491231002X', '110***********002X'],
    [
      'an ID typed with spaces and a lower-case x',
      maskIdNumber,
      '110105 19491231 002x',
      '110***********002X',
    ],
    ['a 15-digit ID', maskIdNumber, '110105491231002', '110********1002'],
    ['a 19-digit card', maskBankCard, '6222021234567890128', '6222 **** **** 0128'],
    ['a 16-digit card, grouped', maskBankCard, '6228 4800 1234 5671', '6228 **** **** 5671'],
    ['a mobile', maskMobile, '13812345678', '138****5678'],
    ['a mobile with +86', maskMobile, '+86 138-1234-5678', '138****5678'],
    ['a full-width mobile', maskMobile, fullWidth('13812345678'), '138****5678'],
    ['an email', maskEmail, 'zhang.san@example.com', 'z***@example.com'],
    ['a one-letter email', maskEmail, 'a@example.com', 'a***@example.com'],
  ])('%s', (_name, mask, input, expected) => {
    expect(mask(input)).toBe(expected)
    expect(mask(input)).not.toContain(input.replace(/\D/g, '').slice(3, -4) || '\u0000')
  })

  // A mistyped number is still mostly someone's real number: masks go by shape, not validity.
  test.each([
    ['an ID with a wrong check digit', maskIdNumber, '110105194912310021', '110***********0021'],
    ['a card failing Luhn', maskBankCard, '6222021234567890123', '6222 **** **** 0123'],
  ])('masked by shape even when invalid: %s', (_name, mask, input, expected) => {
    expect(mask(input)).toBe(expected)
  })

  test.each([
    ['ID', '1101051949', maskIdNumber],
    ['ID', 'not an id at all', maskIdNumber],
    ['card', '6222 0212', maskBankCard],
    ['card', '6'.repeat(100), maskBankCard],
    ['mobile', '138123', maskMobile],
    ['mobile', '+1 4155552671', maskMobile],
    ['email', 'no-at-sign', maskEmail],
    ['email', '@example.com', maskEmail],
  ])('a %s of the wrong shape is masked entirely: %s', (_name, input, mask) => {
    expect(mask(input)).toBe(MASKED_ENTIRELY)
  })

  test.each([
    ['ID', maskIdNumber],
    ['card', maskBankCard],
    ['mobile', maskMobile],
    ['email', maskEmail],
  ])('an empty %s stays empty', (_name, mask) => {
    expect(mask('')).toBe('')
    expect(mask('  ')).toBe('')
  })
})

describe('non-strings are refused with ERR_INVALID_INPUT', () => {
  const helpers = {
    checkIdNumber,
    checkBankCard,
    checkMobile,
    checkEmail,
    maskIdNumber,
    maskBankCard,
    maskMobile,
    maskEmail,
  }
  const notStrings: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 13812345678],
    ['a bigint', BigInt('6222021234567890128')],
    ['an array of digits', ['1', '3', '8']],
    ['an object', { value: '13812345678' }],
    ['a String object', new String('13812345678')],
    ['a boolean', true],
  ]
  test.each(
    Object.entries(helpers).flatMap(([name, helper]) =>
      notStrings.map(([what, value]) => [name, what, helper, value] as const),
    ),
  )('%s refuses %s', (_name, _what, helper, value) => {
    expect(codeOf(() => (helper as (input: unknown) => unknown)(value))).toBe('ERR_INVALID_INPUT')
  })
})
