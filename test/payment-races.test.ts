import { and, eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { eventTable, paymentAttemptTable } from '../src/db/schema.js';
import { openForm, submitCard } from './browser.js';
import { createSession, errorCodes } from './testkit.js';
import { test as withGateway } from './fixtures.js';
import { graphql } from './__generated__/gql.js';

const SESSION_STATE = graphql(`query RaceSessionState($name: String!) {
  checkoutSession(name: $name) { state paid paymentIntent { state cardLast4 } }
}`);
const EXPIRE = graphql(`mutation RaceExpire($name: String!) { expireCheckoutSession(name: $name) { state } }`);

const test = withGateway.extend(
  'ledger',
  ({ gateway, shop }) =>
    async (session: { name: string; paymentIntent: { name: string } }) => {
      const db = gateway.app.database.db;
      const sessionId = session.name.split('/').pop()!;
      const attempts = await db
        .select()
        .from(paymentAttemptTable)
        .where(eq(paymentAttemptTable.paymentIntentId, session.paymentIntent.name.split('/').pop()!));
      const events = await db
        .select({ type: eventTable.type })
        .from(eventTable)
        .where(and(eq(eventTable.checkoutSessionId, sessionId)));
      const state = (await gateway.ok(SESSION_STATE, { name: session.name }, { key: shop.apiKey })).checkoutSession;
      return {
        state,
        charges: attempts.filter((attempt) => attempt.succeeded).length,
        attempts: attempts.length,
        paidEvents: events.filter((event) => event.type === 'checkout_session.paid').length,
        expiredEvents: events.filter((event) => event.type === 'checkout_session.expired').length,
      };
    },
);
test.override('shopName', 'Race shop');
test.beforeAll(({ gateway }) => void gateway);

describe('racing payments', () => {
  test('ten concurrent submissions of one session charge exactly once', async ({ gateway, shop, ledger }) => {
    const session = await createSession(gateway, shop.apiKey, { successUrl: 'https://shop.example/thanks' });
    const form = await openForm(session.url);
    const responses = await Promise.all(Array.from({ length: 10 }, () => submitCard(session.url, form)));
    const statuses = responses.map((response) => response.status).sort();
    // One wins; the others wait on the row lock, then find the session paid.
    expect(statuses).toEqual([303, ...Array(9).fill(409)]);
    for (const response of responses.filter((r) => r.status === 409))
      expect(await response.text()).toContain('Payment complete');
    expect(await ledger(session)).toEqual({
      state: { state: 'COMPLETE', paid: true, paymentIntent: { state: 'SUCCEEDED', cardLast4: '4242' } },
      charges: 1,
      attempts: 1,
      paidEvents: 1,
      expiredEvents: 0,
    });
  });

  test('pay and expire sent together end in exactly one of COMPLETE or EXPIRED, with one event', async ({
    gateway,
    shop,
    ledger,
  }) => {
    for (let round = 0; round < 8; round += 1) {
      const session = await createSession(gateway, shop.apiKey, { successUrl: 'https://shop.example/thanks' });
      const form = await openForm(session.url);
      // Vary the interleaving: expire first, or pay first with expire a few milliseconds behind,
      // so that both winners occur (which one wins is not asserted, only that one does).
      const sendPay = () => submitCard(session.url, form);
      const sendExpire = () => gateway.gql(EXPIRE, { name: session.name }, { key: shop.apiKey });
      const [payResponse, expireResponse] =
        round % 2 === 0
          ? await Promise.all([sendExpire(), sendPay()]).then(([e, p]) => [p, e] as const)
          : await Promise.all([sendPay(), new Promise((resolve) => setTimeout(resolve, round * 3)).then(sendExpire)]);
      const result = await ledger(session);
      if (result.state!.state === 'COMPLETE') {
        expect(payResponse.status).toBe(303);
        expect(errorCodes(expireResponse)).toEqual(['FAILED_PRECONDITION']);
        expect(result).toEqual({
          state: { state: 'COMPLETE', paid: true, paymentIntent: { state: 'SUCCEEDED', cardLast4: '4242' } },
          charges: 1,
          attempts: 1,
          paidEvents: 1,
          expiredEvents: 0,
        });
      } else {
        expect(payResponse.status).toBe(410);
        expect(expireResponse.body.data?.expireCheckoutSession.state).toBe('EXPIRED');
        expect(result).toEqual({
          state: { state: 'EXPIRED', paid: false, paymentIntent: { state: 'CANCELED', cardLast4: null } },
          charges: 0,
          attempts: 0,
          paidEvents: 0,
          expiredEvents: 1,
        });
      }
    }
  });
});
