/** The default body of a delivery: the event as api.md §5 writes it, the same bytes on every attempt. */
import type { EventRecord } from '../event-stream.js';

/** The body of a delivery to an endpoint with a payload document (the API layer provides it). */
export type PayloadRenderer = (event: EventRecord, query: string) => Promise<string>;

/** The order of the seed's resource fields; jsonb storage forgets key order, receivers' eyes do not. */
const RESOURCE_FIELD_ORDER = [
  'name',
  'state',
  'amount',
  'currency',
  'client_reference_id',
  'url',
  'payment_intent',
  'paid',
  'success_url',
  'cancel_url',
  'metadata',
  'expire_time',
  'create_time',
  'update_time',
];

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
