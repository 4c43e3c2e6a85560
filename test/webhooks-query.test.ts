/**
 * Webhook payloads shaped by a subscription document (an endpoint's `query`): checked when
 * stored, executed per delivery as the endpoint's account, signed like any other delivery.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProcessor } from '../src/domain/payments/processor.js';
import { payCheckoutSession } from '../src/domain/payments/pay.js';
import {
  eventually,
  privateDatabase,
  signatureHeaders,
  startReceiver,
  subscribeWs,
  type Receiver,
} from './events-kit.js';
import { createSession, errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let database: Awaited<ReturnType<typeof privateDatabase>>;
const receivers: Receiver[] = [];

beforeAll(async () => {
  database = await privateDatabase('webhooks_query');
  gateway = await startGateway({ databaseUrl: database?.url, webhookRetrySchedule: [0, 200], webhookTimeoutMs: 2_000 });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await gateway?.stop();
  await database?.drop();
});

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { webhookEndpoint { name query } secret }
}`;
const UPDATE_ENDPOINT = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { name query } } }`;
const CARD = { cardNumber: '4242 4242 4242 4242', expiry: '12/40', securityCode: '123', nameOnCard: 'A Customer' };
const NESTED = `subscription { event { id type checkoutSession { name state paymentIntent { cardBrand cardLast4 } } } }`;

async function receiver(): Promise<Receiver> {
  const started = await startReceiver();
  receivers.push(started);
  return started;
}

async function pay(session: { name: string }) {
  const result = await payCheckoutSession(
    { db: gateway.app.database.db, publicUrl: gateway.url, paymentProcessor: sandboxProcessor },
    session.name.split('/').pop()!,
    CARD,
  );
  expect(result.outcome).toBe('succeeded');
}

async function issuesFor(key: string, query: string) {
  const response = await gateway.gql(CREATE_ENDPOINT, { input: { url: 'http://127.0.0.1:9/hook', query } }, { key });
  expect(errorCodes(response), JSON.stringify(response.body)).toEqual(['BAD_USER_INPUT']);
  return response.body.errors![0]!.extensions!.issues as { path: (string | number)[]; message: string }[];
}

describe('webhook payloads shaped by a subscription document', () => {
  it("delivers the document's result for the event, nested fields included, signed per Standard Webhooks", async () => {
    const shop = await gateway.createAccount('Shaped shop');
    const shaped = await receiver();
    const plain = await receiver();
    const created = await gateway.ok(
      CREATE_ENDPOINT,
      { input: { url: `${shaped.url}/shaped`, enabledEvents: ['CHECKOUT_SESSION_PAID'], query: NESTED } },
      { key: shop.apiKey },
    );
    expect(created.createWebhookEndpoint.webhookEndpoint.query).toBe(NESTED);
    const defaults = await gateway.ok(
      CREATE_ENDPOINT,
      { input: { url: `${plain.url}/plain`, enabledEvents: ['CHECKOUT_SESSION_PAID'] } },
      { key: shop.apiKey },
    );
    expect(defaults.createWebhookEndpoint.webhookEndpoint.query).toBeNull();

    const session = await createSession(gateway, shop.apiKey);
    await pay(session);
    await eventually(
      () => shaped.requests.length >= 1 && plain.requests.length >= 1,
      () => 'both deliveries',
    );

    const request = shaped.requests[0]!;
    const body = new Webhook(created.createWebhookEndpoint.secret).verify(
      request.body,
      signatureHeaders(request),
    ) as any;
    expect(body).toEqual({
      data: {
        event: {
          id: request.headers['webhook-id'],
          type: 'checkout_session.paid',
          checkoutSession: {
            name: session.name,
            state: 'COMPLETE',
            paymentIntent: { cardBrand: 'visa', cardLast4: '4242' },
          },
        },
      },
    });
    // The default payload stays the seed's shape.
    const seed = new Webhook(defaults.createWebhookEndpoint.secret).verify(
      plain.requests[0]!.body,
      signatureHeaders(plain.requests[0]!),
    ) as any;
    expect(seed).toMatchObject({
      id: request.headers['webhook-id'],
      type: 'checkout_session.paid',
      data: { checkout_session: { name: session.name, state: 'COMPLETE', paid: true } },
    });

    // Changing the document changes the next body; null returns to the default payload.
    const endpointName = created.createWebhookEndpoint.webhookEndpoint.name;
    await gateway.ok(
      UPDATE_ENDPOINT,
      { input: { name: endpointName, query: 'subscription { event { type checkoutSessionSnapshot { state } } }' } },
      { key: shop.apiKey },
    );
    const second = await createSession(gateway, shop.apiKey);
    await pay(second);
    await eventually(
      () => shaped.requests.length >= 2,
      () => 'the second delivery',
    );
    expect(JSON.parse(shaped.requests[1]!.body)).toEqual({
      data: { event: { type: 'checkout_session.paid', checkoutSessionSnapshot: { state: 'COMPLETE' } } },
    });
    const reset = await gateway.ok(
      UPDATE_ENDPOINT,
      { input: { name: endpointName, query: null } },
      { key: shop.apiKey },
    );
    expect(reset.updateWebhookEndpoint.webhookEndpoint.query).toBeNull();
    await pay(await createSession(gateway, shop.apiKey));
    await eventually(
      () => shaped.requests.length >= 3,
      () => 'the third delivery',
    );
    expect(JSON.parse(shaped.requests[2]!.body)).toMatchObject({
      type: 'checkout_session.paid',
      data: { checkout_session: { state: 'COMPLETE' } },
    });
  });

  it('refuses invalid documents with their path, by the limits of any operation, and stores nothing', async () => {
    const shop = await gateway.createAccount('Strict shop');
    const deep = `subscription { event { checkoutSession { paymentIntent { checkoutSession { paymentIntent { checkoutSession { paymentIntent { checkoutSession { paymentIntent { checkoutSession { name } } } } } } } } } } }`;
    const aliases = `subscription { event { ${Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    const cases: [string, RegExp][] = [
      ['subscription { event { id ', /Syntax Error/],
      ['subscription { event { nope } }', /Cannot query field "nope"/],
      [deep, /depth/i],
      [aliases, /aliases/i],
      [
        'mutation { createCheckoutSession(input: { amount: "1", currency: "GBP" }) { name } }',
        /one subscription operation/,
      ],
      ['query { account { name } }', /one subscription operation/],
      ['subscription { events { id } }', /must select the `event` field/],
      [
        'subscription($x: String) { event { checkoutSession { formattedAmount(locale: $x) } } }',
        /may not declare variables/,
      ],
    ];
    for (const [query, message] of cases) {
      const issues = await issuesFor(shop.apiKey, query);
      expect(issues.length, query).toBeGreaterThan(0);
      for (const issue of issues) expect(issue.path, `${query}: ${JSON.stringify(issues)}`).toEqual(['input', 'query']);
      expect(issues.map((issue) => issue.message).join('\n'), query).toMatch(message);
    }
    // Too many tokens: graphql-armor's token limit, as for any operation.
    const tokens = `subscription { event { ${'id '.repeat(2100)} } }`;
    expect((await issuesFor(shop.apiKey, tokens)).map((issue) => issue.message).join()).toMatch(/token/i);

    const listed = await gateway.ok(
      `{ webhookEndpoints(first: 10) { edges { node { name } } } }`,
      {},
      { key: shop.apiKey },
    );
    expect(listed.webhookEndpoints.edges).toEqual([]);
    // The same check on update.
    const endpoint = await gateway.ok(
      CREATE_ENDPOINT,
      { input: { url: 'http://127.0.0.1:9/hook' } },
      { key: shop.apiKey },
    );
    const update = await gateway.gql(
      UPDATE_ENDPOINT,
      {
        input: { name: endpoint.createWebhookEndpoint.webhookEndpoint.name, query: 'subscription { event { nope } }' },
      },
      { key: shop.apiKey },
    );
    expect(errorCodes(update)).toEqual(['BAD_USER_INPUT']);
    expect(update.body.errors![0]!.extensions!.issues[0].path).toEqual(['input', 'query']);
  });

  it("reaches nothing beyond the endpoint's account", async () => {
    const mine = await gateway.createAccount('Mine');
    const theirs = await gateway.createAccount('Theirs');
    const theirSession = await createSession(gateway, theirs.apiKey);
    // No root but the event: another account's session cannot even be named.
    const issues = await issuesFor(
      mine.apiKey,
      `subscription { checkoutSession(name: "${theirSession.name}") { name } }`,
    );
    expect(issues[0]!.path).toEqual(['input', 'query']);

    const myReceiver = await receiver();
    await gateway.ok(
      CREATE_ENDPOINT,
      { input: { url: `${myReceiver.url}/mine`, query: 'subscription { event { id checkoutSession { name } } }' } },
      { key: mine.apiKey },
    );
    const mySession = await createSession(gateway, mine.apiKey);
    await pay(theirSession);
    await pay(mySession);
    await eventually(
      () => myReceiver.requests.length >= 2,
      () => 'my two events',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const names = myReceiver.requests.map((request) => JSON.parse(request.body).data.event.checkoutSession.name);
    expect(names).toEqual([mySession.name, mySession.name]);
  });

  it('is no live feed: subscribing to `event` fails with BAD_USER_INPUT', async () => {
    const shop = await gateway.createAccount('Feed shop');
    const subscription = subscribeWs(gateway.url, shop.apiKey, 'subscription { event { id } }');
    try {
      await eventually(
        () => subscription.errors.length > 0 || undefined,
        () => 'an error',
        8_000,
      );
      const first = subscription.errors[0];
      expect((Array.isArray(first) ? first : [first]).map((error: any) => error?.extensions?.code)).toEqual([
        'BAD_USER_INPUT',
      ]);
    } finally {
      await subscription.close();
    }
  });
});
