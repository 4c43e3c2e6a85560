import { afterAll, beforeAll, expect, it } from 'vitest';
import { errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ rateLimitPerSecond: 0.1, rateLimitBurst: 3 });
});
afterAll(() => gateway?.stop());

it('answers RATE_LIMITED with retryAfter once a key spends its burst, without touching other accounts', async () => {
  const busy = await gateway.createAccount('Busy');
  const calm = await gateway.createAccount('Calm');
  const responses = await Promise.all(Array.from({ length: 8 }, () => gateway.gql(`{ account { name } }`, {}, { key: busy.apiKey })));
  const limited = responses.filter((response) => errorCodes(response).includes('RATE_LIMITED'));
  expect(responses.length - limited.length).toBe(3);
  expect(limited[0]!.body.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
  expect(errorCodes(await gateway.gql(`{ account { name } }`, {}, { key: calm.apiKey }))).toEqual([]);
});
