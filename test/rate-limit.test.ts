import { expect } from 'vitest';
import { errorCodes } from './testkit.js';
import { test } from './fixtures.js';

test.override('gatewayConfig', { rateLimitPerSecond: 0.1, rateLimitBurst: 3 });
test.beforeAll(({ gateway }) => void gateway);

test('answers RATE_LIMITED with retryAfter once a key spends its burst, without touching other accounts', async ({
  gateway,
}) => {
  const busy = await gateway.createAccount('Busy');
  const calm = await gateway.createAccount('Calm');
  const responses = await Promise.all(
    Array.from({ length: 8 }, () => gateway.gql(`{ account { name } }`, {}, { key: busy.apiKey })),
  );
  const limited = responses.filter((response) => errorCodes(response).includes('RATE_LIMITED'));
  expect(responses.length - limited.length).toBe(3);
  expect(limited[0]!.body.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
  expect(errorCodes(await gateway.gql(`{ account { name } }`, {}, { key: calm.apiKey }))).toEqual([]);
});

test('answers a spent key over HTTP with 429 and Retry-After (GraphQL over HTTP), and Retry-After on application/json', async ({
  gateway,
}) => {
  const busy = await gateway.createAccount('Busy over HTTP');
  const spend = () =>
    Promise.all(Array.from({ length: 4 }, () => gateway.gql(`{ account { name } }`, {}, { key: busy.apiKey })));
  await spend();
  const modern = await gateway.gql(
    `{ account { name } }`,
    {},
    { key: busy.apiKey, headers: { accept: 'application/graphql-response+json' } },
  );
  expect(errorCodes(modern)).toEqual(['RATE_LIMITED']);
  expect(modern.status).toBe(429);
  expect(modern.headers.get('content-type')).toContain('application/graphql-response+json');
  const retryAfter = modern.body.errors![0]!.extensions!.retryAfter;
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(modern.headers.get('retry-after')).toBe(String(retryAfter));
  expect(modern.body.errors![0]!.extensions).not.toHaveProperty('http');

  const legacy = await gateway.gql(
    `{ account { name } }`,
    {},
    { key: busy.apiKey, headers: { accept: 'application/json' } },
  );
  expect(errorCodes(legacy)).toEqual(['RATE_LIMITED']);
  expect(legacy.status).toBe(200);
  expect(Number(legacy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
});
