import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProcessor } from '../src/domain/payments/processor.js';
import { eventTable } from '../src/db/schema.js';
import { DomainError } from '../src/domain/errors.js';
import { payCheckoutSession } from '../src/domain/payments/pay.js';
import { createLogger } from '../src/observability/logger.js';
import { errorResponse } from '../src/rest/http.js';
import { ADMIN_KEY, CREATE_SESSION, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let shop: { accountId: string; apiKey: string };
let other: { accountId: string; apiKey: string };

beforeAll(async () => {
  gateway = await startGateway();
  shop = await gateway.createAccount('REST shop');
  other = await gateway.createAccount('Other shop');
});
afterAll(() => gateway?.stop());

interface RestResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** One request to the REST API over real HTTP; `body` is sent as JSON unless `raw` is given. */
async function rest(
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<RestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? shop.apiKey : options.key;
  if (key) headers.authorization = `Api-Key ${key}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${gateway.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`Non-JSON response ${response.status} to ${method} ${path}:\n${text}`);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

const sessions = (accountId = shop.accountId) => `/v1/accounts/${accountId}/checkout-sessions`;
const idOf = (name: string) => name.split('/').pop()!;
const create = (
  body: Record<string, unknown>,
  options: { key?: string | null; headers?: Record<string, string> } = {},
) => rest('POST', sessions(), { body: { amount: '2500', currency: 'EUR', ...body }, ...options });

function expectError(response: RestResponse, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  expect(Array.isArray(response.body.error.details)).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// The seed's two commands and its response, verbatim from the product page
// (shared/seed/checkout-sessions.txt); only the host, the account, the key and the session id
// are substituted.

const SEED_CREATE = String.raw`curl -X POST https://api.synaptopay.com/v1/accounts/acct_YOUR_ACCOUNT/checkout-sessions \
-H "Authorization: Api-Key $API_KEY" \
-H "Idempotency-Key: YOUR_UNIQUE_KEY" \
-H "Content-Type: application/json" \
-d '{
"amount": "10000",
"currency": "GBP",
"client_reference_id": "order_12345",
"success_url": "https://example.com/success",
"cancel_url": "https://example.com/cancel"
}'`;

const SEED_EXPIRE = String.raw`curl -X POST https://api.synaptopay.com/v1/accounts/acct_YOUR_ACCOUNT/checkout-sessions/cs_SESSION_ID:expire \
-H "Authorization: Api-Key $API_KEY"`;

const SEED_RESPONSE = JSON.parse(`{
"name": "accounts/acct_YOUR_ACCOUNT/checkout-sessions/cs_SESSION_ID",
"state": "OPEN",
"amount": "10000",
"currency": "GBP",
"client_reference_id": "order_12345",
"url": "https://pay.synaptopay.com/checkout?s_checkout_session=cs_SESSION_ID",
"payment_intent": "accounts/acct_YOUR_ACCOUNT/payment-intents/pi_PAYMENT_INTENT_ID",
"paid": false,
"success_url": "https://example.com/success",
"cancel_url": "https://example.com/cancel",
"expire_time": "2025-11-18T16:00:00Z",
"create_time": "2025-11-17T16:00:00Z",
"update_time": "2025-11-17T16:00:00Z"
}`) as Record<string, unknown>;

const hasCurl = spawnSync('curl', ['--version']).status === 0;

/**
 * Runs a seed command as a user would: through bash, with $API_KEY in the environment. Without
 * curl on the machine, the same method, headers and body go out through fetch.
 */
async function runSeedCommand(command: string, substitutions: Record<string, string>, apiKey: string): Promise<any> {
  let text = command;
  for (const [from, to] of Object.entries(substitutions)) text = text.replaceAll(from, to);
  if (hasCurl) {
    const { stdout } = await promisify(execFile)('bash', ['-c', text], { env: { ...process.env, API_KEY: apiKey } });
    return JSON.parse(stdout);
  }
  const flat = text.replace(/\\\n/g, ' ');
  const headers = Object.fromEntries(
    [...flat.matchAll(/-H "([^"]*)"/g)].map(([, header]) => {
      const [name, ...value] = header!.replaceAll('$API_KEY', apiKey).split(':');
      return [name!.trim(), value.join(':').trim()];
    }),
  );
  const response = await fetch(/curl -X \w+ (\S+)/.exec(flat)![1]!, {
    method: /-X (\w+)/.exec(flat)![1],
    headers,
    body: /-d '([^']*)'/.exec(flat)?.[1],
  });
  return response.json();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Field by field against the seed's response: ids and times differ, shapes and values match. */
