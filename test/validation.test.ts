import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_SESSION, createSession, errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let key: string;
let accountId: string;

beforeAll(async () => {
  gateway = await startGateway();
  ({ apiKey: key, accountId } = await gateway.createAccount('Validation shop'));
});
afterAll(() => gateway?.stop());

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

async function issuesFor(input: Record<string, unknown>) {
  const response = await gateway.gql(
    CREATE_SESSION,
    { input: { amount: '10000', currency: 'GBP', ...input } },
    { key },
  );
  expect(errorCodes(response), JSON.stringify(response.body)).toEqual(['BAD_USER_INPUT']);
  expect(response.body.data?.createCheckoutSession ?? null).toBeNull();
  return response.body.errors![0]!.extensions!.issues as { path: (string | number)[]; message: string }[];
}

async function countSessions(): Promise<number> {
  const data = await gateway.ok(`{ checkoutSessions(first: 100) { edges { node { id } } } }`, {}, { key });
  return data.checkoutSessions.edges.length;
}

describe('createCheckoutSession input rules', () => {
  it.each(['0', '-1', '01', '1.5', '1e3', ' 100', '1000000000000', 'abc', ''])('rejects amount %j', async (amount) => {
    expect(await issuesFor({ amount })).toEqual([{ path: ['input', 'amount'], message: expect.any(String) }]);
  });

  it.each(['1', '999999999999'])('accepts amount %s', async (amount) => {
    expect((await createSession(gateway, key, { amount })).amount).toBe(amount);
  });

  it.each(['XYZ', 'GB', 'GBPP', 'g1p', 'XAU'])('rejects currency %j', async (currency) => {
    expect(await issuesFor({ currency })).toEqual([
      { path: ['input', 'currency'], message: expect.stringContaining('ISO 4217') },
    ]);
  });

  it('stores a lower-case currency upper case and formats each currency with its own minor unit', async () => {
    expect(await createSession(gateway, key, { currency: 'gbp', amount: '10000' })).toMatchObject({
      currency: 'GBP',
      formattedAmount: '£100.00',
    });
    expect(await createSession(gateway, key, { currency: 'JPY', amount: '10000' })).toMatchObject({
      formattedAmount: '¥10,000',
    });
    expect((await createSession(gateway, key, { currency: 'KWD', amount: '1234' })).formattedAmount).toMatch(/1\.234/);
    const session = await createSession(gateway, key, { currency: 'EUR', amount: '123456' });
    const data = await gateway.ok(
      `query($name: String!) { checkoutSession(name: $name) { de: formattedAmount(locale: "de-DE") } }`,
      { name: session.name },
      { key },
    );
    expect(data.checkoutSession.de).toBe('1.234,56\u00a0€');
  });

  it.each([
    ['successUrl', 'ftp://example.com/x'],
    ['successUrl', '/relative/path'],
    ['successUrl', 'javascript:alert(1)'],
    ['cancelUrl', `https://example.com/${'a'.repeat(2030)}`],
    ['cancelUrl', 'not a url'],
    ['successUrl', 'https://user:secret@example.com/done'],
  ])('rejects %s %j', async (field, value) => {
    expect(await issuesFor({ [field]: value })).toEqual([{ path: ['input', field], message: expect.any(String) }]);
  });

  it('accepts a 2048-character URL and keeps the {CHECKOUT_SESSION_ID} placeholder', async () => {
    const long = `https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`;
    const session = await createSession(gateway, key, {
      successUrl: 'https://shop.test/done?cs={CHECKOUT_SESSION_ID}',
      cancelUrl: long,
    });
    expect(session.successUrl).toBe('https://shop.test/done?cs={CHECKOUT_SESSION_ID}');
    expect(session.cancelUrl).toHaveLength(2048);
  });

  it('limits clientReferenceId to 200 characters', async () => {
    expect(await issuesFor({ clientReferenceId: 'x'.repeat(201) })).toEqual([
      { path: ['input', 'clientReferenceId'], message: expect.any(String) },
    ]);
    expect((await createSession(gateway, key, { clientReferenceId: 'x'.repeat(200) })).clientReferenceId).toHaveLength(
      200,
    );
  });

  it('enforces the metadata limits with the offending key in the path', async () => {
    const fiftyOne = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(await issuesFor({ metadata: fiftyOne })).toEqual([
      { path: ['input', 'metadata'], message: expect.stringContaining('50') },
    ]);
    expect((await issuesFor({ metadata: { ['k'.repeat(41)]: 'v' } }))[0]!.path).toEqual([
      'input',
      'metadata',
      'k'.repeat(41),
    ]);
    expect((await issuesFor({ metadata: { 'a[b]': 'v' } }))[0]!.path).toEqual(['input', 'metadata', 'a[b]']);
    expect(await issuesFor({ metadata: { note: 'v'.repeat(501) } })).toEqual([
      { path: ['input', 'metadata', 'note'], message: expect.any(String) },
    ]);
    expect(await issuesFor({ metadata: { count: 5 } })).toEqual([
      { path: ['input', 'metadata', 'count'], message: expect.any(String) },
    ]);
    const fifty = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`key_${i}`.padEnd(40, 'x'), 'v'.repeat(500)]),
    );
    expect(Object.keys((await createSession(gateway, key, { metadata: fifty })).metadata)).toHaveLength(50);
  });

  it('rejects metadata that is not an object, with its path and beside the other problems', async () => {
    for (const metadata of [['a'], 'text', 5]) {
      expect(await issuesFor({ metadata, amount: '0' })).toEqual([
        { path: ['input', 'amount'], message: expect.any(String) },
        { path: ['input', 'metadata'], message: 'must be a JSON object whose values are strings' },
      ]);
    }
  });

  it('keeps every valid key, "__proto__" and "constructor" included', async () => {
    const metadata = JSON.parse('{"__proto__":"x","constructor":"y","b":"z"}');
    const session = await createSession(gateway, key, { metadata });
    expect(JSON.stringify(session.metadata)).toBe('{"__proto__":"x","constructor":"y","b":"z"}');
    const read = await gateway.ok(
      `query($n: String!) { checkoutSession(name: $n) { metadata } }`,
      { n: session.name },
      { key },
    );
    expect(Object.keys(read.checkoutSession.metadata).sort()).toEqual(['__proto__', 'b', 'constructor']);
  });

  it('accepts expireTime from 30 minutes to 24 hours ahead and nothing else', async () => {
    expect(await issuesFor({ expireTime: inMinutes(10) })).toEqual([
      { path: ['input', 'expireTime'], message: expect.any(String) },
    ]);
    expect(await issuesFor({ expireTime: inMinutes(25 * 60) })).toEqual([
      { path: ['input', 'expireTime'], message: expect.any(String) },
    ]);
    expect(await issuesFor({ expireTime: inMinutes(-5) })).toHaveLength(1);
    const expireTime = inMinutes(31);
    expect((await createSession(gateway, key, { expireTime })).expireTime).toBe(expireTime);
    expect(await issuesFor({ expireTime: 'tomorrow', currency: 'nope' })).toEqual([
      { path: ['input', 'currency'], message: expect.any(String) },
      { path: ['input', 'expireTime'], message: expect.stringContaining('RFC 3339') },
    ]);
  });

  it('limits idempotency keys to 1–255 characters', async () => {
    expect(await issuesFor({ idempotencyKey: 'k'.repeat(256) })).toEqual([
      { path: ['input', 'idempotencyKey'], message: expect.any(String) },
    ]);
    expect(await issuesFor({ idempotencyKey: '' })).toHaveLength(1);
  });

  it('reports every problem at once, writes nothing, and stores no idempotency key', async () => {
    const before = await countSessions();
    const issues = await issuesFor({
      amount: '0',
      currency: 'nope',
      successUrl: 'ftp://x',
      clientReferenceId: 'x'.repeat(300),
      metadata: { '': 'v' },
      idempotencyKey: 'bad-input-key',
    });
    expect(issues.map((issue) => issue.path.join('.')).sort()).toEqual(
      ['input.amount', 'input.clientReferenceId', 'input.currency', 'input.metadata.', 'input.successUrl'].sort(),
    );
    expect(await countSessions()).toBe(before);
    // The key was not stored: a valid request with it creates a session rather than failing as reused.
    const session = await createSession(gateway, key, { amount: '500', idempotencyKey: 'bad-input-key' });
    expect(session.amount).toBe('500');
  });
});

