/**
 * A revoked key's open streams end within the same bound as its requests (the key cache's
 * period, shortened here). There is no revoke operation yet: the key is revoked in SQL.
 */
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { apiKeyTable } from '../src/db/schema.js';
import { createApiKey } from '../src/domain/accounts.js';
import { eventually, subscribeSse, subscribeWs, type Collected } from './events-kit.js';
import { createSession, errorCodes } from './testkit.js';
import { test as withGateway } from './fixtures.js';

const BOUND_MS = 500;

const EVENTS = `subscription { events { id type checkoutSession { name } } }`;

const test = withGateway
  .extend('revoke', ({ gateway }) => async (key: string) => {
    const keyHash = createHash('sha256').update(key).digest('hex');
    await gateway.app.database.db
      .update(apiKeyTable)
      .set({ revokeTime: sql`now()` })
      .where(eq(apiKeyTable.keyHash, keyHash));
  })
  /** Creates sessions with `key` until `feed` has received one: the subscription is then live. */
  .extend('untilLive', ({ gateway }) => async (feed: Collected, key: string) => {
    await eventually(
      async () => {
        await createSession(gateway, key);
        return feed.items.length > 0 || undefined;
      },
      () => 'the subscription to go live',
    );
  });
test.override('gatewayConfig', { apiKeyCacheMs: BOUND_MS });
test.beforeAll(({ gateway }) => void gateway);

describe('revoking a key', () => {
  test('ends its graphql-ws connection (4403) and its SSE stream (UNAUTHENTICATED) within the bound; other keys keep theirs', async ({
    gateway,
    revoke,
    untilLive,
  }) => {
    const shop = await gateway.createAccount('Revoked shop');
    const otherKey = await createApiKey(gateway.app.database.db, shop.accountId);
    const ws = subscribeWs(gateway.url, shop.apiKey, EVENTS);
    await untilLive(ws, otherKey);
    const sse = await subscribeSse(gateway.url, shop.apiKey, EVENTS);
    await untilLive(sse, otherKey);
    const kept = await subscribeSse(gateway.url, otherKey, EVENTS);
    await untilLive(kept, otherKey);

    await revoke(shop.apiKey);
    const revokedAt = Date.now();
    await eventually(
      () => (ws.errors.length > 0 && sse.completed) || undefined,
      () =>
        `both streams to end: ws ${JSON.stringify(ws.errors)}, sse ${JSON.stringify(sse.errors)} completed=${sse.completed}`,
      15_000,
    );
    // The bound plus the time one check and the delivery take; generous for a loaded machine.
    expect(Date.now() - revokedAt).toBeLessThan(BOUND_MS + 8_000);
    expect(ws.errors).toEqual([4403]);
    expect(sse.errors.flat().map((error: any) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(
      (await gateway.gql(`{ account { name } }`, {}, { key: shop.apiKey })).body.errors?.[0]?.extensions?.code,
    ).toBe('UNAUTHENTICATED');

    // Nothing more reaches the revoked key's streams; the other key's stream goes on.
    const before = { ws: ws.items.length, sse: sse.items.length, kept: kept.items.length };
    await createSession(gateway, otherKey);
    await kept.waitFor(before.kept + 1);
    expect(ws.items.length).toBe(before.ws);
    expect(sse.items.length).toBe(before.sse);
    expect(kept.completed).toBe(false);
    await Promise.all([ws.close(), sse.close(), kept.close()]);
  });

  test('stops its new graphql-ws connections and requests within the bound', async ({ gateway, revoke }) => {
    const shop = await gateway.createAccount('Revoked later');
    expect(errorCodes(await gateway.gql(`{ account { name } }`, {}, { key: shop.apiKey }))).toEqual([]);
    await revoke(shop.apiKey);
    await new Promise((resolve) => setTimeout(resolve, BOUND_MS + 50));
    expect(errorCodes(await gateway.gql(`{ account { name } }`, {}, { key: shop.apiKey }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const ws = subscribeWs(gateway.url, shop.apiKey, EVENTS);
    await eventually(
      () => ws.errors.length > 0 || undefined,
      () => 'the connection to be refused',
    );
    expect(ws.errors).toEqual([4403]);
    await ws.close();
  });
});
