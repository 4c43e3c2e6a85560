/**
 * A key's limit holds however many processes serve it: with REDIS_URL, across processes and
 * machines (two gateways here, each with its own limiter, on the machine's Redis); without it,
 * across one machine's cluster workers. Redis being away never refuses a request.
 */
import { afterAll, expect, it } from 'vitest';
import { randomToken } from '../src/domain/ids.js';
import { graphql, postOnNewConnection, spawnGateway, type GatewayProcess } from './spawn.js';
import { ADMIN_KEY, errorCodes, startGateway, testDatabaseUrl, type Gateway } from './testkit.js';

/** The machine's Redis (CI starts it); TEST_REDIS_URL points elsewhere. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ACCOUNT = `{ account { name } }`;

const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function gatewayPair(overrides: Parameters<typeof startGateway>[0]): Promise<[Gateway, Gateway]> {
  const first = await startGateway(overrides);
  stops.push(() => first.stop());
  // The second gateway serves the same database with limiters of its own.
  const second = await startGateway(overrides, { database: first.app.database });
  stops.unshift(() => second.stop());
  return [first, second];
}

it('shares one key’s limit between two gateways through Redis', async () => {
  const [a, b] = await gatewayPair({
    redisUrl: REDIS_URL,
    redisKeyPrefix: `test-${randomToken(10)}`,
    rateLimitPerSecond: 0.1,
    rateLimitBurst: 4,
  });
  expect(a.app.rateLimitScope).toContain('Redis');
  const shop = await a.createAccount('Shared limit');
  const codes: string[][] = [];
  for (let i = 0; i < 5; i += 1) {
    codes.push(errorCodes(await a.gql(ACCOUNT, {}, { key: shop.apiKey })));
    codes.push(errorCodes(await b.gql(ACCOUNT, {}, { key: shop.apiKey })));
  }
  // Four answers in all, not four from each process.
  expect(codes.filter((one) => one.length === 0)).toHaveLength(4);
  expect(codes.slice(4).every((one) => one.join() === 'RATE_LIMITED')).toBe(true);
  const limited = await b.gql(
    ACCOUNT,
    {},
    { key: shop.apiKey, headers: { accept: 'application/graphql-response+json' } },
  );
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}, 60_000);

it('shares the failed-key limit of a client address between two gateways through Redis', async () => {
  const [a, b] = await gatewayPair({
    redisUrl: REDIS_URL,
    redisKeyPrefix: `test-${randomToken(10)}`,
    authFailuresPerSecond: 0.1,
    authFailureBurst: 3,
  });
  const codes: string[][] = [];
  for (let i = 0; i < 3; i += 1) {
    codes.push(errorCodes(await a.gql(ACCOUNT, {}, { key: `sk_unknown_${randomToken(12)}` })));
    codes.push(errorCodes(await b.gql(ACCOUNT, {}, { key: `sk_unknown_${randomToken(12)}` })));
  }
  expect(codes.slice(0, 3).flat()).not.toContain('RATE_LIMITED');
  expect(codes.slice(3)).toEqual([['RATE_LIMITED'], ['RATE_LIMITED'], ['RATE_LIMITED']]);
}, 60_000);

it('answers, and still limits each process, while Redis cannot be reached', async () => {
  // Nothing listens on port 1: every Redis command fails, and the in-process insurance counts.
  const gateway = await startGateway({ redisUrl: 'redis://127.0.0.1:1', rateLimitPerSecond: 0.1, rateLimitBurst: 3 });
  stops.push(() => gateway.stop());
  const shop = await gateway.createAccount('Redis away');
  const codes = [];
  for (let i = 0; i < 5; i += 1) codes.push(errorCodes(await gateway.gql(ACCOUNT, {}, { key: shop.apiKey })));
  expect(codes).toEqual([[], [], [], ['RATE_LIMITED'], ['RATE_LIMITED']]);
}, 60_000);

it.skipIf(!testDatabaseUrl())(
  'shares one key’s limit between the cluster workers of a machine without Redis',
  async () => {
    const gateway: GatewayProcess = await spawnGateway({
      DATABASE_URL: testDatabaseUrl(),
      ADMIN_API_KEY: ADMIN_KEY,
      WEB_CONCURRENCY: '2',
      DATABASE_POOL_SIZE: '2',
      RATE_LIMIT_PER_SECOND: '0.1',
      RATE_LIMIT_BURST: '4',
      LOG_LEVEL: 'debug',
    });
    stops.push(() => gateway.stop());
    for (let i = 0; i < 100 && (gateway.output().match(/"worker listening"/g)?.length ?? 0) < 2; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gateway.output()).toContain(`"rateLimits":"shared by this machine's server processes`);
    const created = await graphql(
      gateway.url,
      ADMIN_KEY,
      `mutation { createAccount(input: { displayName: "Cluster limit" }) { apiKey } }`,
    );
    const key: string = created.body.data.createAccount.apiKey;
    // Each request on a connection of its own: the cluster hands them to both workers in turn.
    const answers = [];
    for (let i = 0; i < 10; i += 1) answers.push(await postOnNewConnection(gateway.url, key, ACCOUNT));
    const codes = answers.map((answer) => (answer.body.errors ?? []).map((error: any) => error.extensions?.code));
    expect(codes.filter((one) => one.length === 0)).toHaveLength(4);
    expect(codes.slice(4).every((one) => one.join() === 'RATE_LIMITED')).toBe(true);
  },
  120_000,
);
