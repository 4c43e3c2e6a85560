import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createSseClient } from 'graphql-sse';
import { describe, expect } from 'vitest';
import { wsClient } from './events-kit.js';
import { errorCodes } from './testkit.js';
import { test as withShop } from './fixtures.js';

/** Trusted documents (a client preset's manifest, sent by id) and Apollo's automatic persisted queries. */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

// What graphql-codegen's client preset writes to persisted-documents.json (sha256 or sha1 ids).
const ACCOUNT_QUERY = 'query AccountName { account { name displayName } }';
const CREATE =
  'mutation Create($amount: String!) { createCheckoutSession(input: { amount: $amount, currency: "GBP" }) { amount state } }';
const FILE_QUERY = 'query Typename { __typename }';
const manifest = { [sha256(ACCOUNT_QUERY)]: ACCOUNT_QUERY, [sha1(CREATE)]: CREATE };

const REGISTER = `mutation Register($input: RegisterTrustedDocumentsInput!) {
  registerTrustedDocuments(input: $input) { documentIds onlyTrustedDocuments }
}`;

// The file of documents every account may run, as TRUSTED_DOCUMENTS_FILE.
const trustedDocumentsFile = join(mkdtempSync(join(tmpdir(), 'trusted-')), 'persisted-documents.json');
writeFileSync(trustedDocumentsFile, JSON.stringify({ [sha256(FILE_QUERY)]: FILE_QUERY }));

