import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  privateDatabase,
  signatureHeaders,
  startReceiver,
  type Receiver,
  type ReceivedWebhook,
} from './events-kit.js';
import { createSession, errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let database: Awaited<ReturnType<typeof privateDatabase>>;
const receivers: Receiver[] = [];

beforeAll(async () => {
  database = await privateDatabase('webhooks');
  gateway = await startGateway({
    databaseUrl: database?.url,
    // Short retries and timeout, so that a test sees a whole schedule.
    webhookRetrySchedule: [0, 200, 400],
    webhookTimeoutMs: 1_000,
  });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await gateway?.stop();
  await database?.drop();
});

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { webhookEndpoint { id name url enabledEvents allEventsEnabled description disabled } secret }
}`;
const ENDPOINT = `query($name: String!) {
  webhookEndpoint(name: $name) {
    name url enabledEvents description disabled disabledReason failingSince previousSecretExpireTime
    deliveries(first: 50) { edges { node {
      id state attemptCount nextAttemptTime
      event { id type checkoutSession { name } }
      attempts { attemptNumber statusCode error succeeded durationMs startTime }
    } } }
  }
}`;
const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { webhookEndpoint { name url enabledEvents allEventsEnabled description disabled disabledReason } }
}`;
const ROTATE = `mutation($name: String!) {
  rotateWebhookEndpointSecret(input: { name: $name }) { secret previousSecretExpireTime webhookEndpoint { name } }
}`;
const EXPIRE = `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`;

async function newReceiver(): Promise<Receiver> {
  const receiver = await startReceiver();
  receivers.push(receiver);
  return receiver;
}

async function setUp(respond?: Receiver['respond'], enabledEvents: string[] = []) {
  const receiver = await newReceiver();
  if (respond) receiver.respond = respond;
  const shop = await gateway.createAccount('Webhook shop');
  const created = await gateway.ok(
    CREATE_ENDPOINT,
    { input: { url: `${receiver.url}/hooks`, enabledEvents } },
    { key: shop.apiKey },
  );
  return {
    receiver,
    shop,
    endpoint: created.createWebhookEndpoint.webhookEndpoint.name as string,
    secret: created.createWebhookEndpoint.secret as string,
  };
}

async function endpointState(key: string, name: string) {
  return (await gateway.ok(ENDPOINT, { name }, { key })).webhookEndpoint;
}

/** Waits until every delivery of the endpoint is settled (SUCCEEDED or FAILED), then returns them. */
async function settledDeliveries(key: string, name: string, count: number) {
  return eventually(
    async () => {
      const endpoint = await endpointState(key, name);
      const nodes = endpoint.deliveries.edges.map((edge: any) => edge.node);
      return nodes.length >= count && nodes.every((node: any) => node.state !== 'PENDING') ? nodes : undefined;
    },
    () => `${count} settled deliveries of ${name}`,
  );
}

function verify(secret: string, request: ReceivedWebhook): any {
  return new Webhook(secret).verify(request.body, signatureHeaders(request));
}

