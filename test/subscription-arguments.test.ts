/**
 * Subscription arguments count however the client writes them: inline literals, variables of
 * any name, over graphql-ws and over server-sent events alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProcessor } from '../src/domain/payments/processor.js';
import { payCheckoutSession } from '../src/domain/payments/pay.js';
import { eventually, subscribeSse, subscribeWs, type Collected } from './events-kit.js';
import { createSession, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let shop: { accountId: string; apiKey: string };
const open: Collected[] = [];

beforeAll(async () => {
  gateway = await startGateway();
  shop = await gateway.createAccount('Argument shop');
  await createSession(gateway, shop.apiKey); // so that there is a latest event to start after
});
afterAll(async () => {
  await Promise.all(open.map((subscription) => subscription.close()));
  await gateway?.stop();
});

type Subscribe = (query: string, variables?: Record<string, unknown>) => Promise<Collected>;

const transports: [string, Subscribe][] = [
  ['graphql-ws', async (query, variables) => subscribeWs(gateway.url, shop.apiKey, query, variables)],
  ['server-sent events', (query, variables) => subscribeSse(gateway.url, shop.apiKey, query, variables)],
];

const CARD = { cardNumber: '4242 4242 4242 4242', expiry: '12/40', securityCode: '123', nameOnCard: 'A Customer' };
const EVENT_FIELDS = 'id type checkoutSession { name }';
const LATEST = `{ events(first: 1) { edges { node { id } } } }`;

async function latestEventId(): Promise<string> {
  return (await gateway.ok(LATEST, {}, { key: shop.apiKey })).events.edges[0].node.id;
}

async function pay(session: { name: string }) {
  const result = await payCheckoutSession(
    { db: gateway.app.database.db, publicUrl: gateway.url, paymentProcessor: sandboxProcessor },
    session.name.split('/').pop()!,
    CARD,
  );
  expect(result.outcome).toBe('succeeded');
}

async function expire(session: { name: string }) {
  await gateway.ok(
    `mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`,
    { n: session.name },
    { key: shop.apiKey },
  );
}

function track(subscription: Collected): Collected {
  open.push(subscription);
  return subscription;
}

/** The first error codes the subscription reports; fails if it delivers or hangs instead. */
async function firstErrorCodes(subscription: Collected): Promise<string[]> {
  await eventually(
    () => subscription.errors.length > 0 || subscription.items.length > 0 || undefined,
    () => 'an error',
    8_000,
  );
  expect(subscription.items).toEqual([]);
  const first = subscription.errors[0];
  return (Array.isArray(first) ? first : [first]).map((error: any) => error?.extensions?.code);
}

const summary = (event: any) => `${event.type} ${event.checkoutSession.name}`;

describe.each(transports)('subscription arguments over %s', (_transport, subscribe) => {
  it("an inline `name` delivers only that session's paid events", async () => {
    const start = await latestEventId();
    const target = await createSession(gateway, shop.apiKey);
    const other = await createSession(gateway, shop.apiKey);
    const feed = track(
      await subscribe(
        `subscription($after: String) { checkoutSessionPaid(name: "${target.name}", after: $after) { ${EVENT_FIELDS} } }`,
        { after: start },
      ),
    );
    await pay(other);
    await pay(target);
    const [paid] = await feed.waitFor(1, 8_000);
    expect(summary(paid.checkoutSessionPaid)).toBe(`checkout_session.paid ${target.name}`);
    // other was paid first: had the filter let it through, it would have been the first item.
    expect(feed.items).toHaveLength(1);
    await feed.close();
  });

  it('inline `types` filter the events', async () => {
    const start = await latestEventId();
    const session = await createSession(gateway, shop.apiKey);
    await expire(session);
    const feed = track(
      await subscribe(
        `subscription($after: String) { events(types: [CHECKOUT_SESSION_EXPIRED], after: $after) { ${EVENT_FIELDS} } }`,
        { after: start },
      ),
    );
    const later = await createSession(gateway, shop.apiKey);
    await expire(later);
    const items = await feed.waitFor(2, 8_000);
    expect(items.map((item) => summary(item.events))).toEqual([
      `checkout_session.expired ${session.name}`,
      `checkout_session.expired ${later.name}`,
    ]);
    // Nothing more: an expiry committed later is the very next item (a feed keeps commit order).
    const marker = await createSession(gateway, shop.apiKey);
    await expire(marker);
    expect(summary((await feed.waitFor(3, 8_000))[2].events)).toBe(`checkout_session.expired ${marker.name}`);
    expect(feed.items).toHaveLength(3);
    await feed.close();
  });

  it('an inline `after` replays what was committed after that event', async () => {
    const start = await latestEventId();
    const s1 = await createSession(gateway, shop.apiKey);
    const s2 = await createSession(gateway, shop.apiKey);
    const feed = track(await subscribe(`subscription { events(after: "${start}") { ${EVENT_FIELDS} } }`));
    const items = await feed.waitFor(2, 8_000);
    expect(items.map((item) => summary(item.events))).toEqual([
      `checkout_session.created ${s1.name}`,
      `checkout_session.created ${s2.name}`,
    ]);
    await feed.close();
  });

  it('variables named unlike the arguments are used', async () => {
    const start = await latestEventId();
    const target = await createSession(gateway, shop.apiKey);
    const other = await createSession(gateway, shop.apiKey);
    const feed = track(
      await subscribe(
        `subscription($s: String, $a: String) { checkoutSessionPaid(name: $s, after: $a) { ${EVENT_FIELDS} } }`,
        { s: target.name, a: start },
      ),
    );
    await pay(other);
    await pay(target);
    const [paid] = await feed.waitFor(1, 8_000);
    expect(summary(paid.checkoutSessionPaid)).toBe(`checkout_session.paid ${target.name}`);
    // other was paid first: had the filter let it through, it would have been the first item.
    expect(feed.items).toHaveLength(1);
    await feed.close();
  });

  it('an unknown inline `name` fails with NOT_FOUND instead of waiting', async () => {
    const unknown = `accounts/${shop.accountId}/checkout-sessions/cs_0000000000000000000000`;
    const feed = await subscribe(`subscription { checkoutSessionPaid(name: "${unknown}") { ${EVENT_FIELDS} } }`);
    expect(await firstErrorCodes(feed)).toEqual(['NOT_FOUND']);
    await feed.close();
  });

  it('an unknown inline `after` fails with NOT_FOUND', async () => {
    const feed = await subscribe(`subscription { events(after: "evt_0000000000000000000000") { ${EVENT_FIELDS} } }`);
    expect(await firstErrorCodes(feed)).toEqual(['NOT_FOUND']);
    await feed.close();
  });

  it("a variable named like another argument gives that argument's error, not an internal one", async () => {
    // $types is a String here, passed as `name`; $name is a list, passed as `types`.
    const asName = await subscribe(`subscription($types: String) { events(name: $types) { id } }`, {
      types: 'not a name',
    });
    expect(await firstErrorCodes(asName)).toEqual(['BAD_USER_INPUT']);
    await asName.close();
    const asTypes = await subscribe(`subscription($name: [EventType!]) { events(types: $name) { id } }`, {
      name: ['CHECKOUT_SESSION_NOPE'],
    });
    expect(await firstErrorCodes(asTypes)).toEqual(['BAD_USER_INPUT']);
    await asTypes.close();
  });
});
