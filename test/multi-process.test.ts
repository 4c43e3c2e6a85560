import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  privateDatabase,
  signatureHeaders,
  startReceiver,
  subscribeSse,
  subscribeWs,
  type Collected,
  type Receiver,
  type ReceivedWebhook,
} from './events-kit.js';
import { spawnGateway as spawnGatewayProcess, type GatewayProcess } from './spawn.js';
import { testDatabaseUrl } from './testkit.js';

const ADMIN_KEY = 'admin_multi_process_key_0123456789';

const EVENTS = `subscription($after: String) { events(after: $after) { id type checkoutSession { name } } }`;
const CREATE = `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { name } }`;
const EXPIRE = `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`;
const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { name } secret } }`;
const DELIVERIES = `query($name: String!) { webhookEndpoint(name: $name) { deliveries(first: 100) { edges { node {
  state event { id } attempts { attemptNumber statusCode succeeded }
} } } } }`;
const LIST = `query { events(first: 100) { edges { node { id type checkoutSession { name } } } } }`;

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as any;
  if (body.errors || !body.data)
    throw new Error(`${query}\n${JSON.stringify(variables)}\n→ ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

describe.skipIf(!testDatabaseUrl())(
  'several gateway processes on one PostgreSQL database (skipped on PGlite: one process per database)',
  () => {
    let database: Awaited<ReturnType<typeof privateDatabase>>;
    let env: Record<string, string>;
    const children: GatewayProcess[] = [];
    const receivers: Receiver[] = [];
    const subscriptions: Collected[] = [];
    let pair: [GatewayProcess, GatewayProcess] | undefined;

    async function spawnGateway() {
      const child = await spawnGatewayProcess(env);
      children.push(child);
      return child;
    }

    async function newReceiver() {
      const receiver = await startReceiver();
      receivers.push(receiver);
      return receiver;
    }

    async function setUpShop(url: string, receiver: Receiver) {
      const account = await gql(
        url,
        ADMIN_KEY,
        `mutation { createAccount(input: { displayName: "Multi" }) { apiKey } }`,
      );
      const key: string = account.createAccount.apiKey;
      const endpoint = await gql(url, key, CREATE_ENDPOINT, {
        input: { url: `${receiver.url}/hooks`, enabledEvents: [] },
      });
      return {
        key,
        endpoint: endpoint.createWebhookEndpoint.webhookEndpoint.name as string,
        secret: endpoint.createWebhookEndpoint.secret as string,
      };
    }

    beforeAll(async () => {
      // A database of this file's own: only these processes claim its deliveries.
      database = await privateDatabase('processes');
      env = {
        DATABASE_URL: database!.url,
        ADMIN_API_KEY: ADMIN_KEY,
        WEBHOOK_RETRY_SCHEDULE: '0,200ms,400ms',
        // The lease of a claimed delivery is twice the timeout: a killed worker's delivery is retried after 4 s.
        WEBHOOK_TIMEOUT: '2s',
      };
    });

    afterAll(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await Promise.all(children.map((child) => child.stop('SIGKILL')));
      await Promise.all(receivers.map((receiver) => receiver.close()));
      await database?.drop();
    });

    it('a process killed with -9 in the middle of a delivery only delays it', async () => {
      const receiver = await newReceiver();
      let hanging: ReceivedWebhook | undefined;
      // The first request is left unanswered: its sender is then killed before it can record anything.
      receiver.respond = (request) => {
        if (hanging) return 200;
        hanging = request;
        return undefined;
      };
      const doomed = await spawnGateway();
      const shop = await setUpShop(doomed.url, receiver);
      const session = (await gql(doomed.url, shop.key, CREATE, { input: { amount: '5000', currency: 'EUR' } }))
        .createCheckoutSession;
      await eventually(
        () => hanging,
        () => 'the first webhook request',
      );
      expect(await doomed.stop('SIGKILL')).toBeNull();

      pair = (await Promise.all([spawnGateway(), spawnGateway()])) as [GatewayProcess, GatewayProcess];
      const delivered = await eventually(
        () => (receiver.requests.length >= 2 ? receiver.requests[1] : undefined),
        () => `a second request, got ${receiver.requests.length}`,
        30_000,
      );
      const payload = new Webhook(shop.secret).verify(delivered.body, signatureHeaders(delivered)) as any;
      expect(payload).toMatchObject({
        type: 'checkout_session.created',
        data: { checkout_session: { name: session.name } },
      });
      expect(delivered.headers['webhook-id']).toBe(hanging!.headers['webhook-id']);

      const deliveries = await eventually(
        async () => {
          const data = await gql(pair![0].url, shop.key, DELIVERIES, { name: shop.endpoint });
          const nodes = data.webhookEndpoint.deliveries.edges.map((edge: any) => edge.node);
          return nodes.every((node: any) => node.state === 'SUCCEEDED') ? nodes : undefined;
        },
        () => 'the delivery to succeed',
      );
      // The killed attempt left no record; the attempt that reached the receiver is the first on record.
      expect(deliveries).toEqual([
        {
          state: 'SUCCEEDED',
          event: { id: payload.id },
          attempts: [{ attemptNumber: 1, statusCode: 200, succeeded: true }],
        },
      ]);
      expect(receiver.requests).toHaveLength(2);
    }, 90_000);

    it('subscribers on both processes get every event once, in order; every webhook attempt happens once', async () => {
      const [a, b] = pair ?? (await Promise.all([spawnGateway(), spawnGateway()]));
      const receiver = await newReceiver();
      const answered = new Set<string>();
      // Every event fails once, then succeeds: two attempts each, however many processes deliver.
      receiver.respond = (request) => {
        const id = String(request.headers['webhook-id']);
        if (answered.has(id)) return 200;
        answered.add(id);
        return 500;
      };
      const shop = await setUpShop(a.url, receiver);
      const create = (url: string, i: number) =>
        gql(url, shop.key, CREATE, { input: { amount: String(100 + i), currency: 'GBP' } });
      const first = await create(a.url, 0);
      const start = (await gql(b.url, shop.key, LIST)).events.edges[0].node.id;

      const onA = subscribeWs(a.url, shop.key, EVENTS, { after: start });
      const onB = subscribeWs(b.url, shop.key, EVENTS, { after: start });
      const sseOnB = await subscribeSse(b.url, shop.key, EVENTS, { after: start });
      subscriptions.push(onA, onB, sseOnB);
      // Until every subscriber is live, so that what follows travels by NOTIFY between processes.
      await create(b.url, 1);
      await Promise.all([onA.waitFor(1), onB.waitFor(1), sseOnB.waitFor(1)]);

      const sessions = await Promise.all(Array.from({ length: 10 }, (_, i) => create(i % 2 ? a.url : b.url, i + 2)));
      await Promise.all(
        sessions
          .slice(0, 5)
          .map((session, i) =>
            gql(i % 2 ? b.url : a.url, shop.key, EXPIRE, { name: session.createCheckoutSession.name }),
          ),
      );

      const log = (await gql(a.url, shop.key, LIST)).events.edges.map((edge: any) => edge.node).reverse();
      expect(log).toHaveLength(1 + 1 + 10 + 5);
      const expected = log.slice(1).map((event: any) => event.id);
      for (const subscriber of [onA, onB, sseOnB]) {
        const items = await subscriber.waitFor(expected.length);
        expect(items.map((item) => item.events.id)).toEqual(expected);
      }

      const deliveries = await eventually(
        async () => {
          const data = await gql(b.url, shop.key, DELIVERIES, { name: shop.endpoint });
          const nodes = data.webhookEndpoint.deliveries.edges.map((edge: any) => edge.node);
          return nodes.length === log.length && nodes.every((node: any) => node.state === 'SUCCEEDED')
            ? nodes
            : undefined;
        },
        () => `${log.length} successful deliveries`,
        30_000,
      );
      for (const delivery of deliveries) {
        expect(delivery.attempts.map((attempt: any) => [attempt.attemptNumber, attempt.statusCode])).toEqual([
          [1, 500],
          [2, 200],
        ]);
      }
      const perEvent = new Map<string, number>();
      for (const request of receiver.requests) {
        new Webhook(shop.secret).verify(request.body, signatureHeaders(request));
        const id = String(request.headers['webhook-id']);
        perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
      }
      expect(perEvent.size).toBe(log.length);
      expect([...perEvent.values()].every((count) => count === 2)).toBe(true);

      // Nothing trails behind: no subscriber gets a duplicate late. An event committed now is the
      // next item of each feed, as a feed keeps commit order.
      await create(a.url, 99);
      const marker = (await gql(b.url, shop.key, LIST)).events.edges[0].node.id;
      for (const subscriber of [onA, onB, sseOnB]) {
        expect((await subscriber.waitFor(expected.length + 1))[expected.length].events.id).toBe(marker);
        expect(subscriber.items).toHaveLength(expected.length + 1);
      }
      expect(first.createCheckoutSession.name).toBe(log[0].checkoutSession.name);

      for (const child of [a, b]) expect(await child.stop('SIGTERM')).toBe(0);
    }, 90_000);
  },
);
