import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let key: string;

beforeAll(async () => {
  gateway = await startGateway();
  ({ apiKey: key } = await gateway.createAccount('Spec shop'));
});
afterAll(() => gateway?.stop());

/** graphql-http's audit of the GraphQL-over-HTTP spec: every MUST, SHOULD and MAY it checks. */
async function audit(headers: Record<string, string>) {
  const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) =>
    fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers).entries()), ...headers } });
  const results = await Promise.all(serverAudits({ url: `${gateway.url}/graphql`, fetchFn }).map((one) => one.fn()));
  return results.filter((result) => result.status !== 'ok').map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
}

describe('GraphQL over HTTP', () => {
  it("passes graphql-http's server audit with no warning, without a key", async () => {
    expect(await audit({})).toEqual([]);
  });

  it("passes graphql-http's server audit with no warning, with an account key", async () => {
    expect(await audit({ authorization: `Api-Key ${key}` })).toEqual([]);
  });

  it('answers invalid JSON with 400 under both response media types', async () => {
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
