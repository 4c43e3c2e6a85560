import { DomainError } from './errors.js';

/**
 * A token bucket per key (an API key's account, a client address): `ratePerSecond` requests a
 * second on average, bursts up to `burst`. It lives in each process, so N load-balanced
 * processes allow N times the rate; that bounds abuse cheaply without a shared store.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    /** Says what was limited, in the RATE_LIMITED message. */
    private readonly what = 'requests for this API key',
  ) {}

  private refill(key: string, now: number) {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updated: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.ratePerSecond);
    bucket.updated = now;
    return bucket;
  }

  private store(key: string, bucket: { tokens: number; updated: number }) {
    if (!this.buckets.has(key) && this.buckets.size >= 100_000) this.buckets.clear();
    this.buckets.set(key, bucket);
  }

  private limited(tokens: number): DomainError {
    const retryAfter = Math.max(1, Math.ceil((1 - tokens) / this.ratePerSecond));
    return new DomainError('RATE_LIMITED', `Too many ${this.what}; retry after ${retryAfter} s.`, { retryAfter });
  }

  /** Takes one token for `key`, or throws RATE_LIMITED with the seconds until one is free. */
  take(key: string, now = Date.now()): void {
    if (this.ratePerSecond <= 0) return;
    const bucket = this.refill(key, now);
    if (bucket.tokens < 1) {
      this.store(key, bucket);
      throw this.limited(bucket.tokens);
    }
    bucket.tokens -= 1;
    this.store(key, bucket);
  }

  /** Throws RATE_LIMITED when `key` has no token left, without taking one. */
  check(key: string, now = Date.now()): void {
    if (this.ratePerSecond <= 0) return;
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.ratePerSecond);
    if (tokens < 1) throw this.limited(tokens);
  }

  /** Takes a token for `key` if one is left; never throws (the next `check` refuses). */
  spend(key: string, now = Date.now()): void {
    if (this.ratePerSecond <= 0) return;
    const bucket = this.refill(key, now);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.store(key, bucket);
  }
}
