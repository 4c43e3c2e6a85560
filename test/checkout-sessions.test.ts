import { describe, expect } from 'vitest';
import { sandboxProcessor } from '../src/domain/payments/processor.js';
import { payCheckoutSession } from '../src/domain/payments/pay.js';
import { createSession, errorCodes } from './testkit.js';
import { test } from './fixtures.js';

test.override('shopName', 'Lifecycle shop');
test.beforeAll(({ gateway }) => void gateway);

describe('the seed lifecycle', () => {
  test('creates an OPEN session with its payment intent, url and formatted amount', async ({ gateway, shop }) => {
    const session = await createSession(gateway, shop.apiKey, {
      currency: 'gbp',
      clientReferenceId: 'order_12345',
      successUrl: 'https://example.com/success',
      cancelUrl: 'https://example.com/cancel',
    });
    const id = session.name.split('/').pop();
    expect(session.name).toBe(`accounts/${shop.accountId}/checkout-sessions/${id}`);
    expect(id).toMatch(/^cs_[A-Za-z0-9]{22,}$/);
    expect(session).toMatchObject({
      state: 'OPEN',
      amount: '10000',
      currency: 'GBP',
      formattedAmount: '£100.00',
      clientReferenceId: 'order_12345',
      url: `${gateway.url}/checkout?s_checkout_session=${id}`,
      paid: false,
      successUrl: 'https://example.com/success',
      cancelUrl: 'https://example.com/cancel',
      metadata: {},
    });
    expect(session.paymentIntent.name).toMatch(new RegExp(`^accounts/${shop.accountId}/payment-intents/pi_`));
    expect(session.paymentIntent.state).toBe('REQUIRES_PAYMENT_METHOD');
    const hours = (Date.parse(session.expireTime) - Date.parse(session.createTime)) / 3_600_000;
    expect(hours).toBeCloseTo(24, 3);
  });

  test('stores every field it answers with: a read by name equals the create response', async ({ gateway, shop }) => {
    const fields = `name state paid amount currency clientReferenceId successUrl cancelUrl metadata url createTime updateTime expireTime
      paymentIntent { name state amount currency cardBrand cardLast4 createTime updateTime lastPaymentError { code } }`;
    const input = {
      amount: '999999999999',
      currency: 'JPY',
      clientReferenceId: 'ref-ünï',
      successUrl: 'https://example.com/ok?a=1&b=2',
      cancelUrl: 'https://example.com/back',
      expireTime: new Date(Date.now() + 3_600_000).toISOString(),
      metadata: JSON.parse('{"order": "7", "__proto__": "kept", "quote": "\\"x\\" ✓"}'),
    };
    const created = await gateway.ok(
      `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { ${fields} } }`,
      { input },
      { key: shop.apiKey },
    );
    const read = await gateway.ok(
      `query($name: String!) { checkoutSession(name: $name) { ${fields} } }`,
      { name: created.createCheckoutSession.name },
      { key: shop.apiKey },
    );
    expect(read.checkoutSession).toEqual(created.createCheckoutSession);
    expect(read.checkoutSession).toMatchObject({
      amount: input.amount,
      expireTime: input.expireTime,
      metadata: input.metadata,
    });
    expect(Object.keys(read.checkoutSession.metadata)).toContain('__proto__');
  });

  test('answers a create selecting its payment intent with no statement more than one without', async ({
    gateway,
    shop,
  }) => {
    const statementsOf = async (selection: string) => {
      const before = gateway.app.database.statementCount();
      const data = await gateway.ok(
        `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { name state ${selection} } }`,
        { input: { amount: '2500', currency: 'EUR' } },
        { key: shop.apiKey },
      );
      return { statements: gateway.app.database.statementCount() - before, session: data.createCheckoutSession };
    };
    await statementsOf(''); // warm the key cache
    const without = await statementsOf('');
    const withIntent = await statementsOf('paymentIntent { name state amount currency createTime updateTime }');
    expect(withIntent.session.paymentIntent).toMatchObject({
      state: 'REQUIRES_PAYMENT_METHOD',
      amount: '2500',
      currency: 'EUR',
    });
    expect(withIntent.statements).toBe(without.statements);
  });

  test('runs the operation a request names from a document of several, every time', async ({ gateway }) => {
    const { apiKey } = await gateway.createAccount('Two operations');
    // As GraphiQL sends its example: the whole document, and the name of the operation to run.
    const document = `mutation Create { createCheckoutSession(input: { amount: "100", currency: "GBP" }) { name } }
      query List { checkoutSessions(first: 10) { edges { node { name } } } }`;
    const run = async (operationName: string) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Api-Key ${apiKey}` },
        body: JSON.stringify({ query: document, operationName }),
      });
      return ((await response.json()) as any).data;
    };
    const created = await run('Create');
    expect(Object.keys(created)).toEqual(['createCheckoutSession']);
    for (let i = 0; i < 3; i += 1) {
      const listed = await run('List');
      expect(listed.checkoutSessions.edges.map((edge: any) => edge.node.name)).toEqual([
        created.createCheckoutSession.name,
      ]);
    }
    const again = await run('Create');
    expect(again.createCheckoutSession.name).not.toBe(created.createCheckoutSession.name);
    // A GET may run the query, never the mutation beside it.
    const viaGet = await fetch(
      `${gateway.url}/graphql?${new URLSearchParams({ query: document, operationName: 'List' })}`,
      {
        headers: { authorization: `Api-Key ${apiKey}`, accept: 'application/json' },
      },
    );
    expect(((await viaGet.json()) as any).data.checkoutSessions.edges).toHaveLength(2);
  });

  test('expires an OPEN session, cancels its intent, and keeps EXPIRED as it is', async ({ gateway, shop }) => {
    const session = await createSession(gateway, shop.apiKey);
    const expire = `mutation($name: String!) { expireCheckoutSession(name: $name) { state url paid updateTime paymentIntent { state } } }`;
    const first = await gateway.ok(expire, { name: session.name }, { key: shop.apiKey });
    expect(first.expireCheckoutSession).toMatchObject({
      state: 'EXPIRED',
      url: null,
      paid: false,
      paymentIntent: { state: 'CANCELED' },
    });
    const again = await gateway.ok(expire, { name: session.name }, { key: shop.apiKey });
    expect(again.expireCheckoutSession).toEqual(first.expireCheckoutSession);
  });

  test('refuses to expire a COMPLETE session and leaves it paid', async ({ gateway, shop }) => {
    const session = await createSession(gateway, shop.apiKey);
    const id = session.name.split('/').pop()!;
    const deps = { db: gateway.app.database.db, publicUrl: gateway.url, paymentProcessor: sandboxProcessor };
    const paid = await payCheckoutSession(deps, id, {
      cardNumber: '4242 4242 4242 4242',
      expiry: '12/40',
      securityCode: '123',
      nameOnCard: 'A Customer',
    });
    expect(paid.outcome).toBe('succeeded');
    const response = await gateway.gql(
      `mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`,
      { n: session.name },
      { key: shop.apiKey },
    );
    expect(errorCodes(response)).toEqual(['FAILED_PRECONDITION']);
    const read = await gateway.ok(
      `query($n: String!) { checkoutSession(name: $n) { state paid url paymentIntent { state cardBrand cardLast4 } } }`,
      { n: session.name },
      { key: shop.apiKey },
    );
    expect(read.checkoutSession).toEqual({
      state: 'COMPLETE',
      paid: true,
      url: null,
      paymentIntent: { state: 'SUCCEEDED', cardBrand: 'visa', cardLast4: '4242' },
    });
  });

  test('rejects an unauthenticated request', async ({ gateway }) => {
    const response = await gateway.gql(`{ checkoutSessions { edges { node { id } } } }`, {}, { key: null });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});
