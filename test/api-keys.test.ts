/**
 * API keys an account manages itself: create, list, revoke, roll with an overlap, expiry, the
 * last-key rule (also under a real race) and tenancy. The key cache's period is shortened, as in
 * key-revocation.test.ts, so that "within the bound" is short.
 */
import { describe, expect } from 'vitest';
import { eventually, subscribeWs, type Collected } from './events-kit.js';
import { ADMIN_KEY, createSession, errorCodes } from './testkit.js';
import { test as withGateway } from './fixtures.js';

const BOUND_MS = 500;

const KEY_FIELDS = 'id name displayName prefix usable createTime expireTime revokeTime lastUsedTime';
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { ${KEY_FIELDS} } secret } }`;
const REVOKE = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { ${KEY_FIELDS} } } }`;
const ROLL = `mutation($input: RollApiKeyInput!) { rollApiKey(input: $input) { apiKey { ${KEY_FIELDS} } secret oldApiKey { ${KEY_FIELDS} } } }`;
const LIST = `{ apiKeys(first: 100) { edges { node { ${KEY_FIELDS} } } } }`;
const EVENTS = `subscription { events { id type } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const test = withGateway
  .extend('listKeys', ({ gateway }) => async (key: string): Promise<any[]> => {
    return (await gateway.ok(LIST, {}, { key })).apiKeys.edges.map((edge: any) => edge.node);
  })
  .extend('works', ({ gateway }) => async (key: string): Promise<boolean> => {
    const codes = errorCodes(await gateway.gql(`{ account { name } }`, {}, { key }));
    if (codes.length > 0 && codes[0] !== 'UNAUTHENTICATED') throw new Error(`unexpected ${codes.join()}`);
    return codes.length === 0;
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
  })
  /** A new account with its first key, and that key's resource name. */
  .extend('newShop', ({ gateway, listKeys }) => async (label: string) => {
    const shop = await gateway.createAccount(label);
    const [first] = await listKeys(shop.apiKey);
    return { ...shop, firstKeyName: first.name as string };
  });
test.override('gatewayConfig', { apiKeyCacheMs: BOUND_MS });
test.beforeAll(({ gateway }) => void gateway);

describe('managing keys', () => {
  test('creates a key shown once, lists keys without secrets, and records when a key was last used', async ({
    gateway,
    listKeys,
    works,
    newShop,
  }) => {
    const shop = await newShop('Key shop');
    const created = (await gateway.ok(CREATE, { input: { displayName: 'CI deploys' } }, { key: shop.apiKey }))
      .createApiKey;
    expect(created.secret).toMatch(/^sk_[A-Za-z0-9]{32}$/);
    expect(created.apiKey).toMatchObject({
      displayName: 'CI deploys',
      usable: true,
      expireTime: null,
      revokeTime: null,
      lastUsedTime: null,
    });
    expect(created.apiKey.name).toMatch(new RegExp(`^${shop.name}/api-keys/key_`));
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    expect(await works(created.secret)).toBe(true);

    const keys = await listKeys(shop.apiKey);
    expect(keys.map((key) => key.displayName)).toEqual(['CI deploys', 'Default key']);
    const listed = JSON.stringify(
      await gateway.ok(`{ apiKeys { edges { node { ${KEY_FIELDS} } } } }`, {}, { key: shop.apiKey }),
    );
    expect(listed).not.toContain(created.secret);
    expect(listed).not.toContain(shop.apiKey);
    // Written after the request, asynchronously.
    await eventually(
      async () => (await listKeys(shop.apiKey)).find((key) => key.name === created.apiKey.name)?.lastUsedTime,
      () => 'lastUsedTime to be written',
    );
    const node = await gateway.ok(
      `query($id: ID!) { node(id: $id) { ... on ApiKey { name } } }`,
      { id: created.apiKey.id },
      { key: shop.apiKey },
    );
    expect(node.node).toEqual({ name: created.apiKey.name });
  });

  test('refuses bad input with its path', async ({ gateway, listKeys, newShop }) => {
    const shop = await newShop('Bad input shop');
    const response = await gateway.gql(
      CREATE,
      { input: { displayName: '', expireTime: '2020-01-01T00:00:00Z' } },
      { key: shop.apiKey },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.issues.map((issue: any) => issue.path)).toEqual([
      ['input', 'displayName'],
      ['input', 'expireTime'],
    ]);
    const roll = await gateway.gql(
      ROLL,
      { input: { name: shop.firstKeyName, oldKeyExpiresIn: 8 * 24 * 3600 } },
      { key: shop.apiKey },
    );
    expect(errorCodes(roll)).toEqual(['BAD_USER_INPUT']);
    expect(roll.body.errors![0]!.extensions!.issues[0].path).toEqual(['input', 'oldKeyExpiresIn']);
    expect(await listKeys(shop.apiKey)).toHaveLength(1);
  });
});

describe('rolling a key', () => {
  test('gives a new key and keeps the old one working until oldKeyExpiresIn, then UNAUTHENTICATED', async ({
    gateway,
    listKeys,
    works,
    newShop,
  }) => {
    const shop = await newShop('Roll shop');
    expect(await works(shop.apiKey)).toBe(true);
    const rolled = (
      await gateway.ok(ROLL, { input: { name: shop.firstKeyName, oldKeyExpiresIn: 3 } }, { key: shop.apiKey })
    ).rollApiKey;
    const rolledAt = Date.now();
    expect(rolled.apiKey).toMatchObject({ displayName: 'Default key', usable: true, expireTime: null });
    expect(rolled.oldApiKey).toMatchObject({ name: shop.firstKeyName, usable: true, revokeTime: null });
    const overlapEnds = Date.parse(rolled.oldApiKey.expireTime);
    expect(overlapEnds - rolledAt).toBeGreaterThan(1_000);
    expect(overlapEnds - rolledAt).toBeLessThanOrEqual(3_000);

    // Both work during the overlap.
    expect(await works(shop.apiKey)).toBe(true);
    expect(await works(rolled.secret)).toBe(true);
    await sleep(overlapEnds - Date.now() + BOUND_MS + 100);
    expect(await works(shop.apiKey)).toBe(false);
    expect(await works(rolled.secret)).toBe(true);
    const old = (await listKeys(rolled.secret)).find((key) => key.name === shop.firstKeyName);
    expect(old).toMatchObject({ usable: false, revokeTime: null });
  });

  test('with oldKeyExpiresIn 0 ends the old key within the bound', async ({ gateway, works, newShop }) => {
    const shop = await newShop('Roll now shop');
    const rolled = (
      await gateway.ok(ROLL, { input: { name: shop.firstKeyName, oldKeyExpiresIn: 0 } }, { key: shop.apiKey })
    ).rollApiKey;
    await sleep(BOUND_MS + 100);
    expect(await works(shop.apiKey)).toBe(false);
    expect(await works(rolled.secret)).toBe(true);
  });
});

describe('revocation and expiry end live subscriptions', () => {
  test("revokeApiKey closes the key's graphql-ws subscription (4403) within the bound", async ({
    gateway,
    works,
    untilLive,
    newShop,
  }) => {
    const shop = await newShop('Revoke shop');
    const other = (await gateway.ok(CREATE, { input: { displayName: 'other' } }, { key: shop.apiKey })).createApiKey;
    const ws = subscribeWs(gateway.url, shop.apiKey, EVENTS);
    await untilLive(ws, other.secret);
    const revoked = (await gateway.ok(REVOKE, { input: { name: shop.firstKeyName } }, { key: other.secret }))
      .revokeApiKey;
    const revokedAt = Date.now();
    expect(revoked.apiKey).toMatchObject({ name: shop.firstKeyName, usable: false });
    expect(revoked.apiKey.revokeTime).not.toBeNull();
    await eventually(
      () => ws.errors.length > 0 || undefined,
      () => 'the connection to close',
      15_000,
    );
    expect(ws.errors).toEqual([4403]);
    // The bound plus one check and the delivery of the close; generous for a loaded machine.
    expect(Date.now() - revokedAt).toBeLessThan(BOUND_MS + 8_000);
    expect(await works(shop.apiKey)).toBe(false);
    await ws.close();
  });

  test("a key's expireTime closes its graphql-ws subscription and its requests", async ({
    gateway,
    works,
    untilLive,
    newShop,
  }) => {
    const shop = await newShop('Expiry shop');
    const expireTime = new Date(Date.now() + 3_000).toISOString();
    const shortLived = (
      await gateway.ok(CREATE, { input: { displayName: 'temporary', expireTime } }, { key: shop.apiKey })
    ).createApiKey;
    expect(shortLived.apiKey.expireTime).toBe(expireTime);
    const ws = subscribeWs(gateway.url, shortLived.secret, EVENTS);
    await untilLive(ws, shop.apiKey);
    expect(ws.errors).toEqual([]);
    await eventually(
      () => ws.errors.length > 0 || undefined,
      () => 'the connection to close',
      15_000,
    );
    expect(ws.errors).toEqual([4403]);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expireTime));
    expect(Date.now() - Date.parse(expireTime)).toBeLessThan(BOUND_MS + 8_000);
    expect(await works(shortLived.secret)).toBe(false);
    await ws.close();
  });
});

describe('the last key', () => {
  test('cannot be revoked; a key with an expiry does not count as a lasting one', async ({
    gateway,
    works,
    newShop,
  }) => {
    const shop = await newShop('Last key shop');
    const alone = await gateway.gql(REVOKE, { input: { name: shop.firstKeyName } }, { key: shop.apiKey });
    expect(errorCodes(alone)).toEqual(['FAILED_PRECONDITION']);

    const expiring = (
      await gateway.ok(
        CREATE,
        { input: { displayName: 'expiring', expireTime: new Date(Date.now() + 3600_000).toISOString() } },
        { key: shop.apiKey },
      )
    ).createApiKey;
    expect(
      errorCodes(await gateway.gql(REVOKE, { input: { name: shop.firstKeyName } }, { key: expiring.secret })),
    ).toEqual(['FAILED_PRECONDITION']);
    // The expiring key itself may go.
    await gateway.ok(REVOKE, { input: { name: expiring.apiKey.name } }, { key: shop.apiKey });

    const lasting = (await gateway.ok(CREATE, { input: { displayName: 'lasting' } }, { key: shop.apiKey }))
      .createApiKey;
    await gateway.ok(REVOKE, { input: { name: shop.firstKeyName } }, { key: lasting.secret });
    expect(
      errorCodes(await gateway.gql(REVOKE, { input: { name: lasting.apiKey.name } }, { key: lasting.secret })),
    ).toEqual(['FAILED_PRECONDITION']);
    expect(await works(lasting.secret)).toBe(true);
  });

  test('survives two concurrent revokes of the last two keys: exactly one wins', async ({
    gateway,
    listKeys,
    newShop,
  }) => {
    for (let round = 0; round < 6; round += 1) {
      const shop = await newShop(`Race shop ${round}`);
      const second = (await gateway.ok(CREATE, { input: { displayName: 'second' } }, { key: shop.apiKey }))
        .createApiKey;
      const results = await Promise.all([
        gateway.gql(REVOKE, { input: { name: shop.firstKeyName } }, { key: second.secret }),
        gateway.gql(REVOKE, { input: { name: second.apiKey.name } }, { key: shop.apiKey }),
      ]);
      // Exactly one revoke succeeds. The other is refused as the last key's revoke
      // (FAILED_PRECONDITION) if it authenticated before the winner committed, or its key is
      // already revoked when it authenticates (UNAUTHENTICATED): both leave one usable key.
      const outcomes = results.map((result) => errorCodes(result).join()).sort();
      expect(outcomes[0]).toBe('');
      expect(['FAILED_PRECONDITION', 'UNAUTHENTICATED']).toContain(outcomes[1]);
      const survivor = results[0]!.body.errors ? shop.apiKey : second.secret;
      await sleep(BOUND_MS + 100);
      const keys = await listKeys(survivor);
      expect(keys.filter((key) => key.usable)).toHaveLength(1);
    }
  });
});

describe('tenancy', () => {
  test("another account's key is NOT_FOUND; the platform key is FORBIDDEN", async ({
    gateway,
    listKeys,
    works,
    newShop,
  }) => {
    const mine = await newShop('Mine');
    const theirs = await newShop('Theirs');
    expect(
      errorCodes(await gateway.gql(REVOKE, { input: { name: theirs.firstKeyName } }, { key: mine.apiKey })),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await gateway.gql(ROLL, { input: { name: theirs.firstKeyName, oldKeyExpiresIn: 60 } }, { key: mine.apiKey }),
      ),
    ).toEqual(['NOT_FOUND']);
    const missing = theirs.firstKeyName.replace(/key_\w+$/, 'key_00000000000000000000000000');
    expect(
      errorCodes(
        await gateway.gql(
          REVOKE,
          { input: { name: missing.replace(theirs.accountId, mine.accountId) } },
          { key: mine.apiKey },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    const [theirKey] = await listKeys(theirs.apiKey);
    expect(
      (await gateway.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: theirKey.id }, { key: mine.apiKey })).node,
    ).toBeNull();
    expect((await listKeys(mine.apiKey)).map((key) => key.name)).toEqual([mine.firstKeyName]);
    expect(await works(theirs.apiKey)).toBe(true);

    expect(errorCodes(await gateway.gql(LIST, {}, { key: ADMIN_KEY }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gateway.gql(CREATE, { input: { displayName: 'admin' } }, { key: ADMIN_KEY }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await gateway.gql(REVOKE, { input: { name: mine.firstKeyName } }, { key: ADMIN_KEY }))).toEqual([
      'FORBIDDEN',
    ]);
  });
});