describe('delivery', () => {
  it("POSTs each event once, signed per Standard Webhooks, with the contract's body", async () => {
    const { receiver, shop, endpoint, secret } = await setUp();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const secretBytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
    expect(secretBytes).toBeGreaterThanOrEqual(24);
    expect(secretBytes).toBeLessThanOrEqual(64);

    const session = await createSession(gateway, shop.apiKey, {
      clientReferenceId: 'order_12345',
      successUrl: 'https://shop.example/success',
      cancelUrl: 'https://shop.example/cancel',
      metadata: { order: '12345' },
    });
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks');
    expect(request.headers['content-type']).toBe('application/json');

    const payload = verify(secret, request);
    expect(request.headers['webhook-id']).toBe(payload.id);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Object.keys(payload)).toEqual(['id', 'type', 'create_time', 'sequence', 'data']);
    expect(payload).toEqual({
      id: delivery.event.id,
      type: 'checkout_session.created',
      create_time: session.createTime,
      sequence: 1,
      data: {
        checkout_session: {
          name: session.name,
          state: 'OPEN',
          amount: '10000',
          currency: 'GBP',
          client_reference_id: 'order_12345',
          url: session.url,
          payment_intent: session.paymentIntent.name,
          paid: false,
          success_url: 'https://shop.example/success',
          cancel_url: 'https://shop.example/cancel',
          metadata: { order: '12345' },
          expire_time: session.expireTime,
          create_time: session.createTime,
          update_time: session.updateTime,
        },
      },
    });
    // In the contract's order too, although JSON readers do not care.
    expect(Object.keys(payload.data.checkout_session)).toEqual([
      'name',
      'state',
      'amount',
      'currency',
      'client_reference_id',
      'url',
      'payment_intent',
      'paid',
      'success_url',
      'cancel_url',
      'metadata',
      'expire_time',
      'create_time',
      'update_time',
    ]);
    // A secret of another endpoint does not verify it.
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request)).toThrow();

    expect(delivery).toMatchObject({ state: 'SUCCEEDED', attemptCount: 1, nextAttemptTime: null });
    expect(delivery.attempts).toEqual([
      {
        attemptNumber: 1,
        statusCode: 204,
        error: null,
        succeeded: true,
        durationMs: expect.any(Number),
        startTime: expect.any(String),
      },
    ]);
  });

  it('keeps the signing secret encrypted at rest', async () => {
    const { endpoint, secret } = await setUp();
    const id = endpoint.split('/').pop()!;
    const rows = await gateway.app.database.db.execute(
      sql`select secrets::text as secrets from webhook_endpoint where id = ${id}`,
    );
    const stored = String(
      (rows as unknown as { secrets: string }[])[0]?.secrets ??
        (rows as unknown as { rows: { secrets: string }[] }).rows[0]!.secrets,
    );
    expect(stored).toContain('ciphertext');
    expect(stored).not.toContain(secret.slice('whsec_'.length, 'whsec_'.length + 16));
    expect(stored).not.toContain(Buffer.from(secret.slice('whsec_'.length), 'base64').toString('hex').slice(0, 16));
  });

  it('sends only the enabled event types', async () => {
    const { receiver, shop, endpoint, secret } = await setUp(undefined, ['CHECKOUT_SESSION_EXPIRED']);
    const session = await createSession(gateway, shop.apiKey);
    await gateway.ok(EXPIRE, { name: session.name }, { key: shop.apiKey });
    await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(receiver.requests.map((request) => verify(secret, request).type)).toEqual(['checkout_session.expired']);
    const state = await endpointState(shop.apiKey, endpoint);
    expect(state.deliveries.edges.map((edge: any) => edge.node.event.type)).toEqual(['checkout_session.expired']);
  });
});

