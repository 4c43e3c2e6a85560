/**
 * The default webhook body: its bytes are what receivers verify signatures over, so they must not
 * move when the code that writes them does. The session's fields come back in the serializer's
 * order although the event log's jsonb hands them out in its own.
 */
import { describe, expect, it } from 'vitest';
import { toCheckoutSessionResource } from '../src/domain/checkout-sessions/resource.js';
import type { CheckoutSession } from '../src/domain/checkout-sessions/model.js';
import type { EventRecord } from '../src/domain/events/event.js';
import { webhookBody } from '../src/domain/webhooks/payload.js';

const session: CheckoutSession = {
  id: 'cs_abc',
  accountId: 'acct_xyz',
  state: 'OPEN',
  amount: 1999n,
  currency: 'GBP',
  clientReferenceId: 'order-7',
  successUrl: 'https://shop.example/done',
  cancelUrl: null,
  metadata: { b: '2', a: '1' },
  paymentIntentId: 'pi_def',
  expireTime: new Date('2026-01-02T03:04:05.678Z'),
  createTime: new Date('2026-01-01T03:04:05Z'),
  updateTime: new Date('2026-01-01T03:04:06.5Z'),
};

/** Keys as jsonb stores them: shorter first, then bytewise. */
function jsonbOrder(value: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, value[key]]));
}

function eventOf(data: Record<string, unknown>): EventRecord {
  return {
    id: 'evt_123',
    sequence: 42n,
    accountId: 'acct_xyz',
    type: 'checkout_session.created',
    checkoutSessionId: 'cs_abc',
    sessionSequence: 1,
    data,
    createTime: new Date('2026-01-01T03:04:05Z'),
    traceparent: null,
  };
}

describe('the default webhook body', () => {
  it('is the same bytes as before the webhook domain was split', () => {
    const resource = toCheckoutSessionResource(session, 'https://pay.example');
    const body = webhookBody(eventOf({ checkout_session: jsonbOrder(resource) }));
    expect(body).toBe(
      '{"id":"evt_123","type":"checkout_session.created","create_time":"2026-01-01T03:04:05.000Z","sequence":1,' +
        '"data":{"checkout_session":{"name":"accounts/acct_xyz/checkout-sessions/cs_abc","state":"OPEN",' +
        '"amount":"1999","currency":"GBP","client_reference_id":"order-7",' +
        '"url":"https://pay.example/checkout?s_checkout_session=cs_abc",' +
        '"payment_intent":"accounts/acct_xyz/payment-intents/pi_def","paid":false,' +
        '"success_url":"https://shop.example/done","cancel_url":null,"metadata":{"b":"2","a":"1"},' +
        '"expire_time":"2026-01-02T03:04:05.678Z","create_time":"2026-01-01T03:04:05.000Z",' +
        '"update_time":"2026-01-01T03:04:06.500Z"}}}',
    );
  });

  it("puts the session's fields in the serializer's order, whatever order storage returned", () => {
    const resource = toCheckoutSessionResource(session, 'https://pay.example');
    const shuffled = Object.fromEntries(Object.entries(resource).reverse());
    const body = JSON.parse(webhookBody(eventOf({ checkout_session: shuffled })));
    expect(Object.keys(body.data.checkout_session)).toEqual(Object.keys(resource));
  });

  it('keeps fields the serializer does not know after the ones it does', () => {
    const resource = toCheckoutSessionResource(session, 'https://pay.example');
    const body = JSON.parse(webhookBody(eventOf({ checkout_session: { extra: true, ...jsonbOrder(resource) } })));
    expect(Object.keys(body.data.checkout_session)).toEqual([...Object.keys(resource), 'extra']);
  });
});
