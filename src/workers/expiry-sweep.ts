import { sweepExpiredCheckoutSessions } from '../domain/checkout-sessions/lifecycle.js';
import type { DomainDeps } from '../domain/deps.js';
import type { Logger } from '../observability/logger.js';
import { startLoop } from './loop.js';

const BATCH = 100;

export interface ExpirySweepDeps {
  deps: DomainDeps;
  logger: Logger;
}

/** Persists expiry of lapsed OPEN sessions (readers already see them EXPIRED) and emits their events. */
export function startExpirySweep({ deps, logger }: ExpirySweepDeps) {
  return startLoop(
    'expiry-sweep',
    5_000,
    async () => (await sweepExpiredCheckoutSessions(deps, BATCH)) === BATCH,
    (error) => logger.error('expiry sweep failed', { error }),
  );
}
