import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProcessor } from '../src/domain/payments/processor.js';
import { recordEvent } from '../src/domain/events/record.js';
import { sweepExpiredCheckoutSessions } from '../src/domain/checkout-sessions/lifecycle.js';
import { eventually, subscribeSse, subscribeWs, type Collected } from './events-kit.js';
import { createSession, errorCodes, startGateway, type Gateway } from './testkit.js';
import { graphql } from './__generated__/gql.js';

let gateway: Gateway;
let shop: { accountId: string; apiKey: string };
let other: { accountId: string; apiKey: string };
const open: Collected[] = [];

beforeAll(async () => {
  gateway = await startGateway();
  shop = await gateway.createAccount('Events shop');
  other = await gateway.createAccount('Other shop');
});
afterAll(async () => {
  await Promise.all(open.map((subscription) => subscription.close()));
  await gateway?.stop();
});

const EVENTS = `subscription($types: [EventType!], $name: String, $after: String) {
  events(types: $types, name: $name, after: $after) {
    id name type createTime checkoutSession { id name } checkoutSessionSnapshot { id name state paid url }
  }
}`;
const PAID = `subscription($name: String, $after: String) {
  checkoutSessionPaid(name: $name, after: $after) { id name type createTime checkoutSession { name state paid url paymentIntent { state } } }
}`;
const LIST = graphql(`query EventsList($first: Int, $after: String, $filter: EventFilter) {
  events(first: $first, after: $after, filter: $filter) { edges { node { id name type checkoutSession { name } } } pageInfo { hasNextPage endCursor } }
}`);
const EXPIRE = graphql(`mutation EventsExpire($name: String!) { expireCheckoutSession(name: $name) { state } }`);

function track<T extends Collected>(subscription: T): T {
  open.push(subscription);
  return subscription;
}

/** The account's events, oldest first, as the list query reports them. */
async function allEvents(key: string): Promise<{ id: string; type: string; checkoutSession: { name: string } }[]> {
  const nodes: any[] = [];
  let after: string | undefined;
  for (;;) {
    const data = await gateway.ok(LIST, { first: 100, after }, { key });
    nodes.push(...data.events.edges.map((edge: any) => edge.node));
    if (!data.events.pageInfo.hasNextPage) return nodes.reverse();
    after = data.events.pageInfo.endCursor ?? undefined;
  }
}

async function latestEventId(key: string): Promise<string> {
  const data = await gateway.ok(LIST, { first: 1 }, { key });
  return data.events.edges[0]!.node.id;
}

const summary = (event: any) => `${event.type} ${event.checkoutSession.name}`;

