import { ApiError } from './api-error'

/**
 * Token buckets: each key (a user, an address) holds up to `perMinute` tokens and gets them back
 * gradually, `perMinute` per minute, never more than `perMinute` in all. Unlike a counter reset
 * every minute, a bucket cannot be emptied at the end of one window and again at the start of
 * the next: the most a key can take in any stretch of t minutes is `perMinute × (1 + t)`.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly perMinute: number,
    /** Keys beyond this many are dropped once full again, so memory stays bounded. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Tokens `key` holds at `nowMs`. */
  available(key: string, nowMs: number): number {
    const bucket = this.buckets.get(key)
    if (!bucket) return this.perMinute
    const refilled = ((nowMs - bucket.at) * this.perMinute) / 60_000
    return Math.min(this.perMinute, bucket.tokens + Math.max(0, refilled))
  }

  /** Takes `count` tokens from `key` (call `available` first: this does not check). */
  take(key: string, count: number, nowMs: number): void {
    if (this.buckets.size >= this.maxKeys) this.dropFull(nowMs)
    this.buckets.set(key, { tokens: this.available(key, nowMs) - count, at: nowMs })
  }

  private dropFull(nowMs: number): void {
    for (const key of this.buckets.keys()) {
      if (this.available(key, nowMs) >= this.perMinute) this.buckets.delete(key)
    }
  }
}

/**
 * How many error reports may be stored, per user (however many sessions the user holds) and per
 * client address (however many users sign in from it). A batch is charged its number of reports
 * against both budgets, or refused whole: 429 ERR_REPORT_BUDGET_EXCEEDED with `retry-after`.
 */
export class ReportBudget {
  private readonly users: TokenBuckets
  private readonly addresses: TokenBuckets

  constructor(
    private readonly perUserPerMinute: number,
    private readonly perAddressPerMinute: number,
  ) {
    this.users = new TokenBuckets(perUserPerMinute)
    this.addresses = new TokenBuckets(perAddressPerMinute)
  }

  /**
   * Charges `reports` to `userId` and `address` (an `addressKey`), or throws
   * ApiError(429, 'ERR_REPORT_BUDGET_EXCEEDED') with `retryAfterSeconds` set and charges nothing.
   */
  charge(userId: string, address: string, reports: number, now: Date): void {
    const ms = now.getTime()
    const user = `user:${userId}`
    const addr = `address:${address}`
    const missing = Math.max(
      ((reports - this.users.available(user, ms)) * 60) / this.perUserPerMinute,
      ((reports - this.addresses.available(addr, ms)) * 60) / this.perAddressPerMinute,
    )
    if (missing > 0) {
      throw new ReportBudgetExceeded(Math.max(1, Math.ceil(missing)))
    }
    this.users.take(user, reports, ms)
    this.addresses.take(addr, reports, ms)
  }
}

/** 429 ERR_REPORT_BUDGET_EXCEEDED; `retryAfterSeconds` is when the batch would fit. */
export class ReportBudgetExceeded extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'ERR_REPORT_BUDGET_EXCEEDED',
      `Too many error reports from this user or address; retry in ${retryAfterSeconds} s.`,
    )
  }
}
