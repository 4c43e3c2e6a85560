import { createClient, type Client } from 'graphql-sse';
import { describe, expect } from 'vitest';
import { eventually } from './events-kit.js';
import { createSession } from './testkit.js';
import { test as withShop } from './fixtures.js';

/** graphql-sse's protocol on /graphql/stream: single connection mode beside distinct connections. */

const EVENTS = 'subscription { events { type name } }';

const test = withShop
  .extend('other', { scope: 'file' }, ({ gateway }) => gateway.createAccount('Other shop'))
  /** Makes a graphql-sse client; the file's clients are disposed before its gateway stops. */
  .extend('client', { scope: 'file' }, ({ gateway }, { onCleanup }) => {
    const clients: Client[] = [];
    onCleanup(() => {
      for (const client of clients) client.dispose();
    });
    return (key: string | null, singleConnection: boolean): Client => {
      const made = createClient({
        url: `${gateway.url}/graphql/stream`,
        singleConnection,
        headers: key ? { authorization: `Api-Key ${key}` } : {},
        retryAttempts: 0,
      } as any) as Client;
      clients.push(made);
      return made;
    };
  })
  .extend(
    'endpoint',
    ({ gateway }) =>
      () =>
        `${gateway.url}/graphql/stream`,
  )
  .extend('reserve', ({ endpoint }) => async (key: string): Promise<string> => {
    const response = await fetch(endpoint(), { method: 'PUT', headers: { authorization: `Api-Key ${key}` } });
    expect(response.status).toBe(201);
    return response.text();
  });
test.override('shopName', 'SSE shop');
test.beforeAll(({ gateway }) => void gateway);

function collect(sse: Client, query: string, variables: Record<string, unknown> = {}) {
  const got = { items: [] as any[], errors: [] as any[], done: false };
  const dispose = sse.subscribe(
    { query, variables },
    {
      next: (value) => got.items.push(value),
      error: (error) => got.errors.push(error),
      complete: () => (got.done = true),
    },
  );
  return Object.assign(got, { dispose });
}

/** Several operations share one HTTP connection in single connection mode; distinct mode opens one per operation. */
describe.each([
  ['single connection mode', true],
  ['distinct connections mode', false],
])('%s', (_mode, singleConnection) => {
  test('streams the account’s events and answers queries', async ({ gateway, shop, other, client }) => {
    const sse = client(shop.apiKey, singleConnection);
    const events = collect(sse, EVENTS);
    const again = collect(sse, EVENTS);
    const query = collect(sse, '{ account { name } }');
    await eventually(
      () => query.done || undefined,
      () => `the query to complete: ${JSON.stringify(query)}`,
    );
    expect(query.items).toEqual([{ data: { account: { name: `accounts/${shop.accountId}` } } }]);
    // Subscriptions are live once the server has them; create until an event arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const session = await createSession(gateway, shop.apiKey);
    await eventually(
      () => (events.items.length > 0 && again.items.length > 0) || undefined,
      () => `events: ${JSON.stringify([events, again])}`,
    );
    expect(events.items[0]).toEqual({
      data: {
        events: {
          type: 'checkout_session.created',
          name: expect.stringContaining(`accounts/${shop.accountId}/events/`),
        },
      },
    });
    expect(events.errors).toEqual([]);
    // Another account's change never reaches this stream.
    await createSession(gateway, other.apiKey);
    await createSession(gateway, shop.apiKey);
    await eventually(
      () => events.items.length >= 2 || undefined,
      () => 'the second event',
    );
    expect(events.items.every((item) => item.data.events.name.startsWith(`accounts/${shop.accountId}/`))).toBe(true);
    expect(session.name).toMatch(/^accounts\//);
    events.dispose();
    again.dispose();
  });

  test('gives an operation without a valid key UNAUTHENTICATED', async ({ client }) => {
    const sse = client('sk_not_a_key', singleConnection);
    const query = collect(sse, '{ account { name } }');
    await eventually(
      () => query.errors.length > 0 || query.done || undefined,
      () => 'an answer',
    );
    // The stream (or its reservation) is refused with 401 before any operation runs.
    expect(query.items).toEqual([]);
    expect(query.errors[0]?.response?.status).toBe(401);
  });

  test('reports syntax errors and query limits as BAD_USER_INPUT', async ({ shop, client }) => {
    const sse = client(shop.apiKey, singleConnection);
    // A subscription held open, as a page would: in single connection mode the client otherwise
    // closes its stream between operations, and a refused one could race that close.
    const held = collect(sse, EVENTS);
    const deep = `{ checkoutSessions { edges { node { paymentIntent { checkoutSession { paymentIntent { checkoutSession {
      paymentIntent { checkoutSession { paymentIntent { checkoutSession { id } } } } } } } } } } } }`;
    for (const query of ['{ account { name', deep, '{ noSuchField }']) {
      const result = collect(sse, query);
      await eventually(
        () => result.errors.length > 0 || result.done || undefined,
        () => `an answer to ${query}`,
      );
      expect(result.errors, query).toEqual([]);
      expect(result.items, query).toEqual([
        {
          data: null,
          errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })],
        },
      ]);
      expect(JSON.stringify(result.items)).not.toMatch(/ at .*\.js/);
    }
    expect(held.errors).toEqual([]);
    held.dispose();
  });
});

describe('a reserved stream belongs to the account that reserved it', () => {
  test('refuses a reservation without a key', async ({ endpoint }) => {
    const response = await fetch(endpoint(), { method: 'PUT' });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test('does not let another account open the stream or post into it with the token', async ({
    shop,
    other,
    endpoint,
    reserve,
  }) => {
    const token = await reserve(shop.apiKey);
    const stream = await fetch(endpoint(), {
      headers: {
        accept: 'text/event-stream',
        'x-graphql-event-stream-token': token,
        authorization: `Api-Key ${other.apiKey}`,
      },
    });
    expect(stream.status).toBe(404);
    const withoutKey = await fetch(`${endpoint()}?token=${encodeURIComponent(token)}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(withoutKey.status).toBe(401);
    const post = await fetch(endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-graphql-event-stream-token': token,
        authorization: `Api-Key ${other.apiKey}`,
      },
      body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'one' } }),
    });
    expect(post.status).toBe(404);

    // Its owner can open it.
    const abort = new AbortController();
    const own = await fetch(endpoint(), {
      headers: {
        accept: 'text/event-stream',
        'x-graphql-event-stream-token': token,
        authorization: `Api-Key ${shop.apiKey}`,
      },
      signal: abort.signal,
    });
    expect(own.status).toBe(200);
    abort.abort();
  });
});
