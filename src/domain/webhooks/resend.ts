/** Resending: an event delivered to an endpoint again, as a delivery of its own. */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { eventTable, webhookDeliveryTable } from '../../db/schema.js';
import { DomainError, notFound } from '../errors.js';
import { EVENTS_CHANNEL } from '../events/event.js';
import { newId } from '../ids.js';
import type { WebhookDelivery } from './model.js';
import { getWebhookEndpoint } from './reads.js';

/**
 * Queues the event for the endpoint again, as a new delivery with its own attempts and retry
 * schedule, and wakes the delivery workers. The webhook-id stays the event id, so receivers
 * that deduplicate still recognise it.
 */
export async function resendWebhookEvent(
  db: Db,
  accountId: string,
  endpointId: string,
  eventId: string,
): Promise<WebhookDelivery> {
  return db.transaction(async (tx) => {
    const endpoint = await getWebhookEndpoint(tx, accountId, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint');
    if (endpoint.disabled)
      throw new DomainError('FAILED_PRECONDITION', 'The webhook endpoint is disabled; enable it before resending.');
    const [event] = await tx
      .select({ id: eventTable.id })
      .from(eventTable)
      .where(and(eq(eventTable.id, eventId), eq(eventTable.accountId, accountId)));
    if (!event) throw notFound('Event');
    const now = new Date();
    const [delivery] = await tx
      .insert(webhookDeliveryTable)
      .values({
        id: newId('whd'),
        accountId,
        eventId,
        endpointId,
        state: 'PENDING',
        nextAttemptTime: now,
        createTime: now,
        updateTime: now,
      })
      .returning();
    // Delivered at commit, like an event's own notice; carries no event id, so feeds ignore it.
    await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ accountId, deliveries: 1 })})`);
    return delivery!;
  });
}