describe('URLs are stored as what new URL(x).href gives, or refused', () => {
  it.each([
    ['an IDN host', 'https://bücher.example/danke', 'https://xn--bcher-kva.example/danke'],
    [
      '€ and an emoji in the path',
      'https://shop.example/€/🎉?cs={CHECKOUT_SESSION_ID}',
      'https://shop.example/%E2%82%AC/%F0%9F%8E%89?cs={CHECKOUT_SESSION_ID}',
    ],
    ['a non-Latin query', 'https://shop.example/done?name=Zoë', 'https://shop.example/done?name=Zo%C3%AB'],
    ['an upper-case scheme and host, no path', 'HTTPS://Shop.Example', 'https://shop.example/'],
    [
      'a placeholder in the path',
      'https://shop.example/{CHECKOUT_SESSION_ID}/done',
      'https://shop.example/%7BCHECKOUT_SESSION_ID%7D/done',
    ],
  ])('normalises %s', async (_label, written, stored) => {
    const session = await createSession(gateway, key, { successUrl: written, cancelUrl: written });
    expect(session).toMatchObject({ successUrl: stored, cancelUrl: stored });
    const read = await gateway.ok(
      `query($n: String!) { checkoutSession(name: $n) { successUrl cancelUrl } }`,
      { n: session.name },
      { key },
    );
    expect(read.checkoutSession).toEqual({ successUrl: stored, cancelUrl: stored });
  });

  it.each([
    ['a space', 'https://shop.example/a b'],
    ['a leading space', ' https://shop.example/'],
    ['a tab', 'https://shop.example/a\tb'],
    ['CR/LF', 'https://shop.example/done\r\nSet-Cookie: x=1'],
    ['a line feed in the host', 'https://shop.\nexample/'],
    ['DEL', 'https://shop.example/\u007f'],
    ['no // authority', 'https:shop.example/done'],
    ['a single slash', 'https:/shop.example/done'],
    ['backslashes', 'https:\\\\shop.example\\done'],
    ['no host', 'https:///done'],
  ])('refuses %s, with the path', async (_label, url) => {
    expect(await issuesFor({ successUrl: url, cancelUrl: url })).toEqual([
      { path: ['input', 'successUrl'], message: expect.any(String) },
      { path: ['input', 'cancelUrl'], message: expect.any(String) },
    ]);
  });

  it('refuses a URL that only passes 2048 characters once percent-encoded', async () => {
    const url = `https://shop.example/${'€'.repeat(700)}`;
    expect(await issuesFor({ successUrl: url })).toEqual([
      { path: ['input', 'successUrl'], message: expect.stringContaining('2048') },
    ]);
  });

  it("normalises and refuses the same way over REST, with the body's own names", async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${gateway.url}/v1/accounts/${accountId}/checkout-sessions`, {
        method: 'POST',
        headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '100', currency: 'GBP', ...body }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
    const created = await post({ success_url: 'https://bücher.example/€', cancel_url: 'https://shop.example/🎉' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({
      success_url: 'https://xn--bcher-kva.example/%E2%82%AC',
      cancel_url: 'https://shop.example/%F0%9F%8E%89',
    });
    const refused = await post({ success_url: 'https://shop.example/a b', cancel_url: 'https:shop.example' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { path: ['success_url'], message: expect.any(String) },
      { path: ['cancel_url'], message: expect.any(String) },
    ]);
  });

  it('stores webhook endpoint URLs normalised and refuses the same forms', async () => {
    const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { name url } } }`;
    const created = await gateway.ok(CREATE, { input: { url: 'http://Bücher.localhost:9/hooks/€' } }, { key });
    expect(created.createWebhookEndpoint.webhookEndpoint.url).toBe('http://xn--bcher-kva.localhost:9/hooks/%E2%82%AC');
    for (const url of ['http://127.0.0.1:9/a b', 'http:127.0.0.1:9/hooks', 'http://127.0.0.1:9/\r\n']) {
      const response = await gateway.gql(CREATE, { input: { url } }, { key });
      expect(response.body.errors?.[0]?.extensions?.issues, url).toEqual([
        { path: ['input', 'url'], message: expect.any(String) },
      ]);
    }
    const updated = await gateway.ok(
      `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { url } } }`,
      { input: { name: created.createWebhookEndpoint.webhookEndpoint.name, url: 'http://127.0.0.1:9/Zoë' } },
      { key },
    );
    expect(updated.updateWebhookEndpoint.webhookEndpoint.url).toBe('http://127.0.0.1:9/Zo%C3%AB');
  });
});

