import type { CheckoutSession } from '../domain/checkout-sessions/model.js';
import { getEvents } from '../domain/events/reads.js';
import { checkoutSessionAtEvent } from '../domain/events/snapshot.js';
import { builder } from './builder.js';
import { checkoutSessionFields } from './checkout-session.js';
import { requireAccountId } from './context.js';

/** A checkout session as one event recorded it, named by that event. */
export type CheckoutSessionSnapshot = CheckoutSession & { eventId: string };

/**
 * A snapshot has an identity of its own, derived from its event: a normalised cache (Apollo,
 * urql, Relay) keeps it apart from the live CheckoutSession, so reading an old event can never
 * turn a cached EXPIRED session back into OPEN.
 */
export const CheckoutSessionSnapshotRef = builder.loadableNode('CheckoutSessionSnapshot', {
  description:
    "A checkout session as it was when an event happened: the webhook payload's `checkout_session`. It never changes, and its `id` is its own (derived from the event), not the live session's; read `CheckoutSessionEvent.checkoutSession` for the session as it is now.",
  id: { resolve: (snapshot: CheckoutSessionSnapshot) => snapshot.eventId },
  load: async (eventIds: string[], ctx): Promise<CheckoutSessionSnapshot[]> => {
    const events = await getEvents(ctx.deps.db, requireAccountId(ctx), eventIds);
    return events.map((event) => ({ ...checkoutSessionAtEvent(event), eventId: event.id }));
  },
  sort: (snapshot) => snapshot.eventId,
  fields: (t) => checkoutSessionFields(t, 'snapshot'),
});
