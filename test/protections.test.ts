import { createClient } from 'graphql-ws';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import { errorCodes, startGateway } from './testkit.js';
import { test as withGateway } from './fixtures.js';

const deep = `{ checkoutSessions { edges { node { paymentIntent { checkoutSession { paymentIntent { checkoutSession {
  paymentIntent { checkoutSession { paymentIntent { checkoutSession { id } } } } } } } } } } } }`;
const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: account { name }`).join(' ')} }`;

const test = withGateway.extend(
  'overWebSocket',
  ({ gateway, shop }) =>
    async (query: string): Promise<{ data?: unknown; errors?: unknown[] }> => {
      const client = createClient({
        url: `${gateway.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { Authorization: `Api-Key ${shop.apiKey}` },
        retryAttempts: 0,
      });
      try {
        return await new Promise((resolve, reject) => {
          let result: any;
          client.subscribe(
            { query },
            {
              next: (value) => (result = value),
              error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
              complete: () => resolve(result),
            },
          );
        });
      } finally {
        await client.dispose();
      }
    },
);
test.override('shopName', 'Protected shop');
test.beforeAll(({ gateway }) => void gateway);

describe('query limits', () => {
  test('refuses over-deep queries and alias floods over HTTP', async ({ gateway, shop: { apiKey: key } }) => {
    for (const query of [deep, aliases]) {
      const response = await gateway.gql(query, {}, { key });
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors?.length, JSON.stringify(response.body)).toBeGreaterThan(0);
    }
    expect(errorCodes(await gateway.gql(`{ a0: account { name } a1: account { name } }`, {}, { key }))).toEqual([]);
  });

  test('applies the same limits over graphql-ws, where ordinary queries work', async ({ overWebSocket }) => {
    const fine = await overWebSocket(`{ account { name } }`);
    expect(fine.data).toEqual({ account: { name: expect.stringMatching(/^accounts\/acct_/) } });
    for (const query of [deep, aliases]) {
      const result = await overWebSocket(query);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.length).toBeGreaterThan(0);
    }
  });

  test('closes a WebSocket without a valid key at connection_init (4403) instead of keeping it open', async ({
    gateway,
  }) => {
    const client = createClient({
      url: `${gateway.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: 'Api-Key sk_wrong' },
      retryAttempts: 0,
    });
    const closed = await new Promise<any>((resolve) => {
      client.subscribe(
        { query: '{ account { name } }' },
        { next: () => resolve('answered'), error: resolve, complete: () => resolve('completed') },
      );
    });
    await client.dispose();
    expect(closed.code).toBe(4403);
  });
});

describe("errors raised before execution carry the contract's code", () => {
  test('codes query-limit, syntax, validation and variable errors as BAD_USER_INPUT with a path', async ({
    gateway,
    shop: { apiKey: key },
  }) => {
    for (const query of [deep, aliases, '{ account { name }', '{ account { nope } }']) {
      const response = await gateway.gql(query, {}, { key });
      expect(errorCodes(response), query).toEqual(['BAD_USER_INPUT']);
    }
    const wrongType = await gateway.gql(
      `mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { name } }`,
      { i: { amount: 100, currency: 'GBP' } },
      { key },
    );
    expect(errorCodes(wrongType)).toEqual(['BAD_USER_INPUT']);
    expect(wrongType.body.errors![0]!.extensions!.issues[0].path).toEqual(['i', 'amount']);
    const missing = await gateway.gql(
      `mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { name } }`,
      {},
      { key },
    );
    expect(errorCodes(missing)).toEqual(['BAD_USER_INPUT']);
    expect(missing.body.errors![0]!.extensions!.issues[0].path).toEqual(['i']);
  });

  test('refuses an unreadable body without revealing the parser, and an over-large one before reading it', async ({
    gateway,
    shop: { apiKey: key },
  }) => {
    const broken = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
      body: '{"query":',
    });
    const body = (await broken.json()) as any;
    expect(body.errors.map((error: any) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(body)).not.toMatch(/originalError|SyntaxError/);
    const huge = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
      body: JSON.stringify({ query: '{ account { name } }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');

    // A chunked body has no length to check up front: refused, however small or large.
    const chunks = [
      JSON.stringify({ query: '{ account { name } }', variables: { pad: '' } }).slice(0, -2),
      'x'.repeat(64 * 1024),
      '"}}',
    ];
    const chunked = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
    const refused = (await chunked.json()) as any;
    expect(refused.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      issues: [{ path: [], message: 'Content-Length required' }],
    });
  });
});

describe('error masking', () => {
  test('hides the detail of an unexpected failure and keeps it in the log', async () => {
    const lines: string[] = [];
    const broken = await startGateway({ logLevel: 'error' });
    const account = await broken.createAccount('Doomed');
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await broken.app.database.close(); // the database goes away under a running server
      const response = await broken.gql(`{ checkoutSessions { edges { node { id } } } }`, {}, { key: account.apiKey });
      const createResponse = await broken.gql(
        `mutation { createCheckoutSession(input: { amount: "1", currency: "GBP" }) { id } }`,
        {},
        { key: account.apiKey },
      );
      for (const failed of [response, createResponse]) {
        expect(errorCodes(failed)).toEqual(['INTERNAL_SERVER_ERROR']);
        expect(failed.body.errors![0]!.message).toBe('Unexpected error.');
      }
    } finally {
      process.stderr.write = write;
      await broken.stop().catch(() => {});
    }
    expect(lines.join('')).toMatch(/"level":"error"/);
  });
});
