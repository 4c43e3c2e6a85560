/**
 * What an event is: its types, its stored row, its resource name, and the channel on which its
 * commit is announced to every process.
 */
import type { eventTable } from '../../db/schema.js';

export const EVENT_TYPES = [
  'checkout_session.created',
  'checkout_session.paid',
  'checkout_session.expired',
  'payment_intent.payment_failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type EventRecord = typeof eventTable.$inferSelect;

/** The NOTIFY channel on which committed events are announced to every process. */
/** In an endpoint's enabledEvents: every event type, including types added later. */
export const ALL_EVENT_TYPES = '*';

export const EVENTS_CHANNEL = 'checkout_events';

export function eventName(accountId: string, eventId: string): string {
  return `accounts/${accountId}/events/${eventId}`;
}
