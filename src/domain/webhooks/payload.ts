/** The default body of a delivery: the event as api.md §5 writes it, the same bytes on every attempt. */
import { toCheckoutSessionResource, type CheckoutSession } from '../checkout-sessions.js';
import type { EventRecord } from '../events/event.js';

/** The body of a delivery to an endpoint with a payload document (the API layer provides it). */
export type PayloadRenderer = (event: EventRecord, query: string) => Promise<string>;

/** A session for reading the serializer's keys off; its values are never seen. */
const ANY_SESSION: CheckoutSession = {
  id: 'cs_0',
  accountId: 'acct_0',
  state: 'OPEN',
  amount: 0n,
  currency: 'GBP',
  clientReferenceId: null,
  successUrl: null,
  cancelUrl: null,
  metadata: {},
  paymentIntentId: 'pi_0',
  expireTime: new Date(0),
  createTime: new Date(0),
  updateTime: new Date(0),
};

/**
 * The session resource's field order, taken from its serializer so that there is one list: jsonb
 * storage forgets key order, receivers' eyes do not.
 */
const RESOURCE_FIELD_ORDER = Object.keys(toCheckoutSessionResource(ANY_SESSION, ''));

function inFieldOrder(resource: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of RESOURCE_FIELD_ORDER) if (key in resource) ordered[key] = resource[key];
  for (const [key, value] of Object.entries(resource)) if (!(key in ordered)) ordered[key] = value;
  return ordered;
}

/** The request body of an event (api.md §5); the same bytes on every attempt. */
export function webhookBody(event: EventRecord): string {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.data)) {
    data[key] =
      value && typeof value === 'object' && !Array.isArray(value)
        ? inFieldOrder(value as Record<string, unknown>)
        : value;
  }
  return JSON.stringify({
    id: event.id,
    type: event.type,
    create_time: event.createTime.toISOString(),
    sequence: event.sessionSequence,
    data,
  });
}
