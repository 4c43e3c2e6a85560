import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startReceiver, subscribeWs, type Receiver } from './events-kit.js';
import { createSession, errorCodes, startGateway, type Gateway } from './testkit.js';

/**
 * What normalised caches (Apollo, urql graphcache, Relay) rely on: every object a client can see
 * twice has a global id that `node` and `nodes` refetch within the caller's account, and a
 * snapshot never carries the id of the live object it copies.
 */
let gateway: Gateway;
let receiver: Receiver;
let shop: { accountId: string; name: string; apiKey: string };
let other: { accountId: string; name: string; apiKey: string };
/** One global id of each Node type, all of the shop's, read through ordinary fields. */
const ids: Record<string, string> = {};

const SEEN = `query($endpoint: String!) {
  account { id name }
  checkoutSessions(first: 1) { edges { node { id paymentIntent { id } } } }
  events(first: 10) { edges { node { id type checkoutSession { id } checkoutSessionSnapshot { id } } } }
  webhookEndpoint(name: $endpoint) { id deliveries(first: 1) { edges { node { id attempts { id } } } } }
}`;

const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;

beforeAll(async () => {
  gateway = await startGateway();
  receiver = await startReceiver();
  shop = await gateway.createAccount('Node shop');
  other = await gateway.createAccount('Other shop');
  const created = await gateway.ok(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { name } } }`,
    { input: { url: `${receiver.url}/hooks`, enabledEvents: ['CHECKOUT_SESSION_CREATED'] } },
    { key: shop.apiKey },
  );
  const endpoint = created.createWebhookEndpoint.webhookEndpoint.name;
  await createSession(gateway, shop.apiKey);
  const seen = await eventually(
    async () => {
      const data = await gateway.ok(SEEN, { endpoint }, { key: shop.apiKey });
      return data.webhookEndpoint.deliveries.edges[0]?.node.attempts.length ? data : undefined;
    },
    () => 'a delivery with an attempt',
  );
  const session = seen.checkoutSessions.edges[0].node;
  const event = seen.events.edges[0].node;
  const delivery = seen.webhookEndpoint.deliveries.edges[0].node;
  Object.assign(ids, {
    Account: seen.account.id,
    CheckoutSession: session.id,
    PaymentIntent: session.paymentIntent.id,
    CheckoutSessionEvent: event.id,
    CheckoutSessionSnapshot: event.checkoutSessionSnapshot.id,
    WebhookEndpoint: seen.webhookEndpoint.id,
    WebhookDelivery: delivery.id,
    WebhookAttempt: delivery.attempts[0].id,
  });
});
afterAll(async () => {
  await receiver?.close();
  await gateway?.stop();
});

describe('global ids', () => {
  it('refetches every kind of object by its id with node, and all of them at once with nodes', async () => {
    expect(Object.keys(ids)).toHaveLength(8);
    expect(new Set(Object.values(ids)).size).toBe(8);
    for (const [typename, id] of Object.entries(ids)) {
      const response = await gateway.gql(NODE, { id }, { key: shop.apiKey });
      expect(response.body, typename).toEqual({ data: { node: { __typename: typename, id } } });
    }
    const all = await gateway.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids: Object.values(ids) },
      { key: shop.apiKey },
    );
    expect(all.body).toEqual({ data: { nodes: Object.entries(ids).map(([__typename, id]) => ({ __typename, id })) } });
  });

  it("answers null without an error for another account's objects and for ids that name nothing", async () => {
    for (const [typename, id] of Object.entries(ids)) {
      const response = await gateway.gql(NODE, { id }, { key: other.apiKey });
      expect(response.body, typename).toEqual({ data: { node: null } });
    }
    const strangers = [
      '',
      'garbage!',
      'evt_',
      Buffer.from('PageInfo:x').toString('base64'),
      Buffer.from('CheckoutSession:pi_x').toString('base64'),
    ];
    const response = await gateway.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: [...strangers, ids.CheckoutSession] },
      { key: other.apiKey },
    );
    expect(response.body).toEqual({ data: { nodes: [null, null, null, null, null, null] } });
    // The by-name look-ups keep their NOT_FOUND.
    const foreignEvent = await gateway.gql(
      `query($name: String!) { event(name: $name) { id } }`,
      { name: ids.CheckoutSessionEvent },
      { key: other.apiKey },
    );
    expect(errorCodes(foreignEvent)).toEqual(['NOT_FOUND']);
    // Without a key there is no account to look in.
    expect(errorCodes(await gateway.gql(NODE, { id: ids.CheckoutSession }, { key: null }))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it("keeps an event's id its evt_ id, the one webhooks carry and `after` resumes from", async () => {
    expect(ids.CheckoutSessionEvent).toMatch(/^evt_[A-Za-z0-9]+$/);
    await eventually(
      () => receiver.requests.length > 0 || undefined,
      () => 'the webhook',
    );
    expect(JSON.parse(receiver.requests[0]!.body).id).toBe(ids.CheckoutSessionEvent);
  });

  it('refuses more than 100 ids in one nodes call', async () => {
    const response = await gateway.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: Array(101).fill(ids.Account) },
      { key: shop.apiKey },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('event snapshots', () => {
  it('give the session as it was under an id of their own, and the live session under its id', async () => {
    const session = await createSession(gateway, shop.apiKey);
    await gateway.ok(
      `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`,
      { name: session.name },
      { key: shop.apiKey },
    );
    const data = await gateway.ok(
      `query($name: String!) { events(first: 5, filter: { checkoutSession: $name }) { edges { node {
        type checkoutSession { id state url } checkoutSessionSnapshot { id name state url paymentIntent { id state } }
      } } } }`,
      { name: session.name },
      { key: shop.apiKey },
    );
    const [expired, created] = data.events.edges.map((edge: any) => edge.node);
    expect(created.type).toBe('checkout_session.created');
    expect(created.checkoutSession).toEqual({ id: session.id, state: 'EXPIRED', url: null });
    expect(created.checkoutSessionSnapshot).toEqual({
      id: expect.any(String),
      name: session.name,
      state: 'OPEN',
      url: session.url,
      paymentIntent: { id: session.paymentIntent.id, state: 'CANCELED' },
    });
    expect(expired.checkoutSessionSnapshot.state).toBe('EXPIRED');
    const snapshotIds = [created.checkoutSessionSnapshot.id, expired.checkoutSessionSnapshot.id];
    expect(new Set([...snapshotIds, session.id]).size).toBe(3);
    // A snapshot refetched by its id is still the session as it was.
    const refetched = await gateway.ok(
      `query($id: ID!) { node(id: $id) { ... on CheckoutSessionSnapshot { state } } }`,
      { id: snapshotIds[0] },
      { key: shop.apiKey },
    );
    expect(refetched.node).toEqual({ state: 'OPEN' });
  });

  it('resolve the live session afresh for each event a subscription delivers', async () => {
    const latest = await gateway.ok(`{ events(first: 1) { edges { node { id } } } }`, {}, { key: shop.apiKey });
    const feed = subscribeWs(
      gateway.url,
      shop.apiKey,
      `subscription($after: String) { events(after: $after) { type checkoutSession { state } checkoutSessionSnapshot { state } } }`,
      { after: latest.events.edges[0].node.id },
    );
    try {
      const session = await createSession(gateway, shop.apiKey);
      await feed.waitFor(1);
      await gateway.ok(
        `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`,
        { name: session.name },
        { key: shop.apiKey },
      );
      const [created, expired] = (await feed.waitFor(2)).map((item) => item.events);
      expect(created).toEqual({
        type: 'checkout_session.created',
        checkoutSession: { state: 'OPEN' },
        checkoutSessionSnapshot: { state: 'OPEN' },
      });
      // The session loaded for the first event is not handed out again for the second.
      expect(expired).toEqual({
        type: 'checkout_session.expired',
        checkoutSession: { state: 'EXPIRED' },
        checkoutSessionSnapshot: { state: 'EXPIRED' },
      });
    } finally {
      await feed.close();
    }
  });
});
