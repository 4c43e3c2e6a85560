import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { errorCodes, startGateway, type Gateway } from './testkit.js';
import { test as withGateway } from './fixtures.js';

const test = withGateway
  /** graphql-http's audit of the GraphQL-over-HTTP spec: every MUST, SHOULD and MAY it checks. */
  .extend('audit', ({ gateway }) => async (headers: Record<string, string>) => {
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) =>
      fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers).entries()), ...headers } });
    const results = await Promise.all(serverAudits({ url: `${gateway.url}/graphql`, fetchFn }).map((one) => one.fn()));
    return results
      .filter((result) => result.status !== 'ok')
      .map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
  });
test.override('shopName', 'Spec shop');
test.beforeAll(({ gateway }) => void gateway);

describe('GraphQL over HTTP', () => {
  test("passes graphql-http's server audit with no warning, without a key", async ({ audit }) => {
    expect(await audit({})).toEqual([]);
  });

  test("passes graphql-http's server audit with no warning, with an account key", async ({
    shop: { apiKey: key },
    audit,
  }) => {
    expect(await audit({ authorization: `Api-Key ${key}` })).toEqual([]);
  });

  test('answers invalid JSON with 400 under both response media types', async ({ gateway, shop: { apiKey: key } }) => {
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, authorization: `Api-Key ${key}` },
        body: '{"query": "{ __typename }"',
      });
      expect(response.status, accept).toBe(400);
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

/** POSTs several operations in one body, as Apollo's BatchHttpLink does. */
async function batch(
  gatewayUrl: string,
  apiKey: string,
  operations: { query: string; variables?: Record<string, unknown>; operationName?: string }[],
) {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json,application/json;q=0.9',
      authorization: `Api-Key ${apiKey}`,
    },
    body: JSON.stringify(operations.map((operation) => ({ variables: {}, extensions: {}, ...operation }))),
  });
  return { status: response.status, body: await response.json() };
}

const deep = `{ checkoutSessions { edges { node { paymentIntent { checkoutSession { paymentIntent { checkoutSession {
  paymentIntent { checkoutSession { paymentIntent { checkoutSession { id } } } } } } } } } } } }`;

describe('batched requests', () => {
  test('answers an array of operations with an array of results, in order', async ({
    gateway,
    shop: { apiKey: key },
  }) => {
    const created = await batch(gateway.url, key, [
      { operationName: 'Account', query: 'query Account { account { name } }' },
      {
        operationName: 'Create',
        query:
          'mutation Create($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { name amount } }',
        variables: { input: { amount: '1234', currency: 'GBP' } },
      },
      {
        operationName: 'Count',
        query: 'query Count($n: Int) { checkoutSessions(first: $n) { edges { node { amount } } } }',
        variables: { n: 5 },
      },
    ]);
    expect(created.status).toBe(200);
    expect(created.body).toHaveLength(3);
    expect(created.body[0].data.account.name).toMatch(/^accounts\/acct_/);
    expect(created.body[1].data.createCheckoutSession.amount).toBe('1234');
    expect(created.body[2].data.checkoutSessions.edges.length).toBeGreaterThanOrEqual(0);
  });

  test('applies the query limits to each operation on its own', async ({ gateway, shop: { apiKey: key } }) => {
    const answer = await batch(gateway.url, key, [
      { query: '{ account { name } }' },
      { query: deep },
      { query: '{ account { displayName } }' },
    ]);
    expect(answer.body).toHaveLength(3);
    expect(answer.body[0].data.account.name).toMatch(/^accounts\//);
    expect(answer.body[1].data).toBeUndefined();
    expect(answer.body[1].errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.body[2].data.account.displayName).toBe('Spec shop');
  });

  test('authenticates each operation: a batch without a key gets UNAUTHENTICATED for each', async ({ gateway }) => {
    const answer = await batch(gateway.url, 'sk_not_a_key', [
      { query: '{ account { name } }' },
      { query: '{ account { name } }' },
    ]);
    expect(answer.body.map((one: any) => one.errors?.[0]?.extensions?.code)).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
    ]);
  });

  test('refuses more than ten operations in one request, running none', async ({ gateway, shop: { apiKey: key } }) => {
    const before = await gateway.ok('{ checkoutSessions(first: 100) { edges { node { name } } } }', {}, { key });
    const create = { query: 'mutation { createCheckoutSession(input: { amount: "1", currency: "GBP" }) { name } }' };
    const answer = await batch(
      gateway.url,
      key,
      Array.from({ length: 11 }, () => create),
    );
    expect(answer.status).toBe(413);
    expect(JSON.stringify(answer.body)).toMatch(/10/);
    const after = await gateway.ok('{ checkoutSessions(first: 100) { edges { node { name } } } }', {}, { key });
    expect(after.checkoutSessions.edges).toHaveLength(before.checkoutSessions.edges.length);
    expect(
      (
        await batch(
          gateway.url,
          key,
          Array.from({ length: 10 }, () => ({ query: '{ __typename }' })),
        )
      ).body,
    ).toHaveLength(10);
  });
});

describe('batched requests and the rate limit', () => {
  let limited: Gateway;
  let limitedKey: string;
  beforeAll(async () => {
    limited = await startGateway({ rateLimitPerSecond: 0.01, rateLimitBurst: 4 });
    ({ apiKey: limitedKey } = await limited.createAccount('Limited shop'));
  });
  afterAll(() => limited?.stop());

  test('charges every operation of a batch', async () => {
    const answer = await batch(
      limited.url,
      limitedKey,
      Array.from({ length: 6 }, () => ({ query: '{ account { name } }' })),
    );
    const codes = answer.body.map((one: any) => one.errors?.[0]?.extensions?.code ?? 'ok');
    expect(codes.filter((code: string) => code === 'ok')).toHaveLength(4);
    expect(codes.filter((code: string) => code === 'RATE_LIMITED')).toHaveLength(2);
    expect(errorCodes(await limited.gql('{ account { name } }', {}, { key: limitedKey }))).toEqual(['RATE_LIMITED']);
  });
});