function expectSeedShape(actual: Record<string, any>, accountId: string, overrides: Record<string, unknown> = {}) {
  const sessionId = idOf(actual.name);
  expect(sessionId).toMatch(/^cs_[A-Za-z0-9]{22,}$/);
  // The seed's example omits `metadata`, which its key-fields table documents; we always send it.
  expect(Object.keys(actual).sort()).toEqual([...Object.keys(SEED_RESPONSE), 'metadata'].sort());
  expect(actual.metadata).toEqual({});
  const fill = (text: string) => text.replaceAll('acct_YOUR_ACCOUNT', accountId).replaceAll('cs_SESSION_ID', sessionId);
  for (const [field, seedValue] of Object.entries(SEED_RESPONSE)) {
    const value = actual[field];
    if (field in overrides) expect(value, field).toEqual(overrides[field]);
    else if (field === 'name') expect(value).toBe(fill(seedValue as string));
    else if (field === 'url')
      expect(value).toBe(fill(seedValue as string).replace('https://pay.synaptopay.com', gateway.url));
    else if (field === 'payment_intent') {
      expect(value).toMatch(
        new RegExp(`^${fill(seedValue as string).replace('pi_PAYMENT_INTENT_ID', 'pi_[A-Za-z0-9]{22,}')}$`),
      );
    } else if (field.endsWith('_time')) expect(value, field).toMatch(RFC3339);
    else expect(value, field).toEqual(seedValue);
  }
  // The seed's default lifetime: expire_time is create_time plus 24 hours.
  const seedLifetime =
    Date.parse(SEED_RESPONSE.expire_time as string) - Date.parse(SEED_RESPONSE.create_time as string);
  expect(Date.parse(actual.expire_time) - Date.parse(actual.create_time)).toBe(seedLifetime);
}

describe("the seed's curl commands", () => {
  it("create a session with exactly the seed's response, then expire it", async () => {
    const account = await gateway.createAccount('Seed shop');
    const substitutions = { 'https://api.synaptopay.com': gateway.url, acct_YOUR_ACCOUNT: account.accountId };
    const created = await runSeedCommand(SEED_CREATE, substitutions, account.apiKey);
    expectSeedShape(created, account.accountId);
    expect(created.update_time).toBe(created.create_time);

    // The same command again is a retry under the same Idempotency-Key: the same session.
    const retried = await runSeedCommand(SEED_CREATE, substitutions, account.apiKey);
    expect(retried).toEqual(created);

    const sessionId = idOf(created.name);
    const expired = await runSeedCommand(SEED_EXPIRE, { ...substitutions, cs_SESSION_ID: sessionId }, account.apiKey);
    expectSeedShape(expired, account.accountId, { state: 'EXPIRED', url: null, update_time: expired.update_time });
    expect(expired.name).toBe(created.name);
    expect(expired.payment_intent).toBe(created.payment_intent);
    expect(Date.parse(expired.update_time)).toBeGreaterThanOrEqual(Date.parse(created.update_time));

    // "This cancels the associated payment intent and sets the session state to EXPIRED."
    const read = await gateway.ok(
      `query($n: String!) { checkoutSession(name: $n) { state url paymentIntent { name state } } }`,
      { n: created.name },
      { key: account.apiKey },
    );
    expect(read.checkoutSession).toEqual({
      state: 'EXPIRED',
      url: null,
      paymentIntent: { name: created.payment_intent, state: 'CANCELED' },
    });
  });

  it('uses the serializer of the webhook payload: the created event carries the same object', async () => {
    const created = await create({ client_reference_id: 'event-shape', metadata: { order: '42' } });
    expect(created.status).toBe(200);
    const [event] = await gateway.app.database.db
      .select({ data: eventTable.data })
      .from(eventTable)
      .where(
        and(eq(eventTable.checkoutSessionId, idOf(created.body.name)), eq(eventTable.type, 'checkout_session.created')),
      );
    expect(event?.data).toEqual({ checkout_session: created.body });
  });
});

