import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import {
  RateLimiterCluster,
  RateLimiterClusterMaster,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { localRateLimitStore, type RateLimitStore } from './limiter.js';
import type { Logger } from '../../observability/logger.js';

/** A rate-limit answer may wait this long for Redis (or the cluster's primary) before the process counts alone. */
const STORE_TIMEOUT_MS = 250;

export interface RateLimitStoreHandle extends RateLimitStore {
  close(): Promise<void>;
}

/**
 * Counters in Redis, shared by every process on every machine. When Redis is away, slow or not
 * yet connected, each counter falls back at once to one in this process (its "insurance"), and
 * is back on Redis as soon as Redis answers again.
 */
function redisStore(url: string, prefix: string, logger: Logger): RateLimitStoreHandle {
  // Loaded only when configured: a start without Redis need not pay for the client.
  const { Redis } = createRequire(import.meta.url)('ioredis') as {
    Redis: new (url: string, options: RedisOptions) => RedisClient;
  };
  const client = new Redis(url, {
    // Fail a command at once while disconnected, and within the timeout when Redis is slow:
    // the insurance counter answers instead.
    enableOfflineQueue: false,
    commandTimeout: STORE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    lazyConnect: false,
  });
  let reported = false;
  client.on('error', (error: Error) => {
    // Once per outage: the reconnect loop would repeat it every few seconds.
    if (reported) return;
    reported = true;
    logger.warn('Redis is unreachable; rate limits are counted per process until it is back', { error });
  });
  client.on('ready', () => {
    if (reported) logger.info('Redis is back; rate limits are shared again');
    reported = false;
  });
  return {
    scope: 'shared through Redis (REDIS_URL)',
    counter: (name, points, duration) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration }),
      }),
    async close() {
      client.disconnect();
    },
  };
}

/**
 * A counter that asks `primary` and, when that fails (the cluster's primary did not answer in
 * time), counts in this process instead.
 */
function insured(primary: RateLimiterAbstract, insurance: RateLimiterMemory): RateLimiterAbstract {
  const fallback = <T>(call: () => Promise<T>, instead: () => Promise<T>) =>
    call().catch((rejection: unknown) => (rejection instanceof Error ? instead() : Promise.reject(rejection)));
  return new Proxy(primary, {
    get(target, property, receiver) {
      if (property === 'consume')
        return (key: string, points?: number) =>
          fallback(
            () => target.consume(key, points),
            () => insurance.consume(key, points),
          );
      if (property === 'get')
        return (key: string) =>
          fallback(
            () => target.get(key),
            () => insurance.get(key),
          );
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * Where this process keeps its rate limits: Redis with REDIS_URL; otherwise, in a cluster
 * worker, the primary (one count for the machine); otherwise this process.
 */
export function openRateLimitStore(options: {
  redisUrl: string | undefined;
  keyPrefix: string;
  logger: Logger;
}): RateLimitStoreHandle {
  if (options.redisUrl) return redisStore(options.redisUrl, options.keyPrefix, options.logger);
  if (cluster.isWorker) {
    return {
      scope: "shared by this machine's server processes (the cluster's primary counts)",
      counter: (name, points, duration) =>
        insured(
          new RateLimiterCluster({
            keyPrefix: `${options.keyPrefix}:${name}`,
            points,
            duration,
            timeoutMs: STORE_TIMEOUT_MS,
          }),
          new RateLimiterMemory({ keyPrefix: `${options.keyPrefix}:${name}`, points, duration }),
        ),
      async close() {},
    };
  }
  return { ...localRateLimitStore, async close() {} };
}

/** In a cluster's primary without REDIS_URL: holds the counters its workers share. */
export function serveClusterRateLimits(): void {
  new RateLimiterClusterMaster();
}
