import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { DomainDeps } from '../domain/deps.js';
import type { EventHub } from '../domain/event-stream.js';
import type { PayloadRenderer, WebhookSettings } from '../domain/webhooks.js';
import type { Logger } from '../logger.js';
import { startRetention } from './retention.js';
import { startExpirySweep } from './expiry-sweep.js';
import { startWebhookDelivery } from './webhook-delivery.js';

export interface WorkerDeps {
  deps: DomainDeps;
  database: Database;
  config: Config;
  logger: Logger;
  /** The process's LISTEN on committed events: wakes the delivery loop. */
  events: EventHub;
  webhooks: WebhookSettings;
  /** Executes endpoints' payload documents (GraphQL lives outside the workers). */
  renderPayload?: PayloadRenderer;
}

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
