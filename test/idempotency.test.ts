import { describe, expect } from 'vitest';
import { CREATE_SESSION, errorCodes } from './testkit.js';
import { test as withShop } from './fixtures.js';

const test = withShop
  .extend(
    'create',
    ({ gateway, shop }) =>
      (input: Record<string, unknown>, options: { key?: string; headers?: Record<string, string> } = {}) =>
        gateway.gql(
          CREATE_SESSION,
          { input: { amount: '2500', currency: 'EUR', ...input } },
          { key: shop.apiKey, ...options },
        ),
  )
  .extend(
    'sessionsWithReference',
    ({ gateway, shop }) =>
      async (reference: string, apiKey = shop.apiKey): Promise<string[]> => {
        const data = await gateway.ok(
          `query($r: String!) { checkoutSessions(first: 100, filter: { clientReferenceId: $r }) { edges { node { name } } } }`,
          { r: reference },
          { key: apiKey },
        );
        return data.checkoutSessions.edges.map((edge: any) => edge.node.name);
      },
  );
test.override('shopName', 'Idempotent shop');
test.beforeAll(({ gateway }) => void gateway);

describe('idempotency', () => {
  test('replays the first result for the same key and input, with the header and extension', async ({
    create,
    sessionsWithReference,
  }) => {
    const headers = { 'Idempotency-Key': 'order-1-attempt' };
    const first = await create({ clientReferenceId: 'idem-1' }, { headers });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.body.extensions?.idempotentReplayed).toBeUndefined();
    const second = await create({ clientReferenceId: 'idem-1' }, { headers });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.extensions?.idempotentReplayed).toBe(true);
    expect(second.body.data).toEqual(first.body.data);
    expect(await sessionsWithReference('idem-1')).toHaveLength(1);
  });

  test('treats input.idempotencyKey like the header', async ({ create }) => {
    const first = await create({ clientReferenceId: 'idem-2', idempotencyKey: 'input-key' });
    const second = await create({ clientReferenceId: 'idem-2' }, { headers: { 'Idempotency-Key': 'input-key' } });
    expect(second.body.extensions?.idempotentReplayed).toBe(true);
    expect(second.body.data!.createCheckoutSession.name).toBe(first.body.data!.createCheckoutSession.name);
  });

  test('refuses the same key with different input and creates nothing', async ({ create, sessionsWithReference }) => {
    await create({ clientReferenceId: 'idem-3' }, { headers: { 'Idempotency-Key': 'k3' } });
    const reused = await create(
      { clientReferenceId: 'idem-3', amount: '2501' },
      { headers: { 'Idempotency-Key': 'k3' } },
    );
    expect(errorCodes(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await sessionsWithReference('idem-3')).toHaveLength(1);
  });

  test('scopes keys to the account', async ({ gateway, create, sessionsWithReference }) => {
    const other = await gateway.createAccount('Other shop');
    const headers = { 'Idempotency-Key': 'shared-key' };
    const mine = await create({ clientReferenceId: 'idem-4' }, { headers });
    const theirs = await create({ clientReferenceId: 'idem-4' }, { headers, key: other.apiKey });
    expect(theirs.body.extensions?.idempotentReplayed).toBeUndefined();
    expect(theirs.body.data!.createCheckoutSession.name).not.toBe(mine.body.data!.createCheckoutSession.name);
    expect(await sessionsWithReference('idem-4', other.apiKey)).toHaveLength(1);
  });

  test('creates exactly one session for 20 concurrent requests with one key, and all of them get it', async ({
    create,
    sessionsWithReference,
  }) => {
    const headers = { 'Idempotency-Key': 'concurrent-key' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => create({ clientReferenceId: 'idem-race' }, { headers })),
    );
    const names = new Set(responses.map((response) => response.body.data?.createCheckoutSession?.name));
    expect([...names]).toHaveLength(1);
    expect(names.has(undefined)).toBe(false);
    expect(responses.filter((response) => response.body.extensions?.idempotentReplayed === true)).toHaveLength(19);
    expect(await sessionsWithReference('idem-race')).toHaveLength(1);
  });

  test('rejects a header and an input key that disagree', async ({ create }) => {
    const response = await create({ idempotencyKey: 'a' }, { headers: { 'Idempotency-Key': 'b' } });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  test('rejects an over-long Idempotency-Key header', async ({ create }) => {
    const response = await create({}, { headers: { 'Idempotency-Key': 'k'.repeat(256) } });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });
});
