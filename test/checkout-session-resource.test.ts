import { describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../src/domain/checkout-sessions/model.js';
import {
  CHECKOUT_SESSION_RESOURCE_FIELDS,
  toCheckoutSessionResource,
} from '../src/domain/checkout-sessions/resource.js';

describe('the checkout session resource', () => {
  it('lists its fields in the order CHECKOUT_SESSION_RESOURCE_FIELDS names', () => {
    const now = new Date('2026-11-25T19:13:18.123Z');
    const session: CheckoutSession = {
      id: 'cs_1',
      accountId: 'acct_1',
      state: 'OPEN',
      amount: 10_000n,
      currency: 'GBP',
      clientReferenceId: null,
      successUrl: null,
      cancelUrl: null,
      metadata: {},
      paymentIntentId: 'pi_1',
      expireTime: now,
      createTime: now,
      updateTime: now,
    };
    expect(Object.keys(toCheckoutSessionResource(session, 'https://pay.example'))).toEqual([
      ...CHECKOUT_SESSION_RESOURCE_FIELDS,
    ]);
  });
});
