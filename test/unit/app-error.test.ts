import { AppError, isAppError } from '../../src/security/app-error'

test('carries a stable code and keeps the cause out of enumeration', () => {
  const cause = new Error('disk full: /data/user/0/secret-path')
  const error = new AppError('ERR_STORAGE_FAILED', 'could not save', { cause })
  expect(error).toBeInstanceOf(Error)
  expect(error.code).toBe('ERR_STORAGE_FAILED')
  expect(error.name).toBe('AppError')
  expect((error as { cause?: unknown }).cause).toBe(cause)
  // Serialising the error (a log line, a report) does not carry the cause along.
  expect(JSON.stringify(error)).not.toContain('secret-path')
})

test('isAppError checks the class and, optionally, the code', () => {
  const error = new AppError('ERR_CITY_NOT_FOUND', 'x')
  expect(isAppError(error)).toBe(true)
  expect(isAppError(error, 'ERR_CITY_NOT_FOUND')).toBe(true)
  expect(isAppError(error, 'ERR_INVALID_INPUT')).toBe(false)
  expect(isAppError(new Error('x'))).toBe(false)
  expect(isAppError({ code: 'ERR_CITY_NOT_FOUND' })).toBe(false)
})
