import { pruneEventLog, pruneIdempotencyKeys } from '../domain/retention.js';
import type { DomainDeps } from '../domain/deps.js';
import type { Logger } from '../observability/logger.js';
import { startLoop } from './loop.js';

/** Rows per delete statement: small enough that no statement holds a hot table for long. */
const BATCH = 1_000;
const INTERVAL_MS = 10 * 60_000;

export interface RetentionDeps {
  deps: DomainDeps;
  logger: Logger;
}

/**
 * Deletes what is past its retention: idempotency keys after 24 hours; events after 30 days, with
 * their webhook deliveries and attempts (replaying `after` such an event then fails with
 * NOT_FOUND). One batch per statement, the next at once while batches come back full. Safe in
 * every process: concurrent deletes of the same rows just find less to do.
 */
export function startRetention({ deps, logger }: RetentionDeps) {
  return startLoop(
    'retention',
    INTERVAL_MS,
    async () => {
      const keys = await pruneIdempotencyKeys(deps.db, BATCH);
      const log = await pruneEventLog(deps.db, BATCH);
      return keys === BATCH || log === BATCH;
    },
    (error) => logger.error('pruning rows past their retention failed', { error }),
  );
}