describe('create', () => {
  it('takes every field of the seed, metadata and an expire_time, and reads back the same', async () => {
    const expireTime = new Date(Date.now() + 2 * 3_600_000);
    const response = await create({
      amount: '1999',
      currency: 'usd',
      client_reference_id: 'full-1',
      success_url: 'https://example.com/ok?cs={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://example.com/back',
      metadata: { order: '42', note: 'gift' },
      expire_time: expireTime.toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(response.body).toMatchObject({
      state: 'OPEN',
      amount: '1999',
      currency: 'USD',
      client_reference_id: 'full-1',
      success_url: 'https://example.com/ok?cs={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://example.com/back',
      metadata: { order: '42', note: 'gift' },
      paid: false,
    });
    expect(Date.parse(response.body.expire_time)).toBe(Math.floor(expireTime.getTime() / 1000) * 1000);

    const read = await rest('GET', `${sessions()}/${idOf(response.body.name)}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
  });

  it('accepts nulls for optional fields, as GraphQL does', async () => {
    const response = await create({
      client_reference_id: null,
      success_url: null,
      cancel_url: null,
      metadata: null,
      expire_time: null,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      client_reference_id: null,
      success_url: null,
      cancel_url: null,
      metadata: {},
    });
  });

  it('reports every invalid field with its snake_case path, and writes nothing', async () => {
    const fresh = await gateway.createAccount('Validation shop');
    const response = await rest('POST', sessions(fresh.accountId), {
      key: fresh.apiKey,
      body: {
        amount: '0100',
        currency: 'XYZ',
        client_reference_id: 'r'.repeat(201),
        success_url: 'ftp://example.com/file',
        cancel_url: 'not a url',
        metadata: { order: 42, '[bad]': 'v', ok: 'fine' },
        expire_time: 'tomorrow',
        sucess_url: 'https://example.com/typo',
      },
    });
    expectError(response, 400, 'BAD_USER_INPUT');
    const paths = response.body.error.details.map((issue: { path: unknown[] }) => JSON.stringify(issue.path)).sort();
    expect(paths).toEqual(
      [
        ['amount'],
        ['currency'],
        ['client_reference_id'],
        ['success_url'],
        ['cancel_url'],
        ['metadata', 'order'],
        ['metadata', '[bad]'],
        ['expire_time'],
        ['sucess_url'],
      ]
        .map((path) => JSON.stringify(path))
        .sort(),
    );
    for (const issue of response.body.error.details) expect(issue.message).toEqual(expect.any(String));
    const unknown = response.body.error.details.find((issue: { path: string[] }) => issue.path[0] === 'sucess_url');
    expect(unknown.message).toMatch(/not a known parameter/);

    const after = await rest('GET', sessions(fresh.accountId), { key: fresh.apiKey });
    expect(after.body).toEqual({ checkout_sessions: [], next_page_token: '' });
  });

  it('says which required fields are missing, and refuses expire times out of range', async () => {
    const missing = await rest('POST', sessions(), { body: {} });
    expectError(missing, 400, 'BAD_USER_INPUT');
    expect(missing.body.error.details).toEqual([
      { path: ['amount'], message: 'is required' },
      { path: ['currency'], message: 'is required' },
    ]);

    const tooLate = await create({ expire_time: new Date(Date.now() + 48 * 3_600_000).toISOString() });
    expectError(tooLate, 400, 'BAD_USER_INPUT');
    expect(tooLate.body.error.details).toEqual([
      { path: ['expire_time'], message: 'must be between 30 minutes and 24 hours from now' },
    ]);

    const wrongTypes = await rest('POST', sessions(), { body: { amount: 10000, currency: 'GBP', metadata: ['a'] } });
    expectError(wrongTypes, 400, 'BAD_USER_INPUT');
    expect(wrongTypes.body.error.details.map((issue: { path: unknown[] }) => issue.path)).toEqual([
      ['amount'],
      ['metadata'],
    ]);

    const viaBody = await create({ idempotency_key: 'abc' });
    expectError(viaBody, 400, 'BAD_USER_INPUT');
    expect(viaBody.body.error.details).toEqual([
      { path: ['idempotency_key'], message: expect.stringMatching(/Idempotency-Key header/) },
    ]);
  });

  it('refuses malformed JSON, non-object bodies, other media types and huge bodies', async () => {
    const malformed = await rest('POST', sessions(), {
      raw: '{"amount": "100",',
      headers: { 'content-type': 'application/json' },
    });
    expectError(malformed, 400, 'BAD_USER_INPUT');
    expect(malformed.body.error.message).toMatch(/not valid JSON/);

    const array = await rest('POST', sessions(), {
      raw: '["amount"]',
      headers: { 'content-type': 'application/json' },
    });
    expectError(array, 400, 'BAD_USER_INPUT');
    expect(array.body.error.details).toEqual([{ path: [], message: 'must be a JSON object' }]);

    const form = await rest('POST', sessions(), {
      raw: 'amount=100&currency=GBP',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(form, 415, 'BAD_USER_INPUT');

    const huge = await create({ client_reference_id: 'huge', metadata: { blob: 'x'.repeat(100_000) } });
    expectError(huge, 413, 'BAD_USER_INPUT');

    const empty = await rest('POST', sessions(), { raw: '', headers: { 'content-type': 'application/json' } });
    expectError(empty, 400, 'BAD_USER_INPUT');
    expect(empty.body.error.details.map((issue: { path: unknown[] }) => issue.path)).toEqual([
      ['amount'],
      ['currency'],
    ]);
  });
});

describe('idempotency, shared with GraphQL', () => {
  it('replays the first session for the same key and body, with Idempotent-Replayed: true', async () => {
    const headers = { 'Idempotency-Key': 'rest-replay-1' };
    const first = await create({ client_reference_id: 'idem-rest-1' }, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await create({ client_reference_id: 'idem-rest-1' }, { headers });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const list = await rest('GET', `${sessions()}?client_reference_id=idem-rest-1`);
    expect(list.body.checkout_sessions.map((s: { name: string }) => s.name)).toEqual([first.body.name]);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body, creating nothing', async () => {
    const headers = { 'Idempotency-Key': 'rest-reuse-1' };
    expect((await create({ client_reference_id: 'idem-rest-2' }, { headers })).status).toBe(200);
    const reused = await create({ client_reference_id: 'idem-rest-2', amount: '2501' }, { headers });
    expectError(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    const list = await rest('GET', `${sessions()}?client_reference_id=idem-rest-2`);
    expect(list.body.checkout_sessions).toHaveLength(1);
    expect(list.body.checkout_sessions[0].amount).toBe('2500');
  });

  it('scopes keys to the account: another account may use the same key', async () => {
    const headers = { 'Idempotency-Key': 'rest-scope-1' };
    const mine = await create({ client_reference_id: 'scoped' }, { headers });
    const theirs = await rest('POST', sessions(other.accountId), {
      key: other.apiKey,
      headers,
      body: { amount: '2500', currency: 'EUR', client_reference_id: 'scoped' },
    });
    expect(theirs.status).toBe(200);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.name).not.toBe(mine.body.name);
  });

  it('creates exactly one session for concurrent requests with one key, and all get it', async () => {
    const headers = { 'Idempotency-Key': 'rest-race-1' };
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => create({ client_reference_id: 'idem-race' }, { headers })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(responses.map((r) => r.body.name)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const list = await rest('GET', `${sessions()}?client_reference_id=idem-race`);
    expect(list.body.checkout_sessions).toHaveLength(1);
  });

  it('replays over REST a key first used over GraphQL with the same input', async () => {
    const key = 'cross-surface-1';
    const viaGraphql = await gateway.ok(
      CREATE_SESSION,
      { input: { amount: '2500', currency: 'EUR', clientReferenceId: 'cross', metadata: { a: '1' } } },
      { key: shop.apiKey, headers: { 'Idempotency-Key': key } },
    );
    const viaRest = await create(
      { client_reference_id: 'cross', metadata: { a: '1' } },
      { headers: { 'Idempotency-Key': key } },
    );
    expect(viaRest.status).toBe(200);
    expect(viaRest.headers.get('idempotent-replayed')).toBe('true');
    expect(viaRest.body.name).toBe(viaGraphql.createCheckoutSession.name);
  });

  it('refuses an over-long Idempotency-Key with its header name as the path', async () => {
    const response = await create(
      { client_reference_id: 'long-key' },
      { headers: { 'Idempotency-Key': 'k'.repeat(256) } },
    );
    expectError(response, 400, 'BAD_USER_INPUT');
    expect(response.body.error.details).toEqual([
      { path: ['Idempotency-Key'], message: 'must be 1 to 255 characters' },
    ]);
    const list = await rest('GET', `${sessions()}?client_reference_id=long-key`);
    expect(list.body.checkout_sessions).toEqual([]);
  });
});

describe('authentication and tenancy', () => {
  let foreign: string;
  beforeAll(async () => {
    foreign = (await create({ client_reference_id: 'mine-only' })).body.name;
  });

  it('answers 401 with WWW-Authenticate without a valid key, on every operation', async () => {
    const cs = idOf(foreign);
    const calls: [string, string][] = [
      ['POST', sessions()],
      ['GET', sessions()],
      ['GET', `${sessions()}/${cs}`],
      ['POST', `${sessions()}/${cs}:expire`],
    ];
    for (const [method, path] of calls) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: `Api-Key sk_${'x'.repeat(32)}` },
        { authorization: `Bearer ${shop.apiKey}` },
      ]) {
        const response = await rest(method, path, {
          key: null,
          headers,
          ...(method === 'POST' && !path.endsWith(':expire') ? { body: { amount: '1', currency: 'GBP' } } : {}),
        });
        expectError(response, 401, 'UNAUTHENTICATED');
        expect(response.headers.get('www-authenticate')).toBe('Api-Key');
      }
    }
    // Nothing was expired by the refused calls.
    expect((await rest('GET', `${sessions()}/${cs}`)).body.state).toBe('OPEN');
  });

  it('answers 403 to the platform key on account data', async () => {
    expectError(await rest('GET', sessions(), { key: ADMIN_KEY }), 403, 'FORBIDDEN');
    expectError(
      await rest('POST', sessions(), { key: ADMIN_KEY, body: { amount: '1', currency: 'GBP' } }),
      403,
      'FORBIDDEN',
    );
  });

  it('answers 404 for another account in the path, exactly as for a missing one', async () => {
    const cs = idOf(foreign);
    const theirPath = `/v1/accounts/${shop.accountId}/checkout-sessions/${cs}`;
    const asOther = await rest('GET', theirPath, { key: other.apiKey });
    const missingAccount = await rest('GET', `/v1/accounts/acct_${'Z'.repeat(24)}/checkout-sessions/${cs}`, {
      key: other.apiKey,
    });
    expectError(asOther, 404, 'NOT_FOUND');
    expect(asOther.body).toEqual(missingAccount.body);

    expectError(await rest('GET', sessions(shop.accountId), { key: other.apiKey }), 404, 'NOT_FOUND');
    expectError(await rest('POST', `${theirPath}:expire`, { key: other.apiKey }), 404, 'NOT_FOUND');
    expectError(
      await rest('POST', sessions(shop.accountId), {
        key: other.apiKey,
        body: { amount: '1', currency: 'GBP', client_reference_id: 'intruder' },
      }),
      404,
      'NOT_FOUND',
    );
    // Their session under their own account path is simply missing, as is a malformed id.
    expectError(await rest('GET', `${sessions(other.accountId)}/${cs}`, { key: other.apiKey }), 404, 'NOT_FOUND');
    expectError(
      await rest('POST', `${sessions(other.accountId)}/${cs}:expire`, { key: other.apiKey }),
      404,
      'NOT_FOUND',
    );
    expectError(await rest('GET', `${sessions()}/not-a-session`), 404, 'NOT_FOUND');

    // Untouched: still OPEN, and nothing was created in the shop by the intruder.
    expect((await rest('GET', `${sessions()}/${cs}`)).body.state).toBe('OPEN');
    expect((await rest('GET', `${sessions()}?client_reference_id=intruder`)).body.checkout_sessions).toEqual([]);
  });
});

describe('routing', () => {
  it('answers 405 with Allow for a wrong method, and JSON 404 for unknown /v1 paths', async () => {
    const cs = idOf((await create({})).body.name);
    const wrong: [string, string, string][] = [
      ['DELETE', sessions(), 'GET, POST'],
      ['PUT', `${sessions()}/${cs}`, 'GET'],
      ['GET', `${sessions()}/${cs}:expire`, 'POST'],
      ['POST', '/v1/openapi.json', 'GET'],
    ];
    for (const [method, path, allow] of wrong) {
      const response = await rest(method, path);
      expectError(response, 405, 'BAD_USER_INPUT');
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    expectError(await rest('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
    expectError(await rest('POST', `${sessions()}/${cs}:cancel`), 404, 'NOT_FOUND');
    expectError(await rest('GET', `${sessions()}/${cs}/extra`), 404, 'NOT_FOUND');
    // Paths outside /v1 are not the REST API's.
    const outside = await fetch(`${gateway.url}/v2/accounts`);
    expect(outside.status).toBe(404);
    expect(outside.headers.get('content-type')).not.toMatch(/json/);
  });
});

describe('expire', () => {
  it('expires an OPEN session, returns an EXPIRED one unchanged, and accepts %3A for the colon', async () => {
    const created = (await create({ client_reference_id: 'to-expire' })).body;
    const path = `${sessions()}/${idOf(created.name)}`;
    const first = await rest('POST', `${path}%3Aexpire`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: created.name, state: 'EXPIRED', url: null, paid: false });
    const again = await rest('POST', `${path}:expire`, { body: {} });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await rest('GET', path)).body).toEqual(first.body);

    const withParameters = await rest('POST', `${path}:expire`, { body: { reason: 'canceled' } });
    expectError(withParameters, 400, 'BAD_USER_INPUT');
    expect(withParameters.body.error.details).toEqual([{ path: ['reason'], message: 'is not a known parameter' }]);
  });

  it('answers 409 FAILED_PRECONDITION for a COMPLETE session', async () => {
    // The customer pays through the domain function behind the hosted page.
    const created = (await create({ client_reference_id: 'paid-one' })).body;
    const sessionId = idOf(created.name);
    const paid = await payCheckoutSession(
      { db: gateway.app.database.db, publicUrl: gateway.url, paymentProcessor: sandboxProcessor },
      sessionId,
      {
        cardNumber: '4242 4242 4242 4242',
        expiry: '12/39',
        securityCode: '123',
        nameOnCard: 'Ada Lovelace',
      },
    );
    expect(paid.outcome).toBe('succeeded');

    const response = await rest('POST', `${sessions()}/${sessionId}:expire`);
    expectError(response, 409, 'FAILED_PRECONDITION');
    const read = await rest('GET', `${sessions()}/${sessionId}`);
    expect(read.body).toMatchObject({ state: 'COMPLETE', paid: true, url: null });
  });
});

describe('list', () => {
  let account: { accountId: string; apiKey: string };
  const names: { a: string[]; b: string[] } = { a: [], b: [] };
  const listPath = (query: string) => `${sessions(account.accountId)}?${query}`;
  const get = (query: string) => rest('GET', listPath(query), { key: account.apiKey });

  beforeAll(async () => {
    account = await gateway.createAccount('Listing shop');
    // One at a time, a few milliseconds apart, so that every create_time differs and creation
    // order is exactly the reverse of the newest-first order.
    for (let i = 0; i < 7; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      const reference = i % 2 === 0 ? ('a' as const) : ('b' as const);
      const response = await rest('POST', sessions(account.accountId), {
        key: account.apiKey,
        body: { amount: String(100 + i), currency: 'GBP', client_reference_id: reference },
      });
      names[reference].push(response.body.name);
    }
    // Expire two of the four "a" sessions.
    for (const name of [names.a[0]!, names.a[2]!]) {
      expect(
        (await rest('POST', `${sessions(account.accountId)}/${idOf(name)}:expire`, { key: account.apiKey })).status,
      ).toBe(200);
    }
  });

  /** Follows next_page_token to the end; returns every page's names. */
  async function allPages(query: string): Promise<string[][]> {
    const pages: string[][] = [];
    let token = '';
    do {
      const response = await get(`${query}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      pages.push(response.body.checkout_sessions.map((s: { name: string }) => s.name));
      token = response.body.next_page_token;
      expect(typeof token).toBe('string');
    } while (token && pages.length < 20);
    return pages;
  }

  it('lists newest first, 20 by default, with an empty next_page_token at the end', async () => {
    const response = await get('');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['checkout_sessions', 'next_page_token']);
    const all = response.body.checkout_sessions;
    expect(all).toHaveLength(7);
    expect(response.body.next_page_token).toBe('');
    const times = all.map((s: { create_time: string }) => Date.parse(s.create_time));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(new Set(all.map((s: { name: string }) => s.name))).toEqual(new Set([...names.a, ...names.b]));
    expect(all[0].name).toBe(names.a[3]); // the last one created
  });

  it('pages through everything with page_size and page_token, without gaps or repeats', async () => {
    const everything = (await get('page_size=100')).body.checkout_sessions.map((s: { name: string }) => s.name);
    const pages = await allPages('page_size=3');
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(everything);
  });

  it('filters by client_reference_id and state across pages', async () => {
    const byReference = await allPages('page_size=1&client_reference_id=a');
    expect(byReference.flat()).toEqual([...names.a].reverse());
    expect(byReference).toHaveLength(4);

    const expired = await allPages('page_size=1&state=EXPIRED&client_reference_id=a');
    expect(expired.flat()).toEqual([names.a[2], names.a[0]]);

    const open = await allPages('page_size=2&state=OPEN');
    expect(open.flat()).toEqual([names.a[3], names.b[2], names.b[1], names.a[1], names.b[0]]);

    expect((await get('state=COMPLETE')).body).toEqual({ checkout_sessions: [], next_page_token: '' });
  });

  it('refuses bad parameters with their paths, and a page_token under other filters', async () => {
    const bad = await get('page_size=101&state=PAID&sort=asc&page_token=garbage');
    expectError(bad, 400, 'BAD_USER_INPUT');
    expect(bad.body.error.details.map((issue: { path: string[] }) => issue.path[0]).sort()).toEqual([
      'page_size',
      'page_token',
      'sort',
      'state',
    ]);
    for (const size of ['-1', '1.5', 'ten']) expectError(await get(`page_size=${size}`), 400, 'BAD_USER_INPUT');
    expectError(await get('state=OPEN&state=EXPIRED'), 400, 'BAD_USER_INPUT');

    const first = await get('page_size=1&client_reference_id=a');
    const token = first.body.next_page_token;
    expect(token).not.toBe('');
    const switched = await get(`page_size=1&client_reference_id=b&page_token=${token}`);
    expectError(switched, 400, 'BAD_USER_INPUT');
    expect(switched.body.error.details).toEqual([
      { path: ['page_token'], message: expect.stringMatching(/other filters/) },
    ]);
    // A forged token at a time PostgreSQL cannot hold is refused like any token we did not issue.
    const forged = Buffer.from(
      JSON.stringify(['+275760-09-13T00:00:00.000Z', `cs_${'x'.repeat(24)}`, null, null]),
    ).toString('base64url');
    const far = await get(`page_token=${forged}`);
    expectError(far, 400, 'BAD_USER_INPUT');
    expect(far.body.error.details.map((issue: { path: string[] }) => issue.path[0])).toEqual(['page_token']);
    // page_size 0 means the default, as AIP-158 asks.
    expect((await get('page_size=0')).body.checkout_sessions).toHaveLength(7);
  });
});

describe('error mapping', () => {
  const logger = createLogger('silent');

  it('maps RATE_LIMITED to 429 with Retry-After', async () => {
    const response = errorResponse(new DomainError('RATE_LIMITED', 'Too many requests.', { retryAfter: 3 }), logger);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: 'Too many requests.', details: [], retry_after: 3 },
    });
  });

  it('masks unexpected errors as 500 INTERNAL_SERVER_ERROR and logs them', async () => {
    const lines: string[] = [];
    const response = errorResponse(
      new Error('relation "secret_table" does not exist'),
      createLogger('error', (line) => lines.push(line)),
    );
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.', details: [] } });
    expect(JSON.stringify(body)).not.toMatch(/secret_table/);
    expect(lines.join('')).toMatch(/secret_table/);
  });
});