describe('retries', () => {
  it('retries a failing receiver until it recovers, recording every attempt', async () => {
    const seen = new Set<string>();
    const { receiver, shop, endpoint, secret } = await setUp((request) => {
      const id = String(request.headers['webhook-id']);
      if (seen.has(id)) return 200;
      seen.add(id);
      return 500;
    });
    await createSession(gateway, shop.apiKey);
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(delivery).toMatchObject({ state: 'SUCCEEDED', attemptCount: 2, nextAttemptTime: null });
    expect(delivery.attempts.map((a: any) => [a.attemptNumber, a.statusCode, a.succeeded])).toEqual([
      [1, 500, false],
      [2, 200, true],
    ]);
    expect(receiver.requests).toHaveLength(2);
    // The same message both times, each request signed for its own timestamp.
    expect(receiver.requests.map((request) => verify(secret, request).id)).toEqual([
      delivery.event.id,
      delivery.event.id,
    ]);
    expect(new Set(receiver.requests.map((request) => request.body)).size).toBe(1);
    expect((await endpointState(shop.apiKey, endpoint)).failingSince).toBeNull();
  });

  it('gives a delivery up when the schedule is spent, and counts the endpoint as failing', async () => {
    const { receiver, shop, endpoint } = await setUp(() => 503);
    await createSession(gateway, shop.apiKey);
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(delivery).toMatchObject({ state: 'FAILED', attemptCount: 3, nextAttemptTime: null });
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([503, 503, 503]);
    expect(receiver.requests).toHaveLength(3);
    const state = await endpointState(shop.apiKey, endpoint);
    expect(state.failingSince).toEqual(delivery.attempts[0].startTime);
    expect(state.disabled).toBe(false);
  });

  it('treats no answer within the timeout as a failure', async () => {
    let calls = 0;
    // The first request is left hanging; the gateway must give up on it after its 1 s timeout.
    const { shop, endpoint } = await setUp(() => (calls++ === 0 ? undefined : 200));
    await createSession(gateway, shop.apiKey);
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(delivery.attempts.map((a: any) => [a.statusCode, a.error, a.succeeded])).toEqual([
      [null, 'no response within 1 s', false],
      [200, null, true],
    ]);
  });

  it('does not follow redirects: a 3xx is a failure', async () => {
    const { receiver, shop, endpoint } = await setUp((request, response) => {
      if (request.path === '/hooks' && receiver.requests.filter((r) => r.path === '/hooks').length === 1) {
        response.writeHead(307, { location: '/elsewhere' }).end();
        return;
      }
      return 200;
    });
    await createSession(gateway, shop.apiKey);
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(delivery.attempts.map((a: any) => [a.statusCode, a.succeeded])).toEqual([
      [307, false],
      [200, true],
    ]);
    expect(delivery.attempts[0].error).toMatch(/redirect/);
    expect(receiver.requests.map((request) => request.path)).toEqual(['/hooks', '/hooks']);
  });
});

describe('disabling', () => {
  it('disables an endpoint that answers 410 Gone, and enables it again on request', async () => {
    const { receiver, shop, endpoint } = await setUp(() => 410);
    await createSession(gateway, shop.apiKey);
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(delivery).toMatchObject({ state: 'FAILED', attemptCount: 1 });
    expect(delivery.attempts[0]).toMatchObject({ statusCode: 410, succeeded: false });
    expect(await endpointState(shop.apiKey, endpoint)).toMatchObject({ disabled: true, disabledReason: 'GONE' });

    // Nothing is queued for a disabled endpoint.
    await createSession(gateway, shop.apiKey);
    expect((await endpointState(shop.apiKey, endpoint)).deliveries.edges).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);

    receiver.respond = () => 200;
    const enabled = await gateway.ok(UPDATE, { input: { name: endpoint, disabled: false } }, { key: shop.apiKey });
    expect(enabled.updateWebhookEndpoint.webhookEndpoint).toMatchObject({ disabled: false, disabledReason: null });
    await createSession(gateway, shop.apiKey);
    const deliveries = await settledDeliveries(shop.apiKey, endpoint, 2);
    expect(deliveries[0].state).toBe('SUCCEEDED');
  });

  it('disables an endpoint that has failed for five days', async () => {
    const { shop, endpoint } = await setUp(() => 500);
    const id = endpoint.split('/').pop()!;
    // Five days of failures, compressed: the endpoint has been failing since then.
    await gateway.app.database.db.execute(
      sql`update webhook_endpoint set failing_since = now() - interval '5 days 1 minute' where id = ${id}`,
    );
    await createSession(gateway, shop.apiKey);
    const [delivery] = await settledDeliveries(shop.apiKey, endpoint, 1);
    expect(delivery).toMatchObject({ state: 'FAILED', attemptCount: 1 });
    expect(await endpointState(shop.apiKey, endpoint)).toMatchObject({ disabled: true, disabledReason: 'FAILING' });
  });
});

