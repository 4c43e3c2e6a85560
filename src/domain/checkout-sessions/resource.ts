import { checkoutSessionName, paymentIntentName } from '../resource-names.js';
import { formatInstant } from '../time.js';
import type { CheckoutSession } from './model.js';

/** The hosted payment page of a session; null once it can no longer be paid. */
export function checkoutSessionUrl(publicUrl: string, session: CheckoutSession): string | null {
  return session.state === 'OPEN' ? `${publicUrl}/checkout?s_checkout_session=${session.id}` : null;
}

/**
 * The seed's field order of a checkout session resource. jsonb storage forgets key order and
 * receivers' eyes do not, so whoever re-serialises a stored resource puts its keys back in it.
 */
export const CHECKOUT_SESSION_RESOURCE_FIELDS = [
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
] as const;

/** The seed's REST representation, also the `checkout_session` object of webhook payloads. */
export function toCheckoutSessionResource(session: CheckoutSession, publicUrl: string) {
  // Written out in CHECKOUT_SESSION_RESOURCE_FIELDS order (a literal is faster than a loop over it).
  return {
    name: checkoutSessionName(session.accountId, session.id),
    state: session.state,
    amount: session.amount.toString(),
    currency: session.currency,
    client_reference_id: session.clientReferenceId,
    url: checkoutSessionUrl(publicUrl, session),
    payment_intent: paymentIntentName(session.accountId, session.paymentIntentId),
    paid: session.state === 'COMPLETE',
    success_url: session.successUrl,
    cancel_url: session.cancelUrl,
    metadata: session.metadata,
    expire_time: formatInstant(session.expireTime),
    create_time: formatInstant(session.createTime),
    update_time: formatInstant(session.updateTime),
  } satisfies Record<(typeof CHECKOUT_SESSION_RESOURCE_FIELDS)[number], unknown>;
}

export type CheckoutSessionResource = ReturnType<typeof toCheckoutSessionResource>;
