import { attemptWebhookDelivery, claimDueWebhookDeliveries, type AttemptOutcome } from '../domain/webhooks/delivery.js';
import { webhookAttempts, webhookDeliveryLag } from '../observability/metrics.js';
import type { DomainDeps } from '../domain/deps.js';
import type { EventHub } from '../infra/event-fanout.js';
import type { PayloadRenderer } from '../domain/webhooks/payload.js';
import type { WebhookSettings } from '../domain/webhooks/settings.js';
import type { Logger } from '../observability/logger.js';
import { startLoop } from './loop.js';
import { sendWebhook } from './webhook-sender.js';

/** Attempts in flight per process; one slow receiver (up to the 15 s timeout) holds only one slot. */
const MAX_IN_FLIGHT = 16;
/** Deliveries claimed per query. */
const CLAIM_BATCH = 8;
/**
 * Fallback poll. A commit that queues deliveries wakes the loop through NOTIFY, and this
 * process's own retries set a timer for their due time; the poll only picks up retries
 * scheduled by other processes and deliveries whose worker died (once the lease lapses).
 */
const POLL_MS = 5_000;

export interface WebhookDeliveryDeps {
  deps: DomainDeps;
  logger: Logger;
  /** The process's LISTEN on committed events: wakes the delivery loop. */
  events: EventHub;
  webhooks: WebhookSettings;
  /** Executes endpoints' payload documents (GraphQL lives outside the workers). */
  renderPayload?: PayloadRenderer;
}

function countAttempt(outcome: AttemptOutcome) {
  if (outcome.kind !== 'attempted') {
    webhookAttempts.inc({ outcome: outcome.kind });
    return;
  }
  webhookAttempts.inc({ outcome: outcome.succeeded ? 'succeeded' : outcome.nextAttemptTime ? 'retrying' : 'failed' });
  if (outcome.succeeded) webhookDeliveryLag.observe(Math.max(0, Date.now() - outcome.eventTime.getTime()) / 1000);
}

/** Claims due webhook deliveries and makes their attempts, several at a time. */
export function startWebhookDelivery({ deps, logger, events, webhooks, renderPayload }: WebhookDeliveryDeps) {
  const inFlight = new Set<Promise<void>>();
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = Infinity;
  let stopped = false;

  /** Wakes the loop when the earliest retry this process scheduled falls due. */
  function wakeAt(time: Date) {
    if (stopped || time.getTime() >= retryAt) return;
    retryAt = time.getTime();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(
      () => {
        retryAt = Infinity;
        loop.wake();
      },
      Math.max(0, retryAt - Date.now()),
    );
    retryTimer.unref();
  }

  const loop = startLoop(
    'webhook-delivery',
    POLL_MS,
    async () => {
      const room = MAX_IN_FLIGHT - inFlight.size;
      if (room <= 0 || stopped) return false;
      const wanted = Math.min(room, CLAIM_BATCH);
      const claimed = await claimDueWebhookDeliveries(deps.db, webhooks, wanted);
      for (const claim of claimed) {
        const attempt = attemptWebhookDelivery(deps.db, webhooks, claim, sendWebhook, renderPayload)
          .then((outcome) => {
            countAttempt(outcome);
            if (outcome.kind !== 'lost' && outcome.nextAttemptTime) wakeAt(outcome.nextAttemptTime);
          })
          // The lease lapses and another claim retries; nothing is lost.
          .catch((error: unknown) => logger.error('webhook delivery attempt failed', { error, deliveryId: claim.id }))
          .finally(() => {
            inFlight.delete(attempt);
            loop.wake();
          });
        inFlight.add(attempt);
      }
      return claimed.length === wanted;
    },
    (error) => logger.error('claiming webhook deliveries failed', { error }),
  );
  const unsubscribe = events.onWebhookWork(() => loop.wake());

  return {
    /** Stops claiming, then waits for the attempts in flight to be recorded. */
    async stop() {
      stopped = true;
      unsubscribe();
      clearTimeout(retryTimer);
      await loop.stop();
      await Promise.all([...inFlight]);
    },
  };
}