describe('secret rotation', () => {
  it('signs with the old and the new secret for 24 hours, then with the new one only', async () => {
    const { receiver, shop, endpoint, secret: oldSecret } = await setUp();
    const rotated = (await gateway.ok(ROTATE, { name: endpoint }, { key: shop.apiKey })).rotateWebhookEndpointSecret;
    const newSecret: string = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    const hours = (Date.parse(rotated.previousSecretExpireTime) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);

    await createSession(gateway, shop.apiKey);
    await settledDeliveries(shop.apiKey, endpoint, 1);
    const [request] = receiver.requests;
    const signatures = String(request!.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    // Each secret alone verifies the request: receivers can switch whenever they like.
    expect(verify(newSecret, request!).type).toBe('checkout_session.created');
    expect(verify(oldSecret, request!).type).toBe('checkout_session.created');

    // A day later (time travel in the database), the old secret no longer signs.
    const id = endpoint.split('/').pop()!;
    await gateway.app.database.db.execute(sql`
      update webhook_endpoint
      set secrets = (select jsonb_agg(case when s->>'expireTime' is null then s else jsonb_set(s, '{expireTime}', to_jsonb((now() - interval '1 second')::text)) end) from jsonb_array_elements(secrets) s)
      where id = ${id}`);
    expect((await endpointState(shop.apiKey, endpoint)).previousSecretExpireTime).toBeNull();
    await createSession(gateway, shop.apiKey);
    await settledDeliveries(shop.apiKey, endpoint, 2);
    const later = receiver.requests[1]!;
    expect(String(later.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(newSecret, later).type).toBe('checkout_session.created');
    expect(() => verify(oldSecret, later)).toThrow();
  });
});

describe('managing endpoints', () => {
  it('creates, lists, updates and deletes, within the account only', async () => {
    const shop = await gateway.createAccount('Managing shop');
    const stranger = await gateway.createAccount('Stranger');
    const created = await gateway.ok(
      CREATE_ENDPOINT,
      {
        input: {
          url: 'https://hooks.example/a',
          enabledEvents: ['CHECKOUT_SESSION_PAID', 'CHECKOUT_SESSION_PAID'],
          description: 'Orders',
        },
      },
      { key: shop.apiKey },
    );
    const endpoint = created.createWebhookEndpoint.webhookEndpoint;
    expect(endpoint).toEqual({
      id: expect.any(String),
      name: expect.stringMatching(new RegExp(`^accounts/${shop.accountId}/webhook-endpoints/we_[A-Za-z0-9]{22,}$`)),
      url: 'https://hooks.example/a',
      enabledEvents: ['CHECKOUT_SESSION_PAID'],
      allEventsEnabled: false,
      description: 'Orders',
      disabled: false,
    });

    const LIST = `{ webhookEndpoints(first: 10) { edges { node { name url } } } }`;
    expect((await gateway.ok(LIST, {}, { key: shop.apiKey })).webhookEndpoints.edges).toEqual([
      { node: { name: endpoint.name, url: endpoint.url } },
    ]);
    expect((await gateway.ok(LIST, {}, { key: stranger.apiKey })).webhookEndpoints.edges).toEqual([]);
    expect(errorCodes(await gateway.gql(ENDPOINT, { name: endpoint.name }, { key: stranger.apiKey }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(
      errorCodes(
        await gateway.gql(
          UPDATE,
          { input: { name: endpoint.name, url: 'https://x.example' } },
          { key: stranger.apiKey },
        ),
      ),
    ).toEqual(['NOT_FOUND']);

    const updated = await gateway.ok(
      UPDATE,
      {
        input: {
          name: endpoint.name,
          url: 'https://hooks.example/b',
          enabledEvents: [],
          description: null,
          disabled: true,
        },
      },
      { key: shop.apiKey },
    );
    expect(updated.updateWebhookEndpoint.webhookEndpoint).toEqual({
      name: endpoint.name,
      url: 'https://hooks.example/b',
      enabledEvents: [],
      allEventsEnabled: true,
      description: null,
      disabled: true,
      disabledReason: 'USER',
    });

    const DELETE = `mutation($name: String!) { deleteWebhookEndpoint(input: { name: $name }) { deletedWebhookEndpointId deletedWebhookEndpointName } }`;
    expect(errorCodes(await gateway.gql(DELETE, { name: endpoint.name }, { key: stranger.apiKey }))).toEqual([
      'NOT_FOUND',
    ]);
    expect((await gateway.ok(DELETE, { name: endpoint.name }, { key: shop.apiKey })).deleteWebhookEndpoint).toEqual({
      deletedWebhookEndpointId: endpoint.id,
      deletedWebhookEndpointName: endpoint.name,
    });
    expect(errorCodes(await gateway.gql(ENDPOINT, { name: endpoint.name }, { key: shop.apiKey }))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('rejects bad input with every problem and its path, and writes nothing', async () => {
    const shop = await gateway.createAccount('Careless shop');
    const response = await gateway.gql(
      CREATE_ENDPOINT,
      {
        input: { url: 'ftp://hooks.example/x', enabledEvents: ['CHECKOUT_SESSION_PAID'], description: 'x'.repeat(501) },
      },
      { key: shop.apiKey },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.issues.map((issue: any) => issue.path)).toEqual([
      ['input', 'url'],
      ['input', 'description'],
    ]);
    // Event types are an enum: a type that does not exist (or the old "*") is refused before anything runs.
    for (const type of ['checkout_session.paid', 'CHECKOUT_SESSION_REFUNDED', '*']) {
      const unknown = await gateway.gql(
        CREATE_ENDPOINT,
        { input: { url: 'https://hooks.example', enabledEvents: ['CHECKOUT_SESSION_PAID', type] } },
        { key: shop.apiKey },
      );
      expect(errorCodes(unknown), type).toEqual(['BAD_USER_INPUT']);
      expect(unknown.body.errors![0]!.extensions!.issues.map((issue: any) => issue.path)).toEqual([
        ['input', 'enabledEvents', 1],
      ]);
    }
    for (const [url, message] of [
      ['https://user:pass@hooks.example/x', /credentials/],
      ['not a url', /absolute http or https URL/],
      ['javascript:alert(1)', /http or https/],
      ['http://169.254.169.254/latest/meta-data', /metadata/],
    ] as const) {
      const bad = await gateway.gql(CREATE_ENDPOINT, { input: { url } }, { key: shop.apiKey });
      expect(bad.body.errors?.[0]?.extensions?.issues, url).toEqual([
        { path: ['input', 'url'], message: expect.stringMatching(message) },
      ]);
    }
    expect(
      (await gateway.ok(`{ webhookEndpoints { edges { node { name } } } }`, {}, { key: shop.apiKey })).webhookEndpoints
        .edges,
    ).toEqual([]);
  });

  it('limits an account to 16 endpoints, even when creations race', async () => {
    const shop = await gateway.createAccount('Busy shop');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gateway.gql(CREATE_ENDPOINT, { input: { url: `https://hooks.example/${i}` } }, { key: shop.apiKey }),
      ),
    );
    expect(results.filter((result) => !result.body.errors).length).toBe(16);
    expect(results.flatMap(errorCodes)).toEqual(Array(4).fill('FAILED_PRECONDITION'));
  });

  it('resends an event as a new delivery with the same webhook-id', async () => {
    const { receiver, shop, endpoint, secret } = await setUp();
    await createSession(gateway, shop.apiKey);
    const [first] = await settledDeliveries(shop.apiKey, endpoint, 1);
    const RESEND = `mutation($input: ResendWebhookEventInput!) { resendWebhookEvent(input: $input) { webhookDelivery { id state event { id } } } }`;
    const resent = await gateway.ok(
      RESEND,
      { input: { webhookEndpoint: endpoint, event: first.event.id } },
      { key: shop.apiKey },
    );
    expect(resent.resendWebhookEvent.webhookDelivery).toMatchObject({
      state: 'PENDING',
      event: { id: first.event.id },
    });
    expect(resent.resendWebhookEvent.webhookDelivery.id).not.toBe(first.id);
    const deliveries = await settledDeliveries(shop.apiKey, endpoint, 2);
    expect(deliveries.map((delivery: any) => delivery.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(receiver.requests.map((request) => verify(secret, request).id)).toEqual([first.event.id, first.event.id]);

    const stranger = await gateway.createAccount('Stranger');
    const foreign = await gateway.gql(
      RESEND,
      { input: { webhookEndpoint: endpoint, event: first.event.id } },
      { key: stranger.apiKey },
    );
    expect(errorCodes(foreign)).toEqual(['NOT_FOUND']);
  });
});
