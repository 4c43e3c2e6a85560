/**
 * The statement-count guard the sessions list has (listing-and-expiry.test.ts), for the other
 * lists: events, an endpoint's deliveries, and the attempts inside each delivery. A page of 50
 * costs the same number of statements as a page of 5, so nothing is read once per row (N+1).
 */
import { describe, expect } from 'vitest';
import { eventually, startReceiver } from './events-kit.js';
import { test } from './fixtures.js';
import { createSession, type Gateway } from './testkit.js';

test.override('shopName', 'Counted shop');
test.beforeAll(({ gateway }) => void gateway);

const ROWS = 50;

const EVENTS = `query($first: Int!) { events(first: $first) { edges { node {
  id name type createTime checkoutSession { name state paymentIntent { state } } checkoutSessionSnapshot { id state }
} } } }`;
const DELIVERIES = `query($name: String!, $first: Int!) { webhookEndpoint(name: $name) { deliveries(first: $first) { edges { node {
  id state attemptCount event { id type checkoutSession { name } } attempts { id attemptNumber statusCode succeeded }
} } } } }`;

/**
 * Statements one request sends, the fewest of three tries: the gateway's own background loops
 * (delivery, expiry) share the counter, and one of their rounds may land in a try.
 */
async function statementsOf(gateway: Gateway, send: () => Promise<unknown>): Promise<number> {
  const counts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const before = gateway.app.database.statementCount();
    await send();
    counts.push(gateway.app.database.statementCount() - before);
  }
  return Math.min(...counts);
}

describe('list statement counts', () => {
  test('events, deliveries and their attempts: as many statements for 50 rows as for 5', async ({ gateway, shop }) => {
    const receiver = await startReceiver();
    try {
      const created = await gateway.ok(
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { name } } }`,
        { input: { url: `${receiver.url}/hooks`, enabledEvents: [] } },
        { key: shop.apiKey },
      );
      const endpoint: string = created.createWebhookEndpoint.webhookEndpoint.name;
      for (let i = 0; i < ROWS; i += 5) {
        await Promise.all(Array.from({ length: 5 }, () => createSession(gateway, shop.apiKey)));
      }
      // Every delivery attempted, so that each row has attempts to read.
      await eventually(
        async () => {
          const data = await gateway.ok(DELIVERIES, { name: endpoint, first: ROWS }, { key: shop.apiKey });
          const nodes = data.webhookEndpoint.deliveries.edges.map((edge: any) => edge.node);
          return nodes.length === ROWS && nodes.every((node: any) => node.attempts.length > 0);
        },
        () => `${ROWS} attempted deliveries`,
        60_000,
      );

      const events = async (first: number) => {
        const data = await gateway.ok(EVENTS, { first }, { key: shop.apiKey });
        expect(data.events.edges).toHaveLength(first);
      };
      const deliveries = async (first: number) => {
        const data = await gateway.ok(DELIVERIES, { name: endpoint, first }, { key: shop.apiKey });
        expect(data.webhookEndpoint.deliveries.edges).toHaveLength(first);
        expect(data.webhookEndpoint.deliveries.edges.every((edge: any) => edge.node.attempts.length > 0)).toBe(true);
      };
      const eventStatements = await statementsOf(gateway, () => events(5));
      expect(await statementsOf(gateway, () => events(ROWS))).toBe(eventStatements);
      const deliveryStatements = await statementsOf(gateway, () => deliveries(5));
      expect(await statementsOf(gateway, () => deliveries(ROWS))).toBe(deliveryStatements);
      // Whatever the page: the page itself, then one batched read per kind of nested object.
      expect(eventStatements).toBe(3);
      expect(deliveryStatements).toBe(5);
    } finally {
      await receiver.close();
    }
  }, 120_000);
});
