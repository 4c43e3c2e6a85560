/** The default body of a delivery: the event as api.md §5 writes it, the same bytes on every attempt. */
import { CHECKOUT_SESSION_RESOURCE_FIELDS } from '../checkout-sessions/resource.js';
import type { EventRecord } from '../events/event.js';

/** The body of a delivery to an endpoint with a payload document (the API layer provides it). */
export type PayloadRenderer = (event: EventRecord, query: string) => Promise<string>;

function inFieldOrder(resource: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of CHECKOUT_SESSION_RESOURCE_FIELDS) if (key in resource) ordered[key] = resource[key];
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
