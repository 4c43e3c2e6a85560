/**
 * GET /metrics after real traffic on every transport: the figures move by exactly what was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECLINED_CARD, openForm, submitCard } from './browser.js';
import { eventually, privateDatabase, startReceiver, subscribeSse, subscribeWs, type Receiver } from './events-kit.js';
import { figure, parseMetrics, type Scrape } from './metrics-kit.js';
import { openDatabase } from '../src/db/client.js';
import { createSession, startGateway, testDatabaseUrl, type Gateway } from './testkit.js';

const TOKEN = 'metrics_token_0123456789';
let gateway: Gateway;
let database: Awaited<ReturnType<typeof privateDatabase>>;
let receiver: Receiver;
let shop: { accountId: string; apiKey: string };

beforeAll(async () => {
  database = await privateDatabase('metrics');
  gateway = await startGateway({ metricsToken: TOKEN, ...(database ? { databaseUrl: database.url } : {}) });
  shop = await gateway.createAccount('Metrics shop');
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await gateway?.stop();
  await database?.drop();
});

async function scrape(): Promise<Scrape> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
}

const MINE = 'query Mine { checkoutSessions(first: 1) { edges { node { name } } } }';
const http = (operation: string) => ({ transport: 'http', operation });

describe('GET /metrics', () => {
  it('answers only the bearer of METRICS_TOKEN, in Prometheus text format', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${gateway.url}/metrics`, { headers: { authorization: 'Bearer wrong_token_0123456789' } })).status,
    ).toBe(401);
    const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE gateway_requests_total counter');
    expect(text).toContain('gateway_process_cpu_user_seconds_total');
    expect(text).toContain('gateway_nodejs_eventloop_lag_seconds');
  });

  it('counts GraphQL over HTTP by operation name, with errors and latency', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i += 1) await gateway.ok(MINE, {}, { key: shop.apiKey });
    await gateway.ok('{ checkoutSessions(first: 1) { edges { node { name } } } }', {}, { key: shop.apiKey });
    const invalid = await gateway.gql('query Broken { noSuchField }', {}, { key: shop.apiKey });
    expect(invalid.body.errors).toBeDefined();
    const missing = await gateway.gql(
      'query Missing($n: String!) { checkoutSession(name: $n) { name } }',
      { n: `accounts/${shop.accountId}/checkout-sessions/cs_${'x'.repeat(22)}` },
      { key: shop.apiKey },
    );
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      figure(after, name, labels) - figure(before, name, labels);

    expect(moved('gateway_requests_total', http('Mine'))).toBe(3);
    expect(moved('gateway_request_duration_seconds_count', http('Mine'))).toBe(3);
    expect(moved('gateway_request_errors_total', { ...http('Mine'), code: 'NOT_FOUND' })).toBe(0);
    expect(moved('gateway_requests_total', http('_anonymous'))).toBe(1);
    expect(moved('gateway_requests_total', http('_invalid'))).toBe(1);
    expect(moved('gateway_request_errors_total', { ...http('_invalid'), code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(moved('gateway_requests_total', http('Missing'))).toBe(1);
    expect(moved('gateway_request_errors_total', { ...http('Missing'), code: 'NOT_FOUND' })).toBe(1);
  });

  it('counts REST requests by route, with ids folded, and their error statuses', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const before = await scrape();
    const path = `/v1/accounts/${shop.accountId}/checkout-sessions/${session.name.split('/').pop()}`;
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Api-Key ${shop.apiKey}` } });
      expect(response.status).toBe(200);
    }
    expect((await fetch(`${gateway.url}/v1/nothing-here`)).status).toBe(404);
    const after = await scrape();
    const route = { transport: 'rest', operation: 'GET /v1/accounts/:id/checkout-sessions/:id' };
    expect(figure(after, 'gateway_requests_total', route) - figure(before, 'gateway_requests_total', route)).toBe(2);
    const missing = { transport: 'rest', operation: 'GET /v1/nothing-here', code: '404' };
    expect(
      figure(after, 'gateway_request_errors_total', missing) - figure(before, 'gateway_request_errors_total', missing),
    ).toBe(1);
  });

  it('counts open subscriptions per transport while they are open', async () => {
    const before = await scrape();
    const query = 'subscription Paid { checkoutSessionPaid { id } }';
    const ws = subscribeWs(gateway.url, shop.apiKey, query);
    const sse = await subscribeSse(gateway.url, shop.apiKey, query);
    const open = await eventually(
      async () => {
        const now = await scrape();
        const both = ['websocket', 'sse'].every(
          (transport) =>
            figure(now, 'gateway_subscriptions_open', { transport }) ===
            figure(before, 'gateway_subscriptions_open', { transport }) + 1,
        );
        return both && now;
      },
      () => 'one open subscription on each transport',
    );
    expect(
      figure(open, 'gateway_requests_total', { transport: 'websocket', operation: 'Paid' }) -
        figure(before, 'gateway_requests_total', { transport: 'websocket', operation: 'Paid' }),
    ).toBe(1);
    expect(
      figure(open, 'gateway_requests_total', { transport: 'sse', operation: 'Paid' }) -
        figure(before, 'gateway_requests_total', { transport: 'sse', operation: 'Paid' }),
    ).toBe(1);
    await ws.close();
    await sse.close();
    await eventually(
      async () => {
        const now = await scrape();
        return ['websocket', 'sse'].every(
          (transport) =>
            figure(now, 'gateway_subscriptions_open', { transport }) ===
            figure(before, 'gateway_subscriptions_open', { transport }),
        );
      },
      () => 'the subscriptions closed',
    );
  });

  it('counts hosted-page payments by outcome, committed events, webhook attempts and their lag', async () => {
    await gateway.ok(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
      { input: { url: `${receiver.url}/hooks`, enabledEvents: ['CHECKOUT_SESSION_PAID'] } },
      { key: shop.apiKey },
    );
    const paid = await createSession(gateway, shop.apiKey);
    const declined = await createSession(gateway, shop.apiKey);
    const eventCount = async () =>
      (await gateway.ok('{ events(first: 100) { edges { node { id } } } }', {}, { key: shop.apiKey })).events.edges
        .length as number;
    // Settled: the notices of the sessions' events have arrived.
    const eventsBefore = await eventCount();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await scrape();

    const form = await openForm(paid.url);
    expect(form.status).toBe(200);
    expect((await submitCard(paid.url, form)).status).toBe(303);
    const declinedForm = await openForm(declined.url);
    expect((await submitCard(declined.url, declinedForm, { card_number: DECLINED_CARD })).status).toBe(402);

    const after = await eventually(
      async () => {
        const now = await scrape();
        return (
          figure(now, 'gateway_webhook_attempts_total', { outcome: 'succeeded' }) >
            figure(before, 'gateway_webhook_attempts_total', { outcome: 'succeeded' }) && now
        );
      },
      () => 'a successful webhook attempt',
    );
    const moved = (name: string, labels: Record<string, string> = {}) =>
      figure(after, name, labels) - figure(before, name, labels);

    expect(receiver.requests).toHaveLength(1);
    expect(moved('gateway_payments_total', { outcome: 'succeeded', decline_code: '' })).toBe(1);
    expect(moved('gateway_payments_total', { outcome: 'declined', decline_code: 'card_declined' })).toBe(1);
    expect(moved('gateway_webhook_attempts_total', { outcome: 'succeeded' })).toBe(1);
    expect(moved('gateway_webhook_delivery_lag_seconds_count')).toBe(1);
    expect(moved('gateway_webhook_delivery_lag_seconds_sum')).toBeGreaterThan(0);
    expect(figure(after, 'gateway_webhook_backlog')).toBe(0);
    // Hosted pages: two form views, two posts.
    expect(moved('gateway_requests_total', { transport: 'hosted', operation: 'GET /checkout' })).toBe(2);
    expect(moved('gateway_requests_total', { transport: 'hosted', operation: 'POST /checkout' })).toBe(2);
    expect(
      moved('gateway_request_errors_total', { transport: 'hosted', operation: 'POST /checkout', code: '402' }),
    ).toBe(1);

    // Every event the account's log gained was counted as committed.
    const eventsNow = await eventCount();
    expect(eventsNow).toBeGreaterThan(eventsBefore);
    await eventually(
      async () => {
        const now = await scrape();
        return (
          figure(now, 'gateway_events_committed_total') - figure(before, 'gateway_events_committed_total') ===
            eventsNow - eventsBefore || undefined
        );
      },
      () => `${eventsNow - eventsBefore} committed events counted`,
    );
    expect(figure(after, 'gateway_db_statements_total')).toBeGreaterThan(0);
  });
  // PostgreSQL only: PGlite has no pool. A pool of two of our own (in this process, so the
  // scrape reports it beside the gateway's) holds three transactions: two connections in use,
  // one transaction waiting; the gateway's own pool is idle apart from its workers' polls.
  it.skipIf(!testDatabaseUrl())('reports database connections in use and statements waiting for one', async () => {
    const pool = await openDatabase({ databaseUrl: database!.url, dataDir: null, poolSize: 2 });
    try {
      const gauges = (now: Scrape) => ({
        inUse: figure(now, 'gateway_db_pool_connections_in_use'),
        waiting: figure(now, 'gateway_db_pool_waiting'),
      });
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const held = Array.from({ length: 3 }, () =>
        pool.db.transaction(async (tx) => {
          await tx.execute('select 1');
          await released;
        }),
      );
      await eventually(
        async () => {
          const { inUse, waiting } = gauges(await scrape());
          return inUse >= 2 && waiting === 1;
        },
        () => 'two connections in use and one transaction waiting',
      );
      release();
      await Promise.all(held);
      await eventually(
        async () => {
          const { inUse, waiting } = gauges(await scrape());
          return inUse < 2 && waiting === 0;
        },
        () => 'the connections given back',
      );
    } finally {
      await pool.close();
    }
  });
});