describe('metadata written inline', () => {
  it('keeps a "__proto__" key, as variables and REST do', async () => {
    const data = await gateway.ok(
      `mutation { createCheckoutSession(input: { amount: "1", currency: "GBP", metadata: { __proto__: "x", constructor: "y", b: "z" } }) { name metadata } }`,
      {},
      { key },
    );
    expect(JSON.stringify(data.createCheckoutSession.metadata)).toBe('{"__proto__":"x","constructor":"y","b":"z"}');
    const read = await gateway.ok(
      `query($n: String!) { checkoutSession(name: $n) { metadata } }`,
      { n: data.createCheckoutSession.name },
      { key },
    );
    expect(Object.keys(read.checkoutSession.metadata).sort()).toEqual(['__proto__', 'b', 'constructor']);
  });
});

describe('impossible instants', () => {
  it('refuses hour 24, minute 60 and second 60 rather than rolling them over, on GraphQL and REST', async () => {
    // Midnight tonight written as "T24:00:00" rolls over into the allowed window (until 23:29
    // UTC, when it falls outside the window and is refused for that reason too).
    const today = new Date().toISOString().slice(0, 10);
    const soon = new Date(Date.now() + 2 * 60 * 60_000).toISOString().slice(0, 16);
    for (const expireTime of [`${today}T24:00:00Z`, `${soon.slice(0, 13)}:60:00Z`, `${soon}:60Z`]) {
      expect(await issuesFor({ expireTime }), expireTime).toEqual([
        { path: ['input', 'expireTime'], message: expect.stringContaining('RFC 3339') },
      ]);
      const response = await fetch(`${gateway.url}/v1/accounts/${accountId}/checkout-sessions`, {
        method: 'POST',
        headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '100', currency: 'GBP', expire_time: expireTime }),
      });
      expect(response.status, expireTime).toBe(400);
      expect(((await response.json()) as any).error.details).toEqual([
        { path: ['expire_time'], message: expect.stringContaining('RFC 3339') },
      ]);
    }
  });
});
