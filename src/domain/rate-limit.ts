import { DomainError } from './errors.js';

/**
 * A token bucket per API key: `ratePerSecond` requests a second on average, bursts up to
 * `burst`. It lives in each process, so N load-balanced processes allow N times the rate;
 * that bounds abuse cheaply without a shared store on every request.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token for `key`, or throws RATE_LIMITED with the seconds until one is free. */
  take(key: string, now = Date.now()): void {
    if (this.ratePerSecond <= 0) return;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updated: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.ratePerSecond);
    bucket.updated = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
      throw new DomainError('RATE_LIMITED', `Too many requests for this API key; retry after ${retryAfter} s.`, { retryAfter });
    }
    bucket.tokens -= 1;
    if (this.buckets.size > 100_000) this.buckets.clear();
    this.buckets.set(key, bucket);
  }
}