const test = withShop
  .extend('other', { scope: 'file' }, ({ gateway }) => gateway.createAccount('Other shop'))
  /** POSTs a raw GraphQL-over-HTTP body. */
  .extend('post', ({ gateway }) => async (key: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Api-Key ${key}`,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  });
test.override('gatewayConfig', { trustedDocumentsFile });
test.override('shopName', 'Trusting shop');
test.beforeAll(({ gateway }) => void gateway);

describe('trusted documents', () => {
  test('registers a client preset manifest and runs its documents by id', async ({ gateway, shop, post }) => {
    const registered = await gateway.ok(REGISTER, { input: { documents: manifest } }, { key: shop.apiKey });
    expect(registered.registerTrustedDocuments).toEqual({
      documentIds: Object.keys(manifest),
      onlyTrustedDocuments: false,
    });

    const byId = await post(shop.apiKey, { documentId: sha256(ACCOUNT_QUERY) });
    expect(byId.body).toEqual({
      data: { account: { name: `accounts/${shop.accountId}`, displayName: 'Trusting shop' } },
    });
    const byHash = await post(shop.apiKey, {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(ACCOUNT_QUERY) } },
    });
    expect(byHash.body.data.account.name).toBe(`accounts/${shop.accountId}`);
    const mutation = await post(shop.apiKey, { documentId: sha1(CREATE), variables: { amount: '777' } });
    expect(mutation.body).toEqual({ data: { createCheckoutSession: { amount: '777', state: 'OPEN' } } });
  });

  test("does not share one account's documents with another", async ({ other, post }) => {
    const answer = await post(other.apiKey, { documentId: sha256(ACCOUNT_QUERY) });
    expect(answer.body.errors[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
  });

  test('runs documents of TRUSTED_DOCUMENTS_FILE for every account', async ({ shop, other, post }) => {
    for (const key of [shop.apiKey, other.apiKey]) {
      expect((await post(key, { documentId: sha256(FILE_QUERY) })).body).toEqual({ data: { __typename: 'Query' } });
    }
  });

  test('refuses a manifest whose ids are not hashes of their documents, or whose documents do not fit the schema', async ({
    gateway,
    shop,
    post,
  }) => {
    const response = await gateway.gql(
      REGISTER,
      {
        input: {
          documents: {
            notahash: ACCOUNT_QUERY,
            [sha256('{ nope }')]: '{ nope }',
            [sha256('{ account {')]: '{ account {',
          },
        },
      },
      { key: shop.apiKey },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    const issues = response.body.errors![0]!.extensions!.issues;
    expect(issues.map((issue: any) => issue.path)).toEqual([
      ['input', 'documents', 'notahash'],
      ['input', 'documents', sha256('{ nope }')],
      ['input', 'documents', sha256('{ account {')],
    ]);
    expect((await post(shop.apiKey, { documentId: sha256('{ nope }') })).body.errors[0].message).toBe(
      'PersistedQueryNotFound',
    );
  });

  test('switches an account to only registered documents, with a clear error for anything else', async ({
    gateway,
    other,
    post,
  }) => {
    const strict = await gateway.createAccount('Strict shop');
    await gateway.ok(REGISTER, { input: { documents: manifest, onlyTrustedDocuments: true } }, { key: strict.apiKey });

    const adHoc = await post(strict.apiKey, { query: '{ account { name } }' });
    expect(adHoc.status).toBe(403);
    expect(adHoc.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(adHoc.body.errors[0].message).toMatch(/only its registered \(trusted\) documents.*documentId/);
    // Even the text of a registered document must be sent by id.
    expect((await post(strict.apiKey, { query: ACCOUNT_QUERY })).status).toBe(403);
    // APQ cannot be used to register a document either.
    const apq = await post(strict.apiKey, {
      query: '{ account { displayName } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ account { displayName } }') } },
    });
    expect(apq.status).toBe(403);

    expect((await post(strict.apiKey, { documentId: sha256(ACCOUNT_QUERY) })).body.data.account.displayName).toBe(
      'Strict shop',
    );
    expect((await post(strict.apiKey, { documentId: sha256(FILE_QUERY) })).body.data.__typename).toBe('Query');
    // Other accounts are not affected.
    expect((await post(other.apiKey, { query: '{ account { displayName } }' })).body.data.account.displayName).toBe(
      'Other shop',
    );

    // An unknown id is not found, and never falls back to APQ's store for a strict account.
    expect(
      (await post(strict.apiKey, { documentId: sha256('{ account { displayName } }') })).body.errors[0].message,
    ).toBe('PersistedQueryNotFound');

    // And back: registerTrustedDocuments alone may always be sent as text, so an account can manage its list.
    const smuggled = await post(strict.apiKey, {
      query: 'mutation { registerTrustedDocuments(input: {}) { onlyTrustedDocuments } } query { account { name } }',
      operationName: null,
    });
    expect(smuggled.status).toBe(403);
    const withMore = await post(strict.apiKey, {
      query:
        'mutation { registerTrustedDocuments(input: {}) { onlyTrustedDocuments } createCheckoutSession(input: { amount: "1", currency: "GBP" }) { name } }',
    });
    expect(withMore.status).toBe(403);
    const off = await post(strict.apiKey, { query: REGISTER, variables: { input: { onlyTrustedDocuments: false } } });
    expect(off.body).toEqual({ data: { registerTrustedDocuments: { documentIds: [], onlyTrustedDocuments: false } } });
    expect((await post(strict.apiKey, { query: '{ account { displayName } }' })).body.data.account.displayName).toBe(
      'Strict shop',
    );
  });
});

/** Runs one operation to its end through a graphql-ws or graphql-sse client; returns what came back. */
function runOver(
  client: { subscribe(payload: { query: string }, sink: any): () => void },
  query: string,
): Promise<any> {
  return new Promise((resolve) => {
    let last: any;
    client.subscribe(
      { query },
      {
        next: (value: any) => (last = value),
        error: (error: any) => resolve({ errors: Array.isArray(error) ? error : [String(error)] }),
        complete: () => resolve(last),
      },
    );
  });
}

describe('only trusted documents, on every transport', () => {
  test('holds over graphql-ws and graphql-sse, which send documents as text', async ({ gateway }) => {
    const strict = await gateway.createAccount('Strict socket shop');
    await gateway.ok(REGISTER, { input: { documents: manifest, onlyTrustedDocuments: true } }, { key: strict.apiKey });
    const ws = wsClient(gateway.url, strict.apiKey);
    const sse = createSseClient({
      url: `${gateway.url}/graphql/stream`,
      headers: { authorization: `Api-Key ${strict.apiKey}` },
      retryAttempts: 0,
    });
    try {
      for (const client of [ws, sse]) {
        const adHoc = await runOver(client, '{ account { name } }');
        expect(adHoc.errors?.[0]?.extensions?.code, JSON.stringify(adHoc)).toBe('FORBIDDEN');
        expect(adHoc.data ?? null).toBeNull();
        const registered = await runOver(client, ACCOUNT_QUERY);
        expect(registered, JSON.stringify(registered)).toEqual({
          data: { account: { name: `accounts/${strict.accountId}`, displayName: 'Strict socket shop' } },
        });
      }
    } finally {
      await ws.dispose();
      sse.dispose();
    }
  });
});

describe('automatic persisted queries (Apollo)', () => {
  test('asks for the document once, then runs it by hash', async ({ shop, post }) => {
    const query = '{ account { name } }';
    const hash = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const first = await post(shop.apiKey, { extensions: hash });
    expect(first.body.errors[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
    const second = await post(shop.apiKey, { query, extensions: hash });
    expect(second.body.data.account.name).toBe(`accounts/${shop.accountId}`);
    const third = await post(shop.apiKey, { extensions: hash });
    expect(third.body).toEqual(second.body);
  });

  test('refuses a document sent with a hash that is not its own', async ({ shop, post }) => {
    const answer = await post(shop.apiKey, {
      query: '{ account { name } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(
      (
        await post(shop.apiKey, {
          extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } },
        })
      ).body.errors[0].message,
    ).toBe('PersistedQueryNotFound');
  });
});
