/**
 * Per-session `sequence` (1, 2, 3 …) on every event, in webhooks and subscriptions, and
 * `payment_intent.payment_failed` for declined attempts, from the hosted page's real form.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECLINED_CARD, INSUFFICIENT_FUNDS_CARD, openForm, submitCard } from './browser.js';
import {
  eventually,
  privateDatabase,
  signatureHeaders,
  startReceiver,
  subscribeWs,
  type Receiver,
} from './events-kit.js';
import { createSession, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let database: Awaited<ReturnType<typeof privateDatabase>>;
let receiver: Receiver;

beforeAll(async () => {
  database = await privateDatabase('sequence');
  gateway = await startGateway({
    databaseUrl: database?.url,
    webhookRetrySchedule: [0, 200, 400],
    webhookTimeoutMs: 1_000,
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await gateway?.stop();
  await database?.drop();
});

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`;
const EVENTS = `subscription($types: [EventType!]) {
  events(types: $types) { id type sequence cardBrand cardLast4 paymentError { code message } checkoutSession { name } checkoutSessionSnapshot { state } }
}`;

describe('event sequence and payment_failed', () => {
  it("numbers each session's events 1, 2, 3 … and reports declined attempts without the card number", async () => {
    const shop = await gateway.createAccount('Sequence shop');
    const { secret } = (
      await gateway.ok(CREATE_ENDPOINT, { input: { url: `${receiver.url}/hooks` } }, { key: shop.apiKey })
    ).createWebhookEndpoint;
    const failedOnly = await startReceiver();
    await gateway.ok(
      CREATE_ENDPOINT,
      { input: { url: `${failedOnly.url}/hooks`, enabledEvents: ['PAYMENT_INTENT_PAYMENT_FAILED'] } },
      { key: shop.apiKey },
    );
    const ws = subscribeWs(gateway.url, shop.apiKey, EVENTS);
    const failures = subscribeWs(gateway.url, shop.apiKey, EVENTS, { types: ['PAYMENT_INTENT_PAYMENT_FAILED'] });
    // Live once a first session's created event arrives on the unfiltered feed.
    const warmUp = await eventually(
      async () => {
        const session = await createSession(gateway, shop.apiKey);
        return ws.items.length > 0 ? session : undefined;
      },
      () => 'the subscription to go live',
    );
    const seen = ws.items.length;

    const session = await createSession(gateway, shop.apiKey);
    const other = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    expect((await submitCard(session.url, form, { card_number: DECLINED_CARD })).status).toBe(402);
    expect((await submitCard(session.url, form, { card_number: INSUFFICIENT_FUNDS_CARD })).status).toBe(402);
    const paid = await submitCard(session.url, form);
    expect(paid.status).toBe(303);

    const items = await eventually(
      () => {
        const received = ws.items.slice(seen).map((item) => item.events);
        return received.some((event) => event.type === 'checkout_session.paid') &&
          received.some((event) => event.checkoutSession.name === other.name)
          ? received
          : undefined;
      },
      () => 'the paid event',
    );
    const ofSession = items.filter((event) => event.checkoutSession.name === session.name);
    expect(ofSession.map((event) => [event.type, event.sequence])).toEqual([
      ['checkout_session.created', 1],
      ['payment_intent.payment_failed', 2],
      ['payment_intent.payment_failed', 3],
      ['checkout_session.paid', 4],
    ]);
    expect(items.find((event) => event.checkoutSession.name === other.name)).toMatchObject({
      type: 'checkout_session.created',
      sequence: 1,
    });
    expect(ofSession[1]).toMatchObject({
      cardBrand: 'visa',
      cardLast4: '0002',
      paymentError: { code: 'card_declined' },
      checkoutSessionSnapshot: { state: 'OPEN' },
    });
    expect(ofSession[2]).toMatchObject({ cardLast4: '9995', paymentError: { code: 'insufficient_funds' } });
    expect(ofSession[0]).toMatchObject({ cardBrand: null, cardLast4: null, paymentError: null });
    expect((await failures.waitFor(2)).map((item) => item.events.sequence)).toEqual([2, 3]);

    // Webhooks: the top-level `sequence`, and the payment intent of the declined attempt.
    const bodies = await eventually(
      () => {
        const verified = receiver.requests.map(
          (request) => new Webhook(secret).verify(request.body, signatureHeaders(request)) as any,
        );
        const mine = verified.filter(
          (body) => (body.data.checkout_session?.name ?? body.data.payment_intent?.checkout_session) === session.name,
        );
        return mine.length === 4 ? mine : undefined;
      },
      () => `four webhooks for the session, got ${receiver.requests.length}`,
    );
    expect(bodies.map((body) => [body.type, body.sequence]).sort((a, b) => a[1] - b[1])).toEqual([
      ['checkout_session.created', 1],
      ['payment_intent.payment_failed', 2],
      ['payment_intent.payment_failed', 3],
      ['checkout_session.paid', 4],
    ]);
    const failed = bodies.find((body) => body.sequence === 2);
    expect(Object.keys(failed)).toEqual(['id', 'type', 'create_time', 'sequence', 'data']);
    expect(failed.data.payment_intent).toMatchObject({
      name: session.paymentIntent.name,
      state: 'REQUIRES_PAYMENT_METHOD',
      amount: '10000',
      currency: 'GBP',
      checkout_session: session.name,
      last_payment_error: { code: 'card_declined' },
      card_brand: 'visa',
      card_last4: '0002',
    });
    for (const request of [...receiver.requests, ...failedOnly.requests]) {
      expect(request.body).not.toContain('4000000000000002');
      expect(request.body).not.toContain('4000 0000 0000 0002');
    }
    // An endpoint that enables only payment_failed gets only those.
    await eventually(
      () => failedOnly.requests.length >= 2 || undefined,
      () => 'the payment_failed webhooks',
    );
    expect(new Set(failedOnly.requests.map((request) => JSON.parse(request.body).type))).toEqual(
      new Set(['payment_intent.payment_failed']),
    );
    expect(warmUp.name).not.toBe(session.name);
    await Promise.all([ws.close(), failures.close(), failedOnly.close()]);
  });

  it("numbers an expired session's events 1, 2 and keeps numbers per session under concurrent writers", async () => {
    const shop = await gateway.createAccount('Sequence expiry shop');
    const sessions = await Promise.all(Array.from({ length: 6 }, () => createSession(gateway, shop.apiKey)));
    await Promise.all(
      sessions.map((session) =>
        gateway.ok(
          `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`,
          { name: session.name },
          { key: shop.apiKey },
        ),
      ),
    );
    const listed = await gateway.ok(
      `{ events(first: 100) { edges { node { type sequence checkoutSession { name } } } } }`,
      {},
      { key: shop.apiKey },
    );
    for (const session of sessions) {
      const events = listed.events.edges
        .map((edge: any) => edge.node)
        .filter((event: any) => event.checkoutSession.name === session.name);
      expect(events.map((event: any) => [event.type, event.sequence])).toEqual([
        ['checkout_session.expired', 2],
        ['checkout_session.created', 1],
      ]);
    }
  });
});
