import { startExpirySweep, type ExpirySweepDeps } from './expiry-sweep.js';
import { startRetention, type RetentionDeps } from './retention.js';
import { startWebhookDelivery, type WebhookDeliveryDeps } from './webhook-delivery.js';

/** What the loops need, each loop declaring its own part (so none is passed what nobody reads). */
export type WorkerDeps = ExpirySweepDeps & RetentionDeps & WebhookDeliveryDeps;

export interface Workers {
  /** Stops the loops and waits for the work they have in hand. */
  stop(): Promise<void>;
}

export function startWorkers(workerDeps: WorkerDeps): Workers {
  const loops = [startExpirySweep(workerDeps), startWebhookDelivery(workerDeps), startRetention(workerDeps)];
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