describe('subscriptions over graphql-ws', () => {
  it('refuses a connection without a valid API key', async () => {
    for (const key of [null, 'sk_not_a_real_key']) {
      const subscription = subscribeWs(gateway.url, key, EVENTS);
      await eventually(
        () => subscription.errors.length > 0 || undefined,
        () => 'the connection to be refused',
      );
      expect(subscription.items).toEqual([]);
      await subscription.close();
    }
  });

  it("goes live: every later event of the account arrives once, in commit order, and no other account's", async () => {
    const live = track(subscribeWs(gateway.url, shop.apiKey, EVENTS));
    // There is no "subscribed" acknowledgement in graphql-ws: create until the feed shows one.
    const warmUp: string[] = [];
    while (live.items.length === 0) {
      warmUp.push((await createSession(gateway, shop.apiKey)).name);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await live.waitFor(1);
    const firstSeen = live.items.length;

    await createSession(gateway, other.apiKey, { clientReferenceId: 'not yours' });
    const a = await createSession(gateway, shop.apiKey);
    const b = await createSession(gateway, shop.apiKey);
    await gateway.ok(EXPIRE, { name: a.name }, { key: shop.apiKey });
    const c = await createSession(gateway, shop.apiKey);

    const items = (await live.waitFor(firstSeen + 4)).map((item) => item.events);
    const later = items.slice(firstSeen);
    expect(later.map(summary)).toEqual([
      `checkout_session.created ${a.name}`,
      `checkout_session.created ${b.name}`,
      `checkout_session.expired ${a.name}`,
      `checkout_session.created ${c.name}`,
    ]);
    // Each event carries the session as it was then, under an id of its own, beside the live session.
    expect(later[2].checkoutSessionSnapshot).toMatchObject({ state: 'EXPIRED', paid: false, url: null });
    expect(later[0].checkoutSessionSnapshot).toMatchObject({
      name: a.name,
      state: 'OPEN',
      url: expect.stringContaining('/checkout?'),
    });
    expect(later[0].checkoutSession).toEqual({ id: a.id, name: a.name });
    expect(new Set(later.map((event) => event.checkoutSessionSnapshot.id)).size).toBe(4);
    expect(later.map((event) => event.checkoutSessionSnapshot.id)).not.toContain(a.id);
    expect(later[0].name).toBe(`accounts/${shop.accountId}/events/${later[0].id}`);
    expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    expect(items.every((item) => item.checkoutSession.name.startsWith(`accounts/${shop.accountId}/`))).toBe(true);
    await live.close();
  });

  it('reconnecting with `after` replays exactly what was committed meanwhile, then continues live', async () => {
    const start = await latestEventId(shop.apiKey);
    const first = track(subscribeWs(gateway.url, shop.apiKey, EVENTS, { after: start }));
    const s1 = await createSession(gateway, shop.apiKey);
    const [received] = await first.waitFor(1);
    expect(summary(received.events)).toBe(`checkout_session.created ${s1.name}`);
    await first.close();

    // While disconnected.
    const s2 = await createSession(gateway, shop.apiKey);
    await gateway.ok(EXPIRE, { name: s1.name }, { key: shop.apiKey });
    const s3 = await createSession(gateway, shop.apiKey);

    // Reconnect while more commits race with the replay.
    const second = track(subscribeWs(gateway.url, shop.apiKey, EVENTS, { after: received.events.id }));
    const racing = await Promise.all(Array.from({ length: 8 }, () => createSession(gateway, shop.apiKey)));
    const s4 = await createSession(gateway, shop.apiKey);

    const expected = (await allEvents(shop.apiKey)).map((event) => `${event.type} ${event.checkoutSession.name}`);
    const afterReceived = expected.slice(expected.indexOf(`checkout_session.created ${s1.name}`) + 1);
    expect(afterReceived).toHaveLength(3 + racing.length + 1);
    const items = await second.waitFor(afterReceived.length);
    expect(items.map((item) => summary(item.events))).toEqual(afterReceived);
    expect(afterReceived.slice(0, 3)).toEqual([
      `checkout_session.created ${s2.name}`,
      `checkout_session.expired ${s1.name}`,
      `checkout_session.created ${s3.name}`,
    ]);
    expect(afterReceived.at(-1)).toBe(`checkout_session.created ${s4.name}`);
    // Nothing more than that: no duplicate trails behind. A feed delivers in commit order, so a
    // later event arrives after anything trailing: it must be the very next item.
    const marker = await createSession(gateway, shop.apiKey);
    const withMarker = await second.waitFor(afterReceived.length + 1);
    expect(summary(withMarker[afterReceived.length].events)).toBe(`checkout_session.created ${marker.name}`);
    expect(second.items).toHaveLength(afterReceived.length + 1);
    await second.close();
  });

  it('narrows to types and to one session with `name`', async () => {
    const start = await latestEventId(shop.apiKey);
    const s1 = await createSession(gateway, shop.apiKey);
    const s2 = await createSession(gateway, shop.apiKey);
    const one = track(subscribeWs(gateway.url, shop.apiKey, EVENTS, { name: s1.name, after: start }));
    const expiredOnly = track(
      subscribeWs(gateway.url, shop.apiKey, EVENTS, { types: ['CHECKOUT_SESSION_EXPIRED'], after: start }),
    );
    await gateway.ok(EXPIRE, { name: s2.name }, { key: shop.apiKey });
    await gateway.ok(EXPIRE, { name: s1.name }, { key: shop.apiKey });

    expect((await one.waitFor(2)).map((item) => item.events.type)).toEqual([
      'checkout_session.created',
      'checkout_session.expired',
    ]);
    expect((await expiredOnly.waitFor(2)).map((item) => summary(item.events))).toEqual([
      `checkout_session.expired ${s2.name}`,
      `checkout_session.expired ${s1.name}`,
    ]);
    // Nothing else came in: s2's expiry was committed before s1's, so it would have arrived before
    // s1's; and an expiry committed later is the next item of the types-only feed.
    expect(one.items.map((item) => summary(item.events))).toEqual([
      `checkout_session.created ${s1.name}`,
      `checkout_session.expired ${s1.name}`,
    ]);
    const s3 = await createSession(gateway, shop.apiKey);
    await gateway.ok(EXPIRE, { name: s3.name }, { key: shop.apiKey });
    expect(summary((await expiredOnly.waitFor(3))[2].events)).toBe(`checkout_session.expired ${s3.name}`);
    expect(one.items).toHaveLength(2);
    expect(expiredOnly.items).toHaveLength(3);
  });

  it("rejects an unknown or malformed `after`, an unknown type, and another account's session", async () => {
    const otherSession = await createSession(gateway, other.apiKey);
    const cases: [string, Record<string, unknown>, string][] = [
      [EVENTS, { after: 'evt_0000000000000000000000' }, 'NOT_FOUND'],
      [PAID, { after: `accounts/${shop.accountId}/events/evt_0000000000000000000000` }, 'NOT_FOUND'],
      [EVENTS, { after: await latestEventId(other.apiKey) }, 'NOT_FOUND'],
      [EVENTS, { after: 'yesterday' }, 'BAD_USER_INPUT'],
      [EVENTS, { types: ['CHECKOUT_SESSION_CREATED', 'checkout_session.created'] }, 'BAD_USER_INPUT'],
      [PAID, { name: otherSession.name }, 'NOT_FOUND'],
      [PAID, { name: `accounts/${shop.accountId}/checkout-sessions/cs_0000000000000000000000` }, 'NOT_FOUND'],
    ];
    for (const [query, variables, code] of cases) {
      const subscription = subscribeWs(gateway.url, shop.apiKey, query, variables);
      await eventually(
        () => subscription.errors.length > 0 || undefined,
        () => `an error for ${JSON.stringify(variables)}`,
      );
      expect(
        subscription.errors[0].map((error: any) => error.extensions?.code),
        JSON.stringify(variables),
      ).toEqual([code]);
      await subscription.close();
    }
    // Untyped on purpose: the type is meant to be refused.
    const badType = await gateway.gql(String(LIST), { filter: { types: ['nope'] } }, { key: shop.apiKey });
    expect(badType.body.errors?.[0]?.extensions?.issues).toEqual([
      { path: ['filter', 'types', 0], message: expect.stringContaining('EventType') },
    ]);
  });

  it('publishes nothing for a change that rolled back', async () => {
    const start = await latestEventId(shop.apiKey);
    const feed = track(subscribeWs(gateway.url, shop.apiKey, EVENTS, { after: start }));
    const attempt = gateway.app.database.db.transaction(async (tx) => {
      await recordEvent(tx, {
        accountId: shop.accountId,
        type: 'checkout_session.created',
        checkoutSessionId: null,
        data: { checkout_session: { name: 'rolled back' } },
        createTime: new Date(),
      });
      throw new Error('roll back');
    });
    await expect(attempt).rejects.toThrow('roll back');
    const real = await createSession(gateway, shop.apiKey);
    const [first] = await feed.waitFor(1);
    expect(summary(first.events)).toBe(`checkout_session.created ${real.name}`);
    const names = (await allEvents(shop.apiKey)).map((event) => event.checkoutSession.name);
    expect(names).not.toContain('rolled back');
  });

  it("carries the expiry sweep's checkout_session.expired like any other event", async () => {
    const session = await createSession(gateway, shop.apiKey);
    const after = await latestEventId(shop.apiKey);
    const feed = track(subscribeWs(gateway.url, shop.apiKey, EVENTS, { types: ['CHECKOUT_SESSION_EXPIRED'], after }));
    // Let the session lapse (time travel in the database), then run the sweep as a worker would.
    await gateway.app.database.db.execute(
      sql`update checkout_session set expire_time = now() - interval '1 second' where id = ${session.name.split('/').pop()}`,
    );
    await sweepExpiredCheckoutSessions({
      db: gateway.app.database.db,
      publicUrl: gateway.url,
      paymentProcessor: sandboxProcessor,
    });
    const [event] = await feed.waitFor(1);
    expect(event.events).toMatchObject({
      type: 'checkout_session.expired',
      checkoutSessionSnapshot: { name: session.name, state: 'EXPIRED' },
    });
  });
});

describe('subscriptions over server-sent events', () => {
  it("replays after an event, then goes live, for the caller's account only", async () => {
    const start = await latestEventId(shop.apiKey);
    const s1 = await createSession(gateway, shop.apiKey);
    const feed = track(await subscribeSse(gateway.url, shop.apiKey, EVENTS, { after: start }));
    expect(feed.status).toBe(200);
    await createSession(gateway, other.apiKey);
    const s2 = await createSession(gateway, shop.apiKey);
    const items = await feed.waitFor(2);
    expect(items.map((item) => summary(item.events))).toEqual([
      `checkout_session.created ${s1.name}`,
      `checkout_session.created ${s2.name}`,
    ]);
    await feed.close();
  });

  it('reports an unknown `after` as NOT_FOUND', async () => {
    const feed = await subscribeSse(gateway.url, shop.apiKey, PAID, { after: 'evt_0000000000000000000000' });
    await eventually(
      () => feed.errors.length > 0 || undefined,
      () => 'an error',
    );
    expect(feed.errors[0].map((error: any) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    await feed.close();
  });
});

describe('checkoutSessionPaid', () => {
  it('delivers only paid events', async () => {
    const payments = await import('../src/domain/payments/pay.js');
    const deps = { db: gateway.app.database.db, publicUrl: gateway.url, paymentProcessor: sandboxProcessor };
    const waiting = await createSession(gateway, shop.apiKey);
    const elsewhere = await createSession(gateway, shop.apiKey);
    const after = await latestEventId(shop.apiKey);
    const mine = track(subscribeWs(gateway.url, shop.apiKey, PAID, { name: waiting.name, after }));
    const all = track(await subscribeSse(gateway.url, shop.apiKey, PAID, { after }));
    const card = { cardNumber: '4242 4242 4242 4242', expiry: '12/40', securityCode: '123', nameOnCard: 'A Customer' };

    const declined = await payments.payCheckoutSession(deps, waiting.name.split('/').pop()!, {
      ...card,
      cardNumber: '4000 0000 0000 0002',
    });
    expect(declined.outcome).toBe('declined');
    expect((await payments.payCheckoutSession(deps, elsewhere.name.split('/').pop()!, card)).outcome).toBe('succeeded');
    expect((await payments.payCheckoutSession(deps, waiting.name.split('/').pop()!, card)).outcome).toBe('succeeded');

    const [paid] = await mine.waitFor(1);
    expect(paid.checkoutSessionPaid).toMatchObject({
      type: 'checkout_session.paid',
      checkoutSession: {
        name: waiting.name,
        state: 'COMPLETE',
        paid: true,
        url: null,
        paymentIntent: { state: 'SUCCEEDED' },
      },
    });
    expect((await all.waitFor(2)).map((item) => item.checkoutSessionPaid.checkoutSession.name)).toEqual([
      elsewhere.name,
      waiting.name,
    ]);
    // elsewhere was paid before waiting: had its event come through the name filter, it would
    // have been the first item, ahead of waiting's.
    expect(mine.items).toHaveLength(1);
  });
});

describe('reading events', () => {
  it('lists newest first with filters, and reads one by name or id', async () => {
    const session = await createSession(gateway, shop.apiKey);
    await gateway.ok(EXPIRE, { name: session.name }, { key: shop.apiKey });
    const data = await gateway.ok(LIST, { first: 5, filter: { checkoutSession: session.name } }, { key: shop.apiKey });
    const nodes = data.events.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.type)).toEqual(['checkout_session.expired', 'checkout_session.created']);

    const READ = `query($name: String!) { event(name: $name) { id type checkoutSession { state } checkoutSessionSnapshot { state } } }`;
    const byName = await gateway.ok(READ, { name: nodes[1].name }, { key: shop.apiKey });
    expect(byName.event).toEqual({
      id: nodes[1].id,
      type: 'checkout_session.created',
      checkoutSession: { state: 'EXPIRED' },
      checkoutSessionSnapshot: { state: 'OPEN' },
    });
    expect((await gateway.ok(READ, { name: nodes[1].id }, { key: shop.apiKey })).event.id).toBe(nodes[1].id);
    expect(errorCodes(await gateway.gql(READ, { name: nodes[1].id }, { key: other.apiKey }))).toEqual(['NOT_FOUND']);

    const expiredOnly = await gateway.ok(
      LIST,
      { first: 100, filter: { types: ['CHECKOUT_SESSION_EXPIRED'] } },
      { key: shop.apiKey },
    );
    expect(expiredOnly.events.edges.every((edge: any) => edge.node.type === 'checkout_session.expired')).toBe(true);
    expect(errorCodes(await gateway.gql(LIST, { first: 101 }, { key: shop.apiKey }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('shutdown', () => {
  it('completes open subscriptions when the gateway stops', async () => {
    const separate = await startGateway();
    const account = await separate.createAccount('Stopping shop');
    const ws = subscribeWs(separate.url, account.apiKey, EVENTS);
    await eventually(
      async () => {
        await createSession(separate, account.apiKey);
        return ws.items.length > 0 || undefined;
      },
      () => 'the subscription to start',
    );
    const sse = await subscribeSse(separate.url, account.apiKey, EVENTS);
    await separate.stop();
    await eventually(
      () => (sse.completed && (ws.completed || ws.errors.length > 0)) || undefined,
      () => 'both streams to end',
    );
    await ws.close();
  });
});
