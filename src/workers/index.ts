import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { DomainDeps } from '../domain/checkout-sessions.js';
import type { Logger } from '../logger.js';
import { startExpirySweep } from './expiry-sweep.js';

export interface WorkerDeps {
  deps: DomainDeps;
  database: Database;
  config: Config;
  logger: Logger;
}

export interface Workers {
  /** Stops the loops and waits for the work they have in hand. */
  stop(): Promise<void>;
}

export function startWorkers(workerDeps: WorkerDeps): Workers {
  const loops = [startExpirySweep(workerDeps)];
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
