import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError } from '../../domain/errors.js';

/**
 * Where a limit's counters live: Redis (shared by every process and machine), the cluster's
 * primary (shared by one machine's workers) or this process. `counter` makes a fixed-window
 * counter of `points` per `duration` seconds under a prefix unique to its purpose.
 */
export interface RateLimitStore {
  /** Said at start-up and in the README's terms: where the limits are shared. */
  readonly scope: string;
  counter(prefix: string, points: number, duration: number): RateLimiterAbstract;
}

/** Counters in this process only. */
export const localRateLimitStore: RateLimitStore = {
  scope: 'per process',
  counter: (prefix, points, duration) => new RateLimiterMemory({ keyPrefix: prefix, points, duration }),
};

/**
 * A limit per key (an API key's account, a client address): `ratePerSecond` on average and
 * bursts up to `burst`, as two fixed-window counters: one refilling every second or so at the
 * rate, and a burst allowance on top refilling over `burst / ratePerSecond` seconds. A burst is
 * spent at once, then the rate holds, and the burst returns once the limit has been left alone.
 * A store that fails (Redis away) is replaced by the store's own insurance: requests are never
 * refused, or held up long, because counting failed.
 */
export class RateLimiter {
  private readonly sustained: RateLimiterAbstract | undefined;
  private readonly extra: RateLimiterAbstract | undefined;
  private readonly both: BurstyRateLimiter | undefined;

  constructor(
    store: RateLimitStore,
    /** Unique per purpose: counters of different limits must not mix. */
    prefix: string,
    readonly ratePerSecond: number,
    burst: number,
    /** Says what was limited, in the RATE_LIMITED message. */
    private readonly what = 'requests for this API key',
  ) {
    if (ratePerSecond <= 0) return;
    const window = Math.max(1, Math.ceil(1 / ratePerSecond));
    const points = Math.max(1, Math.min(burst, Math.round(ratePerSecond * window)));
    this.sustained = store.counter(`${prefix}:rate`, points, window);
    if (burst > points) {
      this.extra = store.counter(`${prefix}:burst`, burst - points, Math.max(1, Math.ceil(burst / ratePerSecond)));
      this.both = new BurstyRateLimiter(this.sustained, this.extra);
    }
  }

  private limited(msBeforeNext: number): DomainError {
    const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new DomainError('RATE_LIMITED', `Too many ${this.what}; retry after ${retryAfter} s.`, { retryAfter });
  }

  private consume(key: string): Promise<RateLimiterRes> {
    return (this.both ?? this.sustained!).consume(key);
  }

  /** Takes one request's worth for `key`, or throws RATE_LIMITED with the seconds until one is free. */
  async take(key: string): Promise<void> {
    if (!this.sustained) return;
    try {
      await this.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw this.limited(rejection.msBeforeNext);
      // Counting failed (no store, no insurance): let the request through.
    }
  }

  /** Throws RATE_LIMITED when `key` has nothing left, without taking anything. */
  async check(key: string): Promise<void> {
    if (!this.sustained) return;
    try {
      const [sustained, extra] = await Promise.all([this.sustained.get(key), this.extra?.get(key)]);
      if (!sustained || sustained.remainingPoints > 0) return;
      if (this.extra && (!extra || extra.remainingPoints > 0)) return;
      throw this.limited(Math.min(sustained.msBeforeNext, extra?.msBeforeNext ?? Infinity));
    } catch (error) {
      if (error instanceof DomainError) throw error;
    }
  }

  /** Takes one for `key` if any is left; never throws (the next `check` refuses). */
  async spend(key: string): Promise<void> {
    if (!this.sustained) return;
    await this.consume(key).catch(() => {});
  }
}
