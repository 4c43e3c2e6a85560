import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ADMIN_KEY, startGateway, type Gateway } from './testkit.js';

/** Issue 10's browser-facing defaults: CORS allowlist, no-store, GraphiQL and introspection. */

const INTROSPECTION = '{ __schema { queryType { name } } }';

function preflight(gateway: Gateway, origin: string) {
  return fetch(`${gateway.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('configuration', () => {
  it('defaults to no CORS origin, no GraphiQL and no introspection in production, and the opposite elsewhere', () => {
    const production = loadConfig({
      NODE_ENV: 'production',
      ADMIN_API_KEY: ADMIN_KEY,
      SECRET_ENCRYPTION_KEY: 'a'.repeat(64),
    });
    expect(production).toMatchObject({ corsOrigins: [], graphiql: false, introspection: false });
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      corsOrigins: 'localhost',
      graphiql: true,
      introspection: true,
    });
    expect(
      loadConfig({ CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173', GRAPHIQL: 'false' }),
    ).toMatchObject({
      corsOrigins: ['https://shop.example.com', 'http://localhost:5173'],
      graphiql: false,
    });
  });

  it('refuses a CORS origin that is not an origin', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://shop.example.com/path' })).toThrow(
      /CORS_ORIGINS: "https:\/\/shop.example.com\/path" is not an origin/,
    );
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ INTROSPECTION: 'yes' })).toThrow(/INTROSPECTION/);
  });
});

describe('with the development defaults', () => {
  let gateway: Gateway;
  let key: string;
  beforeAll(async () => {
    gateway = await startGateway({ corsOrigins: 'localhost' });
    ({ apiKey: key } = await gateway.createAccount('Browser shop'));
  });
  afterAll(() => gateway?.stop());

  it('lets a page on localhost call the API, without credentials', async () => {
    const origin = 'http://localhost:5173';
    const answer = await preflight(gateway, origin);
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Api-Key ${key}` },
      body: JSON.stringify({ query: '{ account { name } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives any other origin no CORS header at all, not even with credentials asked for', async () => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null']) {
      const answer = await preflight(gateway, origin);
      expect(answer.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(answer.headers.get('access-control-allow-credentials'), origin).toBeNull();
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { origin, cookie: 'session=1', 'content-type': 'application/json', authorization: `Api-Key ${key}` },
        body: JSON.stringify({ query: '{ account { name } }' }),
      });
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(response.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
  });

  it('marks GraphQL responses Cache-Control: no-store, results and errors alike, GET and POST', async () => {
    const post = await gateway.gql('{ account { name } }', {}, { key });
    expect(post.headers.get('cache-control')).toBe('no-store');
    const error = await gateway.gql('{ account { name } }', {}, { key: 'sk_wrong' });
    expect(error.headers.get('cache-control')).toBe('no-store');
    const get = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ account { name } }')}`, {
      headers: { authorization: `Api-Key ${key}`, accept: 'application/graphql-response+json' },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('cache-control')).toBe('no-store');
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('answers introspection', async () => {
    expect(await gateway.ok(INTROSPECTION, {}, { key })).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('with the production defaults', () => {
  let gateway: Gateway;
  let key: string;
  beforeAll(async () => {
    gateway = await startGateway({ corsOrigins: [], graphiql: false, introspection: false });
    ({ apiKey: key } = await gateway.createAccount('Production shop'));
  });
  afterAll(() => gateway?.stop());

  it('allows no origin, localhost included', async () => {
    const answer = await preflight(gateway, 'http://localhost:5173');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves no GraphiQL', async () => {
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/GraphiQL|<html/i);
  });

  it('refuses introspection with BAD_USER_INPUT, and still answers __typename', async () => {
    const refused = await gateway.gql(INTROSPECTION, {}, { key });
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.message).toMatch(/introspection/i);
    expect(await gateway.ok('{ __typename account { __typename } }', {}, { key })).toEqual({
      __typename: 'Query',
      account: { __typename: 'Account' },
    });
  });
});

describe('with an explicit list', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ corsOrigins: ['https://shop.example.com', 'https://admin.example.com'] });
  });
  afterAll(() => gateway?.stop());

  it('allows exactly the listed origins', async () => {
    for (const origin of ['https://shop.example.com', 'https://admin.example.com']) {
      expect((await preflight(gateway, origin)).headers.get('access-control-allow-origin')).toBe(origin);
    }
    for (const origin of [
      'https://shop.example.com.evil.example',
      'http://shop.example.com',
      'http://localhost:3000',
    ]) {
      expect((await preflight(gateway, origin)).headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});
