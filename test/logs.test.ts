/**
 * The log as an operator reads it: after every kind of operation (accounts, sessions over
 * GraphQL, REST, WebSocket and SSE, a card payment on the hosted page, webhook endpoints and
 * their secrets), no key, secret, card number or security code is in it, and the lines of one
 * request all carry that request's id, which the response returns.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { randomToken } from '../src/domain/ids.js';
import { openForm, submitCard } from './browser.js';
import { captureLogLines } from './log-capture.js';
import { ADMIN_KEY, createSession, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let restoreStderr: (() => void) | undefined;
const lines: string[] = [];

beforeAll(async () => {
  restoreStderr = captureLogLines(lines);
  gateway = await startGateway({ logLevel: 'debug' });
});
afterAll(async () => {
  await gateway?.stop();
  restoreStderr?.();
});

const entries = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

it('keeps keys, secrets and card data out of the log, and tags every line of a request with its id', async () => {
  const shop = await gateway.createAccount('Logged shop');
  const created = await gateway.ok(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { name } } }`,
    { input: { url: 'https://hooks.example/logged' } },
    { key: shop.apiKey },
  );
  const rotated = await gateway.ok(
    `mutation($input: RotateWebhookEndpointSecretInput!) { rotateWebhookEndpointSecret(input: $input) { secret } }`,
    { input: { name: created.createWebhookEndpoint.webhookEndpoint.name } },
    { key: shop.apiKey },
  );

  // REST, with the key and a cookie in headers a careless log would copy.
  const accountId = shop.accountId;
  const rest = await fetch(`${gateway.url}/v1/accounts/${accountId}/checkout-sessions`, {
    method: 'POST',
    headers: {
      authorization: `Api-Key ${shop.apiKey}`,
      cookie: 'session=cookie-value-not-logged',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ amount: '2500', currency: 'EUR' }),
  });
  expect(rest.status).toBe(200);
  const restId = rest.headers.get('x-request-id');
  expect(restId).toMatch(/^[0-9a-f-]{36}$/);

  // A WebSocket operation and an SSE one.
  const ws = createClient({
    url: `${gateway.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Api-Key ${shop.apiKey}` },
  });
  const viaWs = await new Promise<any>((resolve, reject) => {
    ws.subscribe({ query: `{ account { name } }` }, { next: resolve, error: reject, complete: () => {} });
  });
  expect(viaWs.data.account.name).toBe(shop.name);
  await ws.dispose();
  const sse = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: {
      authorization: `Api-Key ${shop.apiKey}`,
      accept: 'text/event-stream',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ query: `{ account { name } }` }),
  });
  expect(await sse.text()).toContain(shop.name);

  // A card payment on the hosted page, under a request id the client chose.
  const session = await createSession(gateway, shop.apiKey, { successUrl: 'https://shop.example/thanks' });
  const form = await openForm(session.url);
  const payId = `pay-${randomToken(12)}`;
  const cardNumber = '4242424242424242';
  const securityCode = '739';
  const paid = await submitCard(
    session.url,
    form,
    { card_number: cardNumber, security_code: securityCode },
    { 'x-request-id': payId },
  );
  expect(paid.status).toBe(303);
  expect(paid.headers.get('x-request-id')).toBe(payId);

  // An id that is not sane (too long, or with characters a log reader would misread) is replaced.
  const odd = await gateway.gql(
    `{ account { name } }`,
    {},
    { key: shop.apiKey, headers: { 'x-request-id': 'a'.repeat(200) } },
  );
  expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  await new Promise((resolve) => setTimeout(resolve, 200));

  const log = lines.join('\n');
  for (const secret of [
    ADMIN_KEY,
    shop.apiKey,
    created.createWebhookEndpoint.secret,
    rotated.rotateWebhookEndpointSecret.secret,
    cardNumber,
    '4242 4242 4242 4242',
    'cookie-value-not-logged',
  ]) {
    expect(log).not.toContain(secret);
  }
  expect(log).not.toMatch(new RegExp(`["=]${securityCode}["&]`));

  const all = entries();
  const payment = all.filter((entry) => entry.requestId === payId);
  // The payment's own line and the request's line, and no line about this payment without the id.
  expect(payment.map((entry) => entry.message).sort()).toEqual(['checkout session paid', 'request']);
  expect(payment.every((entry) => entry.transport === 'hosted')).toBe(true);
  expect(all.filter((entry) => entry.message === 'checkout session paid' && entry.requestId !== payId)).toEqual([]);
  expect(all.find((entry) => entry.requestId === restId && entry.message === 'request')).toMatchObject({
    method: 'POST',
    status: 200,
    transport: 'rest',
  });
  const wsLines = all.filter((entry) => entry.transport === 'websocket');
  expect(wsLines.map((entry) => entry.message)).toEqual(['websocket opened', 'websocket closed']);
  expect(new Set(wsLines.map((entry) => entry.requestId)).size).toBe(1);
  expect(all.some((entry) => entry.transport === 'sse' && entry.message === 'request' && entry.requestId)).toBe(true);
  // Every line logged while a request was handled carries an id.
  expect(all.filter((entry) => entry.message === 'request' && !entry.requestId)).toEqual([]);
}, 120_000);

it('redacts keys, secrets, card fields and credential headers by field name', async () => {
  const captured: string[] = [];
  const { createLogger } = await import('../src/observability/logger.js');
  const logger = createLogger('info', (line) => captured.push(line));
  logger.info('careless', {
    apiKey: 'sk_live_leak',
    secret: 'whsec_leak',
    card: { number: '4242424242424242', cvc: 'cvc_leak' },
    headers: { authorization: 'Api-Key sk_header_leak', cookie: 'csrf=leak', accept: 'text/html' },
    request: { headers: { authorization: 'Api-Key sk_nested_leak' } },
  });
  const text = captured.join('');
  for (const leak of [
    'sk_live_leak',
    'whsec_leak',
    '4242424242424242',
    'cvc_leak',
    'sk_header_leak',
    'csrf=leak',
    'sk_nested_leak',
  ])
    expect(text).not.toContain(leak);
  expect(JSON.parse(text)).toMatchObject({
    level: 'info',
    message: 'careless',
    headers: { accept: 'text/html', authorization: '[redacted]' },
  });
});
