import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { checkoutSessionTable, eventTable } from '../src/db/schema.js';
import { openForm, submitCard } from './browser.js';
import { createSession, errorCodes } from './testkit.js';
import { test as withGateway } from './fixtures.js';
import { graphql } from './__generated__/gql.js';

const idOf = (name: string) => name.split('/').pop()!;

const LIST = graphql(`query ListingSessions($first: Int, $after: String, $filter: CheckoutSessionFilter) {
  checkoutSessions(first: $first, after: $after, filter: $filter) {
    edges { cursor node { name state clientReferenceId paymentIntent { state } } }
    pageInfo { hasNextPage endCursor }
  }
}`);

const test = withGateway
  /** Moves a session's expiry into the past, as if its 24 hours had gone by. */
  .extend('lapse', ({ gateway }) => async (name: string) => {
    await gateway.app.database.db
      .update(checkoutSessionTable)
      .set({ expireTime: new Date(Date.now() - 1000) })
      .where(eq(checkoutSessionTable.id, idOf(name)));
  })
  .extend('eventsOf', ({ gateway }) => async (name: string) => {
    return gateway.app.database.db
      .select({ type: eventTable.type })
      .from(eventTable)
      .where(eq(eventTable.checkoutSessionId, idOf(name)))
      .orderBy(eventTable.sequence);
  });
test.override('shopName', 'Listing shop');
test.beforeAll(({ gateway }) => void gateway);

