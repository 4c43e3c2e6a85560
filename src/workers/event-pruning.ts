import { EVENT_RETENTION_DAYS, pruneEvents } from '../domain/event-stream.js';
import type { WorkerDeps } from './index.js';
import { startLoop } from './loop.js';

const BATCH = 1_000;
const INTERVAL_MS = 10 * 60_000;

/**
 * Deletes events older than EVENT_RETENTION_DAYS (30 days) with their webhook deliveries and
 * attempts. Replaying `after` such an event then fails with NOT_FOUND. Safe in every process:
 * concurrent deletes of the same rows just find less to do.
 */
export function startEventPruning({ deps, logger }: WorkerDeps) {
  return startLoop(
    'event-pruning',
    INTERVAL_MS,
    async () => (await pruneEvents(deps.db, BATCH, EVENT_RETENTION_DAYS)) === BATCH,
    (error) => logger.error('event pruning failed', { error }),
  );
}
