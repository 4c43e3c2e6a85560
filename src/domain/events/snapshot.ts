import type { CheckoutSession } from '../checkout-sessions/model.js';
import type { CheckoutSessionResource } from '../checkout-sessions/resource.js';
import type { EventRecord } from './event.js';

/**
 * The checkout session as the event recorded it (the webhook payload's object), in the shape
 * of a row, so that readers see the session as it was when the event happened.
 */
export function checkoutSessionAtEvent(event: EventRecord): CheckoutSession {
  const resource = (event.data as { checkout_session?: CheckoutSessionResource }).checkout_session;
  if (!resource) throw new Error(`event ${event.id} carries no checkout_session`);
  return {
    id: resource.name.split('/').pop()!,
    accountId: event.accountId,
    state: resource.state,
    amount: BigInt(resource.amount),
    currency: resource.currency,
    clientReferenceId: resource.client_reference_id,
    successUrl: resource.success_url,
    cancelUrl: resource.cancel_url,
    metadata: resource.metadata,
    paymentIntentId: resource.payment_intent.split('/').pop()!,
    expireTime: new Date(resource.expire_time),
    createTime: new Date(resource.create_time),
    updateTime: new Date(resource.update_time),
  };
}
