import { AppError, type AppErrorCode } from '../../../src/security/app-error'

/** The AppError code `run` throws, or 'no error'. Anything that is not an AppError is rethrown. */
export function codeOf(run: () => unknown): AppErrorCode | 'no error' {
  try {
    run()
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  return 'no error'
}

/** The AppError code the promise `run` returns rejects with, or 'no error' (as codeOf). */
export async function codeOfAsync(run: () => Promise<unknown>): Promise<AppErrorCode | 'no error'> {
  try {
    await run()
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  return 'no error'
}
