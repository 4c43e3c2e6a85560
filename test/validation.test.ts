import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_SESSION, createSession, errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let key: string;

beforeAll(async () => {
  gateway = await startGateway();
  ({ apiKey: key } = await gateway.createAccount('Validation shop'));
});
afterAll(() => gateway?.stop());

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

async function issuesFor(input: Record<string, unknown>) {
  const response = await gateway.gql(CREATE_SESSION, { input: { amount: '10000', currency: 'GBP', ...input } }, { key });
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
    expect(await issuesFor({ currency })).toEqual([{ path: ['input', 'currency'], message: expect.stringContaining('ISO 4217') }]);
  });

  it('stores a lower-case currency upper case and formats each currency with its own minor unit', async () => {
    expect(await createSession(gateway, key, { currency: 'gbp', amount: '10000' })).toMatchObject({ currency: 'GBP', formattedAmount: '£100.00' });
    expect(await createSession(gateway, key, { currency: 'JPY', amount: '10000' })).toMatchObject({ formattedAmount: '¥10,000' });
    expect((await createSession(gateway, key, { currency: 'KWD', amount: '1234' })).formattedAmount).toMatch(/1\.234/);
    const session = await createSession(gateway, key, { currency: 'EUR', amount: '123456' });
    const data = await gateway.ok(`query($name: String!) { checkoutSession(name: $name) { de: formattedAmount(locale: "de-DE") } }`, { name: session.name }, { key });
    expect(data.checkoutSession.de).toBe('1.234,56\u00a0€');
  });

  it.each([
    ['successUrl', 'ftp://example.com/x'],
    ['successUrl', '/relative/path'],
    ['successUrl', 'javascript:alert(1)'],
    ['cancelUrl', 'https://example.com/' + 'a'.repeat(2030)],
    ['cancelUrl', 'not a url'],
    ['successUrl', 'https://user:secret@example.com/done'],
  ])('rejects %s %j', async (field, value) => {
    expect(await issuesFor({ [field]: value })).toEqual([{ path: ['input', field], message: expect.any(String) }]);
  });

  it('accepts a 2048-character URL and keeps the {CHECKOUT_SESSION_ID} placeholder', async () => {
    const long = 'https://example.com/' + 'a'.repeat(2048 - 'https://example.com/'.length);
    const session = await createSession(gateway, key, { successUrl: 'https://shop.test/done?cs={CHECKOUT_SESSION_ID}', cancelUrl: long });
    expect(session.successUrl).toBe('https://shop.test/done?cs={CHECKOUT_SESSION_ID}');
    expect(session.cancelUrl).toHaveLength(2048);
  });

  it('limits clientReferenceId to 200 characters', async () => {
    expect(await issuesFor({ clientReferenceId: 'x'.repeat(201) })).toEqual([{ path: ['input', 'clientReferenceId'], message: expect.any(String) }]);
    expect((await createSession(gateway, key, { clientReferenceId: 'x'.repeat(200) })).clientReferenceId).toHaveLength(200);
  });

  it('enforces the metadata limits with the offending key in the path', async () => {
    const fiftyOne = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(await issuesFor({ metadata: fiftyOne })).toEqual([{ path: ['input', 'metadata'], message: expect.stringContaining('50') }]);
    expect((await issuesFor({ metadata: { ['k'.repeat(41)]: 'v' } }))[0]!.path).toEqual(['input', 'metadata', 'k'.repeat(41)]);
    expect((await issuesFor({ metadata: { 'a[b]': 'v' } }))[0]!.path).toEqual(['input', 'metadata', 'a[b]']);
    expect(await issuesFor({ metadata: { note: 'v'.repeat(501) } })).toEqual([{ path: ['input', 'metadata', 'note'], message: expect.any(String) }]);
    expect(await issuesFor({ metadata: { count: 5 } })).toEqual([{ path: ['input', 'metadata', 'count'], message: expect.any(String) }]);
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key_${i}`.padEnd(40, 'x'), 'v'.repeat(500)]));
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
    const read = await gateway.ok(`query($n: String!) { checkoutSession(name: $n) { metadata } }`, { n: session.name }, { key });
    expect(Object.keys(read.checkoutSession.metadata).sort()).toEqual(['__proto__', 'b', 'constructor']);
  });

  it('accepts expireTime from 30 minutes to 24 hours ahead and nothing else', async () => {
    expect(await issuesFor({ expireTime: inMinutes(10) })).toEqual([{ path: ['input', 'expireTime'], message: expect.any(String) }]);
    expect(await issuesFor({ expireTime: inMinutes(25 * 60) })).toEqual([{ path: ['input', 'expireTime'], message: expect.any(String) }]);
    expect(await issuesFor({ expireTime: inMinutes(-5) })).toHaveLength(1);
    const expireTime = inMinutes(31);
    expect((await createSession(gateway, key, { expireTime })).expireTime).toBe(expireTime);
    expect(await issuesFor({ expireTime: 'tomorrow', currency: 'nope' })).toEqual([
      { path: ['input', 'currency'], message: expect.any(String) },
      { path: ['input', 'expireTime'], message: expect.stringContaining('RFC 3339') },
    ]);
  });

  it('limits idempotency keys to 1–255 characters', async () => {
    expect(await issuesFor({ idempotencyKey: 'k'.repeat(256) })).toEqual([{ path: ['input', 'idempotencyKey'], message: expect.any(String) }]);
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