describe('checkoutSessions', () => {
  test('pages newest first without gaps or repeats, and filters by state and reference', async ({
    gateway,
    shop: { apiKey: key },
  }) => {
    const created: string[] = [];
    for (let i = 0; i < 23; i += 1)
      created.push((await createSession(gateway, key, { clientReferenceId: i % 2 ? 'odd' : 'even' })).name);
    const expected = [...created].reverse();

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const data = await gateway.ok(LIST, { first: 10, after }, { key });
      seen.push(...data.checkoutSessions.edges.map((edge: any) => edge.node.name));
      pages += 1;
      if (!data.checkoutSessions.pageInfo.hasNextPage) break;
      after = data.checkoutSessions.pageInfo.endCursor ?? undefined;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);

    // Every edge's cursor is a place to continue from, and the last one is the page's endCursor.
    const firstPage = (await gateway.ok(LIST, { first: 10 }, { key })).checkoutSessions;
    expect(firstPage.edges.at(-1)!.cursor).toBe(firstPage.pageInfo.endCursor);
    const fromMiddle = await gateway.ok(LIST, { first: 3, after: firstPage.edges[4]!.cursor }, { key });
    expect(fromMiddle.checkoutSessions.edges.map((edge: any) => edge.node.name)).toEqual(expected.slice(5, 8));

    // Backwards from the end: last/before gives the same sessions in the same order.
    const BACK = `query($last: Int, $before: String, $filter: CheckoutSessionFilter) {
      checkoutSessions(last: $last, before: $before, filter: $filter) {
        edges { node { name } }
        pageInfo { hasPreviousPage startCursor }
      }
    }`;
    const backwards: string[][] = [];
    let before: string | undefined;
    for (;;) {
      const data = await gateway.ok(BACK, { last: 10, before }, { key });
      backwards.unshift(data.checkoutSessions.edges.map((edge: any) => edge.node.name));
      if (!data.checkoutSessions.pageInfo.hasPreviousPage) break;
      before = data.checkoutSessions.pageInfo.startCursor;
    }
    expect(backwards.map((page) => page.length)).toEqual([3, 10, 10]);
    expect(backwards.flat()).toEqual(expected);
    const lastOdd = await gateway.ok(BACK, { last: 3, filter: { clientReferenceId: 'odd' } }, { key });
    expect(lastOdd.checkoutSessions.edges.map((edge: any) => edge.node.name)).toEqual(
      expected.filter((name) => created.indexOf(name) % 2 === 1).slice(-3),
    );

    const odd = await gateway.ok(LIST, { first: 100, filter: { clientReferenceId: 'odd' } }, { key });
    expect(odd.checkoutSessions.edges.map((edge: any) => edge.node.name)).toEqual(
      expected.filter((name) => created.indexOf(name) % 2 === 1),
    );

    await gateway.ok(`mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`, { n: created[0] }, { key });
    const expired = await gateway.ok(
      LIST,
      { first: 100, filter: { state: 'EXPIRED', clientReferenceId: 'even' } },
      { key },
    );
    expect(expired.checkoutSessions.edges.map((edge: any) => edge.node.name)).toEqual([created[0]]);
    const open = await gateway.ok(LIST, { first: 100, filter: { state: 'OPEN' } }, { key });
    expect(open.checkoutSessions.edges).toHaveLength(22);
  });

  test('lists every field of a session and its payment intent as a read by name shows it', async ({
    gateway,
    lapse,
  }) => {
    const { apiKey } = await gateway.createAccount('Field shop');
    const metadata = JSON.parse('{"order": "7", "note \\"quoted\\"": "ünïcode ✓", "__proto__": "kept"}');
    const paid = await createSession(gateway, apiKey, {
      amount: '123456789012',
      currency: 'JPY',
      clientReferenceId: 'order-7',
      successUrl: 'https://shop.example/ok',
      cancelUrl: 'https://shop.example/back',
      metadata,
    });
    await submitCard(paid.url, await openForm(paid.url));
    const lapsed = await createSession(gateway, apiKey);
    await lapse(lapsed.name);
    await createSession(gateway, apiKey);

    const fields = `name id state paid amount currency formattedAmount clientReferenceId successUrl cancelUrl metadata url createTime updateTime expireTime
      paymentIntent { name id state amount currency cardBrand cardLast4 createTime updateTime lastPaymentError { code } }`;
    const listed = (
      await gateway.ok(`{ checkoutSessions(first: 10) { edges { node { ${fields} } } } }`, {}, { key: apiKey })
    ).checkoutSessions.edges.map((edge: any) => edge.node);
    expect(listed).toHaveLength(3);
    for (const node of listed) {
      const read = await gateway.ok(
        `query($name: String!) { checkoutSession(name: $name) { ${fields} } }`,
        { name: node.name },
        { key: apiKey },
      );
      expect(node).toEqual(read.checkoutSession);
    }
    const [, expired, complete] = listed;
    expect(complete).toMatchObject({
      state: 'COMPLETE',
      amount: '123456789012',
      paymentIntent: { state: 'SUCCEEDED', cardLast4: '4242' },
    });
    expect(complete.metadata).toEqual(metadata);
    expect(Object.keys(complete.metadata)).toContain('__proto__');
    expect(expired).toMatchObject({ state: 'EXPIRED', paymentIntent: { state: 'CANCELED' } });
  });

  test('caps a page at 100 and rejects a cursor it did not issue', async ({ gateway, shop: { apiKey: key } }) => {
    const response = await gateway.gql(LIST, { first: 101 }, { key });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.issues).toEqual([{ path: ['first'], message: expect.any(String) }]);
    expect(errorCodes(await gateway.gql(LIST, { first: -1 }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gateway.gql(LIST, { first: 5, after: 'not-a-cursor' }, { key }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    // A forged cursor at a time PostgreSQL cannot hold is the caller's mistake, not a server error.
    const farFuture = Buffer.from(`+275760-09-13T00:00:00.000Z|cs_${'x'.repeat(24)}`).toString('base64url');
    const forged = await gateway.gql(LIST, { first: 5, after: farFuture }, { key });
    expect(errorCodes(forged)).toEqual(['BAD_USER_INPUT']);
    expect(forged.body.errors![0]!.extensions!.issues).toEqual([{ path: ['after'], message: expect.any(String) }]);
  });

  test('lists 100 sessions with their payment intents in a fixed, small number of statements', async ({ gateway }) => {
    const other = await gateway.createAccount('Busy shop');
    await Promise.all(Array.from({ length: 100 }, () => createSession(gateway, other.apiKey)));
    await gateway.ok(`{ account { name } }`, {}, { key: other.apiKey }); // warm the key cache
    const before = gateway.app.database.statementCount();
    const data = await gateway.ok(LIST, { first: 100 }, { key: other.apiKey });
    const statements = gateway.app.database.statementCount() - before;
    expect(data.checkoutSessions.edges).toHaveLength(100);
    expect(
      data.checkoutSessions.edges.every((edge: any) => edge.node.paymentIntent.state === 'REQUIRES_PAYMENT_METHOD'),
    ).toBe(true);
    // The page and its payment intents in one joined statement; never one per session.
    expect(statements).toBe(1);
  });
});

describe('expiry', () => {
  test('reads a lapsed OPEN session as EXPIRED everywhere before any sweep, then persists it once', async ({
    gateway,
    shop: { apiKey: key },
    lapse,
    eventsOf,
  }) => {
    const session = await createSession(gateway, key, { clientReferenceId: 'lapsed' });
    await lapse(session.name);
    const read = await gateway.ok(
      `query($n: String!) { checkoutSession(name: $n) { state url paid paymentIntent { state } } }`,
      { n: session.name },
      { key },
    );
    expect(read.checkoutSession).toEqual({
      state: 'EXPIRED',
      url: null,
      paid: false,
      paymentIntent: { state: 'CANCELED' },
    });
    const byNode = await gateway.ok(
      `query($id: ID!) { node(id: $id) { ... on CheckoutSession { state } } }`,
      { id: session.id },
      { key },
    );
    expect(byNode.node.state).toBe('EXPIRED');
    const TIMES = `query($n: String!) { checkoutSession(name: $n) { updateTime paymentIntent { updateTime } } }`;
    const timesBefore = (await gateway.ok(TIMES, { n: session.name }, { key })).checkoutSession;
    const open = await gateway.ok(
      LIST,
      { first: 100, filter: { state: 'OPEN', clientReferenceId: 'lapsed' } },
      { key },
    );
    expect(open.checkoutSessions.edges).toEqual([]);
    const expired = await gateway.ok(
      LIST,
      { first: 100, filter: { state: 'EXPIRED', clientReferenceId: 'lapsed' } },
      { key },
    );
    expect(expired.checkoutSessions.edges.map((edge: any) => edge.node)).toEqual([
      { name: session.name, state: 'EXPIRED', clientReferenceId: 'lapsed', paymentIntent: { state: 'CANCELED' } },
    ]);

    const expire = `mutation($n: String!) { expireCheckoutSession(name: $n) { state paymentIntent { state } } }`;
    expect((await gateway.ok(expire, { n: session.name }, { key })).expireCheckoutSession).toEqual({
      state: 'EXPIRED',
      paymentIntent: { state: 'CANCELED' },
    });
    await gateway.ok(expire, { n: session.name }, { key });
    // Persisting the lapse moves no timestamp a client has already read.
    expect((await gateway.ok(TIMES, { n: session.name }, { key })).checkoutSession).toEqual(timesBefore);
    expect((await eventsOf(session.name)).map((event) => event.type)).toEqual([
      'checkout_session.created',
      'checkout_session.expired',
    ]);
  });

  test("writes each change's event in the same transaction as the change", async ({
    gateway,
    shop: { apiKey: key },
    eventsOf,
  }) => {
    const session = await createSession(gateway, key);
    expect((await eventsOf(session.name)).map((event) => event.type)).toEqual(['checkout_session.created']);
    await gateway.ok(
      `mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`,
      { n: session.name },
      { key },
    );
    expect((await eventsOf(session.name)).map((event) => event.type)).toEqual([
      'checkout_session.created',
      'checkout_session.expired',
    ]);
  });
});
