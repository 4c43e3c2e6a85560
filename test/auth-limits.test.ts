/**
 * Unknown keys cost the database little: a failed look-up is remembered briefly, and failures
 * are limited per client address before the database is asked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomToken } from '../src/domain/ids.js';
import { errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

async function restWithKey(key: string, accountId = 'acct_0000000000000000000000') {
  return fetch(`${gateway!.url}/v1/accounts/${accountId}/checkout-sessions`, {
    headers: { authorization: `Api-Key ${key}` },
  });
}

describe('failed authentication', () => {
  it('answers a flood of random keys with RATE_LIMITED (429, Retry-After) after a bounded number of database look-ups', async () => {
    // A slow refill, so that a slow machine cannot earn new tokens during the flood.
    gateway = await startGateway({ authFailuresPerSecond: 0.05, authFailureBurst: 10 });
    const shop = await gateway.createAccount('Flooded shop');
    // Known good before the flood: a cached key keeps working from the same address.
    expect((await restWithKey(shop.apiKey, shop.accountId)).status).toBe(200);

    const flood = 40;
    const before = gateway.app.database.statementCount();
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < flood; i += 1) {
      const response = await restWithKey(`sk_${randomToken(32)}`);
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
      else await response.body?.cancel();
    }
    const lookups = gateway.app.database.statementCount() - before;
    // The burst of failures (10) reaches the database, and the little the background workers
    // read meanwhile; not one statement per key.
    expect(lookups).toBeLessThan(30);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(13);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(flood - 13);
    expect(limited!.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(((await limited!.json()) as any).error.code).toBe('RATE_LIMITED');

    const overGraphql = await gateway.gql(`{ account { name } }`, {}, { key: `sk_${randomToken(32)}` });
    expect(errorCodes(overGraphql)).toEqual(['RATE_LIMITED']);
    expect(overGraphql.body.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await restWithKey(shop.apiKey, shop.accountId)).status).toBe(200);
  }, 120_000);

  it('looks a repeated unknown key up once', async () => {
    gateway = await startGateway();
    const key = `sk_${randomToken(32)}`;
    const before = gateway.app.database.statementCount();
    for (let i = 0; i < 15; i += 1) {
      const response = await restWithKey(key);
      expect(response.status).toBe(401);
      expect(((await response.json()) as any).error.code).toBe('UNAUTHENTICATED');
    }
    expect(gateway.app.database.statementCount() - before).toBeLessThan(8);
  }, 120_000);
});
