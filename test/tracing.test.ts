/**
 * Traces, exported to memory: a payment on the hosted page and the webhook attempt it causes
 * share one trace; GraphQL requests have their parse, validate, execute (and SQL) spans.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../src/observability/tracing-setup.js';
import { openForm, submitCard } from './browser.js';
import { eventually, privateDatabase, startReceiver, type Receiver } from './events-kit.js';
import { createSession, startGateway, testDatabaseUrl, type Gateway } from './testkit.js';

const exporter = new InMemorySpanExporter();
let gateway: Gateway;
let database: Awaited<ReturnType<typeof privateDatabase>>;
let receiver: Receiver;
let shop: { accountId: string; apiKey: string };

beforeAll(async () => {
  expect(await startTracing({ exporter, env: {} })).toBe(true);
  database = await privateDatabase('tracing');
  gateway = await startGateway(database ? { databaseUrl: database.url } : {});
  shop = await gateway.createAccount('Traced shop');
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await gateway?.stop();
  await database?.drop();
});

const spans = () => exporter.getFinishedSpans();
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('traces', () => {
  it("puts a paid event's webhook attempt in the trace of the payment request", async () => {
    await gateway.ok(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
      { input: { url: `${receiver.url}/hooks`, enabledEvents: ['CHECKOUT_SESSION_PAID'] } },
      { key: shop.apiKey },
    );
    const session = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    // The customer's browser sends no trace context; a caller's traceparent is continued (below).
    expect((await submitCard(session.url, form)).status).toBe(303);
    await eventually(
      () => receiver.requests.length === 1,
      () => 'the webhook',
    );
    const attempt = await eventually(
      () => spans().find((span) => span.name === 'webhook attempt'),
      () => 'the attempt span',
    );
    const payment = spans().find((span) => span.name === 'POST /checkout');
    expect(payment).toBeDefined();
    expect(traceOf(attempt)).toBe(traceOf(payment!));
    expect(parentOf(attempt)).toBe(payment!.spanContext().spanId);
    expect(attempt.attributes['http.response.status_code']).toBe(204);
    // The receiver is not handed our trace ids.
    expect(receiver.requests[0]!.headers.traceparent).toBeUndefined();
  });

  it("continues a caller's traceparent and records parse, validate, execute and SQL spans under the request", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    await gateway.ok(
      'query Traced { checkoutSessions(first: 1) { edges { node { name } } } }',
      {},
      { key: shop.apiKey, headers: { traceparent: `00-${traceId}-${callerSpan}-01` } },
    );
    const inTrace = await eventually(
      () => {
        const found = spans().filter((span) => traceOf(span) === traceId);
        return found.some((span) => span.name === 'POST /graphql') && found;
      },
      () => 'the request span',
    );
    const request = inTrace.find((span) => span.name === 'POST /graphql')!;
    expect(parentOf(request)).toBe(callerSpan);
    for (const name of ['graphql.parse', 'graphql.validate', 'graphql.execute']) {
      expect(
        inTrace.filter((span) => span.name === name && parentOf(span) === request.spanContext().spanId),
        name,
      ).toHaveLength(1);
    }
    expect(inTrace.find((span) => span.name === 'graphql.execute')!.attributes['graphql.operation.name']).toBe(
      'Traced',
    );
    // SQL spans come from the PostgreSQL client wrapper.
    if (testDatabaseUrl()) expect(inTrace.filter((span) => span.name === 'db.query').length).toBeGreaterThan(0);
  });
});
