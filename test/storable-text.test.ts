/**
 * Text PostgreSQL cannot store — NUL, and lone UTF-16 surrogates (JSON's "\ud800") — in any
 * string a client sends is BAD_USER_INPUT / 400 with its path, on GraphQL and REST alike, and
 * writes nothing. (It used to reach a statement and fail with INTERNAL_SERVER_ERROR / 500.)
 */
import { connect } from 'node:net';
import { describe, expect } from 'vitest';
import { ADMIN_KEY, CREATE_SESSION, createSession, errorCodes } from './testkit.js';
import { test as withShop } from './fixtures.js';

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

const base64url = (text: string) => Buffer.from(text).toString('base64url');

const test = withShop
  .extend(
    'sessionName',
    { scope: 'file' },
    async ({ gateway, shop }) => (await createSession(gateway, shop.apiKey)).name,
  )
  .extend('endpointName', { scope: 'file' }, async ({ gateway, shop }) => {
    const created = await gateway.ok(
      `mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/hooks", }) { webhookEndpoint { name } } }`,
      {},
      { key: shop.apiKey },
    );
    return created.createWebhookEndpoint.webhookEndpoint.name as string;
  })
  .extend(
    'expectBadInput',
    ({ gateway, shop }) =>
      async (
        query: string,
        variables: Record<string, unknown>,
        path: (string | number)[],
        options: { key?: string } = {},
      ) => {
        const response = await gateway.gql(query, variables, { key: options.key ?? shop.apiKey });
        expect(errorCodes(response), JSON.stringify(response.body)).toEqual(['BAD_USER_INPUT']);
        expect(response.body.errors![0]!.extensions!.issues).toContainEqual({ path, message: expect.any(String) });
      },
  )
  .extend('countSessions', ({ gateway, shop }) => async (): Promise<number> => {
    let count = 0;
    let after: string | null = null;
    for (;;) {
      const data: any = await gateway.ok(
        `query($after: String) { checkoutSessions(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after },
        { key: shop.apiKey },
      );
      count += data.checkoutSessions.edges.length;
      if (!data.checkoutSessions.pageInfo.hasNextPage) return count;
      after = data.checkoutSessions.pageInfo.endCursor;
    }
  })
  .extend(
    'sessions',
    ({ shop }) =>
      () =>
        `/v1/accounts/${shop.accountId}/checkout-sessions`,
  )
  .extend(
    'rest',
    ({ gateway, shop }) =>
      async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
        const response = await fetch(`${gateway.url}${path}`, {
          method,
          headers: {
            authorization: `Api-Key ${shop.apiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body,
        });
        return { status: response.status, body: (await response.json()) as any };
      },
  )
  /** A raw HTTP/1.1 request: fetch refuses to send a NUL in a header, a client of ours might not. */
  .extend('rawRequest', ({ gateway }) => (head: string, body: string): Promise<string> => {
    const { port } = new URL(gateway.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.end(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
test.override('shopName', 'Text shop');
test.beforeAll(({ gateway }) => void gateway);

describe('GraphQL', () => {
  const create = (input: Record<string, unknown>) => ({ input: { amount: '10000', currency: 'GBP', ...input } });

  test.for([
    ['NUL', NUL],
    ['a lone surrogate', LONE],
  ] as const)(
    'refuses %s in every field of createCheckoutSession, each at its path, and writes nothing',
    async ([_label, bad], { expectBadInput, countSessions }) => {
      const before = await countSessions();
      for (const [input, path] of [
        [{ clientReferenceId: bad }, ['input', 'clientReferenceId']],
        [{ metadata: { [bad]: 'v' } }, ['input', 'metadata', bad]],
        [{ metadata: { k: bad } }, ['input', 'metadata', 'k']],
        [{ successUrl: `https://shop.example/${bad}` }, ['input', 'successUrl']],
        [{ cancelUrl: `https://shop.example/?q=${bad}` }, ['input', 'cancelUrl']],
        [{ idempotencyKey: bad }, ['input', 'idempotencyKey']],
        [{ currency: bad }, ['input', 'currency']],
      ] as const) {
        // Untyped on purpose: the input is meant to be refused.
        await expectBadInput(String(CREATE_SESSION), create(input), [...path]);
      }
      expect(await countSessions()).toBe(before);
    },
  );

  test('refuses NUL written inline in the document, with its path', async ({ expectBadInput }) => {
    await expectBadInput(
      `mutation { createCheckoutSession(input: { amount: "1", currency: "GBP", metadata: { k: "a\\u0000b" } }) { id } }`,
      {},
      ['input', 'metadata', 'k'],
    );
    await expectBadInput(`{ checkoutSessions(filter: { clientReferenceId: "\\u0000" }) { edges { cursor } } }`, {}, [
      'filter',
      'clientReferenceId',
    ]);
  });

  test.for([
    ['NUL', NUL],
    ['a lone surrogate', LONE],
  ] as const)(
    'refuses %s in webhook endpoints, account names and list filters',
    async ([_label, bad], { endpointName, expectBadInput }) => {
      const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`;
      await expectBadInput(CREATE_ENDPOINT, { input: { url: `http://127.0.0.1:9/${bad}` } }, ['input', 'url']);
      await expectBadInput(CREATE_ENDPOINT, { input: { url: 'http://127.0.0.1:9/x', description: bad } }, [
        'input',
        'description',
      ]);
      await expectBadInput(
        `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { description } } }`,
        { input: { name: endpointName, description: bad } },
        ['input', 'description'],
      );
      await expectBadInput(
        `mutation($input: CreateAccountInput!) { createAccount(input: $input) { apiKey } }`,
        { input: { displayName: bad } },
        ['input', 'displayName'],
        { key: ADMIN_KEY },
      );
      await expectBadInput(
        `query($c: String) { checkoutSessions(filter: { clientReferenceId: $c }) { edges { cursor } } }`,
        { c: bad },
        ['filter', 'clientReferenceId'],
      );
      await expectBadInput(
        `query($name: String!, $event: String) { webhookEndpoint(name: $name) { deliveries(filter: { event: $event }) { edges { cursor } } } }`,
        { name: endpointName, event: `evt_${bad}` },
        ['filter', 'event'],
      );
    },
  );

  test.for([
    ['NUL', NUL],
    ['a lone surrogate', LONE],
  ] as const)(
    'refuses %s in resource names and ids',
    async ([_label, bad], { sessionName, endpointName, expectBadInput }) => {
      const name = `${sessionName}${bad}`;
      await expectBadInput(`query($name: String!) { checkoutSession(name: $name) { id } }`, { name }, ['name']);
      await expectBadInput(`mutation($name: String!) { expireCheckoutSession(name: $name) { id } }`, { name }, [
        'name',
      ]);
      await expectBadInput(`query($name: String!) { paymentIntent(name: $name) { id } }`, { name }, ['name']);
      await expectBadInput(`query($name: String!) { event(name: $name) { id } }`, { name: `evt_${bad}` }, ['name']);
      await expectBadInput(
        `query($name: String!) { webhookEndpoint(name: $name) { name } }`,
        { name: `${endpointName}${bad}` },
        ['name'],
      );
      await expectBadInput(`query($id: ID!) { node(id: $id) { id } }`, { id: bad }, ['id']);
    },
  );

  test('refuses a global id or cursor that decodes to text the database cannot store', async ({
    gateway,
    shop,
    expectBadInput,
  }) => {
    // A global id is opaque: one that decodes to no id of ours names nothing, and node answers
    // null without an error (Relay's convention), not a failed statement.
    const node = await gateway.gql(
      `query($id: ID!) { node(id: $id) { id } }`,
      { id: Buffer.from('CheckoutSession:cs_a\u0000b').toString('base64') },
      { key: shop.apiKey },
    );
    expect(node.status).toBe(200);
    expect(node.body).toEqual({ data: { node: null } });
    const cursor = base64url(`2026-01-01T00:00:00.000Z|cs_a\u0000b`);
    await expectBadInput(
      `query($after: String) { checkoutSessions(after: $after) { edges { cursor } } }`,
      { after: cursor },
      ['after'],
    );
    await expectBadInput(
      `query($before: String) { webhookEndpoints(last: 1, before: $before) { edges { cursor } } }`,
      { before: cursor },
      ['before'],
    );
    await expectBadInput(
      `query($after: String) { checkoutSessions(after: $after) { edges { cursor } } }`,
      { after: NUL },
      ['after'],
    );
  });

  test('refuses an event cursor whose number does not fit a bigint', async ({ gateway, shop, expectBadInput }) => {
    const query = `query($after: String) { events(first: 1, after: $after) { edges { cursor } } }`;
    await expectBadInput(query, { after: base64url('evt|9999999999999999999') }, ['after']);
    // The largest bigint is a position like any other.
    await gateway.ok(query, { after: base64url('evt|9223372036854775807') }, { key: shop.apiKey });
  });
});

describe('REST', () => {
  async function expect400(response: { status: number; body: any }, path: (string | number)[]) {
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe('BAD_USER_INPUT');
    expect(response.body.error.details).toContainEqual({ path, message: expect.any(String) });
  }

  test("refuses NUL and lone surrogates anywhere in a body, with the path in the body's own names", async ({
    sessions,
    rest,
  }) => {
    // Written as JSON text: "\ud800" is how a lone surrogate reaches a server.
    for (const [fields, path] of [
      ['"client_reference_id": "a\\u0000b"', ['client_reference_id']],
      ['"client_reference_id": "a\\ud800b"', ['client_reference_id']],
      ['"metadata": { "a\\u0000b": "v" }', ['metadata', 'a\u0000b']],
      ['"metadata": { "k": "\\udc00" }', ['metadata', 'k']],
      ['"success_url": "https://shop.example/\\u0000"', ['success_url']],
      ['"cancel_url": "https://shop.example/\\ud83d"', ['cancel_url']],
    ] as const) {
      await expect400(await rest('POST', sessions(), `{ "amount": "100", "currency": "GBP", ${fields} }`), [...path]);
    }
    const list = await rest('GET', `${sessions()}?page_size=100`);
    expect(list.body.checkout_sessions.filter((s: any) => s.amount === '100')).toEqual([]);
  });

  test('refuses NUL in query parameters, page tokens and path segments', async ({ shop, sessions, rest }) => {
    await expect400(await rest('GET', `${sessions()}?client_reference_id=a%00b`), ['client_reference_id']);
    const token = base64url(JSON.stringify(['2026-01-01T00:00:00.000Z', 'cs_abc', null, 'a\u0000b']));
    await expect400(await rest('GET', `${sessions()}?page_token=${token}`), ['page_token']);
    await expect400(await rest('GET', `${sessions()}/cs_a%00b`), ['checkout_session']);
    await expect400(await rest('POST', `${sessions()}/cs_a%00b:expire`), ['checkout_session']);
    await expect400(await rest('GET', `/v1/accounts/${shop.accountId}%00/checkout-sessions`), ['account']);
  });
});

describe('headers', () => {
  test('an Idempotency-Key with a NUL is refused (400) before it reaches anything, on GraphQL and REST', async ({
    shop,
    rawRequest,
  }) => {
    const graphql = JSON.stringify({
      query: `mutation { createCheckoutSession(input: { amount: "1", currency: "GBP" }) { id } }`,
    });
    const rest = JSON.stringify({ amount: '1', currency: 'GBP' });
    for (const [path, body] of [
      ['/graphql', graphql],
      [`/v1/accounts/${shop.accountId}/checkout-sessions`, rest],
    ] as const) {
      const answer = await rawRequest(
        `POST ${path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Api-Key ${shop.apiKey}\r\ncontent-type: application/json\r\nidempotency-key: a\u0000b`,
        body,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
  });
});
