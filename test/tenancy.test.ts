import { describe, expect } from 'vitest';
import { ADMIN_KEY, createSession, errorCodes } from './testkit.js';
import { test as withShop } from './fixtures.js';

const test = withShop
  .extend('bob', { scope: 'file' }, ({ gateway }) => gateway.createAccount('Bob'))
  .extend('aliceSession', { scope: 'file' }, ({ gateway, shop }) =>
    createSession(gateway, shop.apiKey, { clientReferenceId: 'alice-order' }),
  );
test.override('shopName', 'Alice');
test.beforeAll(({ gateway }) => void gateway);

describe('tenancy', () => {
  test("shows another account's session to nobody but its owner, on every path", async ({
    gateway,
    shop: alice,
    bob,
    aliceSession,
  }) => {
    const missingName = `accounts/${bob.accountId}/checkout-sessions/cs_${'A'.repeat(24)}`;
    const reads = [
      [`query($n: String!) { checkoutSession(name: $n) { name } }`, { n: aliceSession.name }],
      [`query($n: String!) { paymentIntent(name: $n) { name } }`, { n: aliceSession.paymentIntent.name }],
      [`mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`, { n: aliceSession.name }],
    ] as const;
    for (const [query, variables] of reads) {
      const response = await gateway.gql(query, variables, { key: bob.apiKey });
      expect(errorCodes(response), query).toEqual(['NOT_FOUND']);
    }
    // Relay's convention for node: another account's object is null, as a missing one is, with no error.
    for (const id of [aliceSession.id, aliceSession.paymentIntent.id]) {
      const response = await gateway.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, { key: bob.apiKey });
      expect(response.body).toEqual({ data: { node: null } });
    }
    // The error for another account's session is the error for a session that does not exist.
    const foreign = await gateway.gql(
      `query($n: String!) { checkoutSession(name: $n) { name } }`,
      { n: aliceSession.name },
      { key: bob.apiKey },
    );
    const missing = await gateway.gql(
      `query($n: String!) { checkoutSession(name: $n) { name } }`,
      { n: missingName },
      { key: bob.apiKey },
    );
    expect(foreign.body).toEqual(missing.body);

    const list = await gateway.ok(
      `{ checkoutSessions(first: 100, filter: { clientReferenceId: "alice-order" }) { edges { node { id } } } }`,
      {},
      { key: bob.apiKey },
    );
    expect(list.checkoutSessions.edges).toEqual([]);

    // Alice still sees it, untouched by Bob's expire attempt.
    const mine = await gateway.ok(
      `query($id: ID!) { node(id: $id) { ... on CheckoutSession { name state } } }`,
      { id: aliceSession.id },
      { key: alice.apiKey },
    );
    expect(mine.node).toEqual({ name: aliceSession.name, state: 'OPEN' });
  });

  test('keeps the platform key out of account data and account keys out of createAccount', async ({
    gateway,
    shop: alice,
  }) => {
    expect(
      errorCodes(await gateway.gql(`{ checkoutSessions { edges { node { id } } } }`, {}, { key: ADMIN_KEY })),
    ).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(
        await gateway.gql(
          `mutation { createCheckoutSession(input: { amount: "1", currency: "GBP" }) { id } }`,
          {},
          { key: ADMIN_KEY },
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(
        await gateway.gql(
          `mutation { createAccount(input: { displayName: "X" }) { apiKey } }`,
          {},
          { key: alice.apiKey },
        ),
      ),
    ).toEqual(['FORBIDDEN']);
  });

  test('rejects missing, unknown and malformed keys as UNAUTHENTICATED', async ({ gateway, shop: alice }) => {
    const query = `{ account { name } }`;
    expect(errorCodes(await gateway.gql(query, {}, { key: null }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gateway.gql(query, {}, { key: `sk_${'x'.repeat(32)}` }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gateway.gql(query, {}, { headers: { authorization: `Bearer ${alice.apiKey}` } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect((await gateway.ok(query, {}, { key: alice.apiKey })).account.name).toBe(`accounts/${alice.accountId}`);
  });

  test('issues account keys with at least 128 random bits and session ids fit for bearer URLs', async ({ gateway }) => {
    const account = await gateway.createAccount('Keys');
    expect(account.apiKey).toMatch(/^sk_[0-9A-Za-z]{32}$/); // 32 base62 characters ≈ 190 bits
    const session = await createSession(gateway, account.apiKey);
    expect(session.name.split('/').pop()).toMatch(/^cs_[0-9A-Za-z]{24}$/); // ≈ 142 bits
  });

  test('reports malformed names as bad input with the argument path', async ({ gateway, shop: alice }) => {
    const response = await gateway.gql(`{ checkoutSession(name: "cs_123") { name } }`, {}, { key: alice.apiKey });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.issues).toEqual([{ path: ['name'], message: expect.any(String) }]);
  });

  test('answers null, without an error, for a node id that is not ours or not an id at all', async ({
    gateway,
    shop: alice,
  }) => {
    for (const id of ['bm9wZQ==', 'Q2hlY2tvdXRTZXNzaW9uOmNzX25vcGU=', 'garbage!', 'UGFnZUluZm86eA==', 'evt_nope', '']) {
      const response = await gateway.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, { key: alice.apiKey });
      expect(response.body, id).toEqual({ data: { node: null } });
    }
  });
});
