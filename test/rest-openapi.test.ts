import { describe, expect } from 'vitest';
import { ADMIN_KEY } from './testkit.js';
import { test as withShop } from './fixtures.js';

/**
 * Checks /v1/openapi.json against the running server: every documented operation answers a
 * valid request, every answer's status is documented for its operation, and every body matches
 * the documented schema (additionalProperties: false makes undocumented fields fail too).
 */

// ---------------------------------------------------------------------------------------------
// A validator for the JSON Schema keywords this document uses. It refuses any keyword it does
// not know, so a schema can never pass because part of it went unchecked.

const ANNOTATIONS = new Set(['description', 'example', 'examples', 'default', 'title']);
const KEYWORDS = new Set([
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'maxProperties',
  'propertyNames',
  'anyOf',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The validator for one document: `resolve` follows its $refs, `validate` checks a value. */
function validatorFor(document: any) {
  function resolve(pointer: string): any {
    expect(pointer.startsWith('#/'), pointer).toBe(true);
    let node = document;
    for (const part of pointer.slice(2).split('/')) {
      node = node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    expect(node, `unresolved $ref ${pointer}`).toBeDefined();
    return node;
  }

  /** Problems of `value` against `schema`, as `path: message` lines; empty when it conforms. */
  function validate(value: unknown, schema: any, path = '$'): string[] {
    for (const key of Object.keys(schema)) {
      if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key))
        throw new Error(`the test's validator does not know "${key}" (at ${path})`);
    }
    if (schema.$ref) return validate(value, resolve(schema.$ref), path);
    if (schema.anyOf) {
      const results = schema.anyOf.map((option: unknown) => validate(value, option, path));
      return results.some((problems: string[]) => problems.length === 0)
        ? []
        : [`${path}: matches none of anyOf: ${results.flat().join('; ')}`];
    }
    const problems: string[] = [];
    const actual = typeOf(value);
    if (schema.type) {
      const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
      const ok = types.includes(actual) || (actual === 'integer' && types.includes('number'));
      if (!ok) return [`${path}: is ${actual}, expected ${types.join(' or ')}`];
    }
    if (schema.enum && !schema.enum.includes(value))
      problems.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
    if (typeof value === 'string') {
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
        problems.push(`${path}: "${value}" does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && [...value].length < schema.minLength)
        problems.push(`${path}: shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && [...value].length > schema.maxLength)
        problems.push(`${path}: longer than ${schema.maxLength}`);
      if (schema.format === 'date-time' && !(RFC3339.test(value) && !Number.isNaN(Date.parse(value))))
        problems.push(`${path}: not a date-time`);
      if (schema.format === 'uri' && !URL.canParse(value)) problems.push(`${path}: not a URI`);
    }
    if (typeof value === 'number') {
      if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: below ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: above ${schema.maximum}`);
    }
    if (Array.isArray(value) && schema.items)
      for (const [index, item] of value.entries()) problems.push(...validate(item, schema.items, `${path}[${index}]`));
    if (actual === 'object') {
      const object = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      for (const name of schema.required ?? [])
        if (!Object.hasOwn(object, name)) problems.push(`${path}: missing required "${name}"`);
      if (schema.maxProperties !== undefined && Object.keys(object).length > schema.maxProperties)
        problems.push(`${path}: too many properties`);
      for (const [name, child] of Object.entries(object)) {
        if (schema.propertyNames) problems.push(...validate(name, schema.propertyNames, `${path} key "${name}"`));
        if (Object.hasOwn(properties, name)) problems.push(...validate(child, properties[name], `${path}.${name}`));
        else if (schema.additionalProperties === false) problems.push(`${path}: undocumented property "${name}"`);
        else if (typeof schema.additionalProperties === 'object')
          problems.push(...validate(child, schema.additionalProperties, `${path}.${name}`));
      }
    }
    return problems;
  }
  return { resolve, validate };
}

// ---------------------------------------------------------------------------------------------

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete'];

function operationsIn(document: any): { path: string; method: Method; operation: any; pathItem: any }[] {
  return Object.entries<any>(document.paths).flatMap(([path, pathItem]) =>
    METHODS.filter((method) => pathItem[method]).map((method) => ({
      path,
      method,
      operation: pathItem[method],
      pathItem,
    })),
  );
}

const test = withShop
  .extend('document', { scope: 'file' }, async ({ gateway }) => {
    const response = await fetch(`${gateway.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  })
  .extend('validator', { scope: 'file' }, ({ document }) => validatorFor(document))
  .extend('resolve', { scope: 'file' }, ({ validator }) => validator.resolve)
  .extend('validate', { scope: 'file' }, ({ validator }) => validator.validate)
  .extend(
    'operations',
    { scope: 'file' },
    ({ document }) =>
      () =>
        operationsIn(document),
  )
  .extend(
    'deref',
    { scope: 'file' },
    ({ resolve }) =>
      (node: any) =>
        node?.$ref ? resolve(node.$ref) : node,
  )
  /** Sends a request and checks the answer against the operation's documented response. */
  .extend('call', ({ gateway, shop, deref, validate }) => {
    return async (
      { path, method, operation }: { path: string; method: Method; operation: any },
      options: {
        params?: Record<string, string>;
        query?: string;
        body?: unknown;
        key?: string | null;
        headers?: Record<string, string>;
      } = {},
    ) => {
      let url = path;
      for (const [name, value] of Object.entries(options.params ?? {})) url = url.replace(`{${name}}`, value);
      expect(url, 'every path parameter was filled in').not.toMatch(/[{}]/);
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? shop.apiKey : options.key;
      if (key) headers.authorization = `Api-Key ${key}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${gateway.url}${url}${options.query ? `?${options.query}` : ''}`, {
        method: method.toUpperCase(),
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const body = await response.json();
      const label = `${method.toUpperCase()} ${url} → ${response.status} ${JSON.stringify(body)}`;
      const documented = deref(operation.responses[String(response.status)]);
      expect(
        documented,
        `status ${response.status} is documented for ${operation.operationId}: ${label}`,
      ).toBeDefined();
      const media = documented.content?.['application/json'];
      expect(media, label).toBeDefined();
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(validate(body, media.schema), label).toEqual([]);
      for (const [name, header] of Object.entries<any>(documented.headers ?? {})) {
        // Documented headers that always accompany this status must be there.
        if (['WWW-Authenticate', 'Allow', 'Retry-After'].includes(name))
          expect(response.headers.get(name), `${name} on ${label}`).not.toBeNull();
        const value = response.headers.get(name);
        if (value !== null)
          expect(
            validate(header.schema.type === 'integer' ? Number(value) : value, header.schema),
            `${name} on ${label}`,
          ).toEqual([]);
      }
      return { status: response.status, body, headers: response.headers };
    };
  })
  .extend('op', ({ operations }) => (operationId: string) => {
    const found = operations().find(({ operation }) => operation.operationId === operationId);
    expect(found, operationId).toBeDefined();
    return found!;
  })
  .extend('account', ({ shop }) => () => ({ account: shop.accountId }));
test.override('shopName', 'OpenAPI shop');
test.beforeAll(({ gateway }) => void gateway);

describe('the OpenAPI document', () => {
  test('is an OpenAPI 3.1 document whose references all resolve and whose path parameters are declared', ({
    gateway,
    document,
    resolve,
    deref,
    operations,
  }) => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.servers).toEqual([{ url: gateway.url }]);
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) resolve(JSON.parse(`{${ref}}`).$ref);

    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([
      'createCheckoutSession',
      'expireCheckoutSession',
      'getCheckoutSession',
      'getOpenApiDocument',
      'listCheckoutSessions',
    ]);

    for (const { path, pathItem, operation } of operations()) {
      const declared = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map(deref);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect(
        declared
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort(),
        path,
      ).toEqual(inPath.sort());
      for (const parameter of declared) {
        if (parameter.in === 'path') expect(parameter.required, `${path} ${parameter.name}`).toBe(true);
      }
      // Every operation on account data documents the errors every such call may meet.
      if (operation.security?.length !== 0) {
        for (const status of ['401', '403', '404', '429', '500'])
          expect(operation.responses[status], `${operation.operationId} ${status}`).toBeDefined();
      }
    }
  });

  test('documents the same error codes as the GraphQL API', ({ document }) => {
    expect(document.components.schemas.Error.properties.error.properties.code.enum.sort()).toEqual([
      'BAD_USER_INPUT',
      'FAILED_PRECONDITION',
      'FORBIDDEN',
      'IDEMPOTENCY_KEY_REUSED',
      'INTERNAL_SERVER_ERROR',
      'NOT_FOUND',
      'RATE_LIMITED',
      'UNAUTHENTICATED',
    ]);
  });
});

describe('the server against its document', () => {
  test('answers a valid request on every documented path and method, with documented bodies', async ({
    shop,
    validate,
    operations,
    call,
    op,
    account,
  }) => {
    const create = op('createCheckoutSession');
    const example = create.operation.requestBody.content['application/json'].example;
    expect(validate(example, create.operation.requestBody.content['application/json'].schema)).toEqual([]);
    const created = await call(create, { params: account(), body: example });
    expect(created.status).toBe(200);
    const sessionId = created.body.name.split('/').pop();
    const session = { ...account(), checkout_session: sessionId };

    // Driven by the document, so an operation added to it without a server route fails here.
    const answered = new Set<string>();
    for (const operation of operations()) {
      const body = operation.operation.requestBody?.required ? example : undefined;
      const params = operation.path.includes('{checkout_session}') ? session : account();
      const response = await call(operation, {
        params,
        body,
        key: operation.operation.security?.length === 0 ? null : shop.apiKey,
      });
      expect([404, 405], `${operation.method} ${operation.path}`).not.toContain(response.status);
      expect(response.status, `${operation.method} ${operation.path}`).toBeLessThan(300);
      answered.add(operation.operation.operationId);
    }
    expect(answered.size).toBe(operations().length);
  });

  test('returns every documented CheckoutSession property, required or not, and nothing else', async ({
    document,
    call,
    op,
    account,
  }) => {
    const schema = document.components.schemas.CheckoutSession;
    const created = await call(op('createCheckoutSession'), {
      params: account(),
      body: {
        amount: '500',
        currency: 'jpy',
        metadata: { order: '7' },
        expire_time: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(Object.keys(created.body).sort()).toEqual(Object.keys(schema.properties).sort());
    expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());

    const list = await call(op('listCheckoutSessions'), { params: account(), query: 'page_size=2' });
    expect(list.body.checkout_sessions.length).toBeGreaterThan(0);
    for (const item of list.body.checkout_sessions)
      expect(Object.keys(item).sort()).toEqual(Object.keys(schema.properties).sort());
    const next = await call(op('listCheckoutSessions'), {
      params: account(),
      query: `page_size=2&page_token=${list.body.next_page_token}`,
    });
    expect(next.status).toBe(200);
  });

  test('answers the documented errors with the documented Error body', async ({ call, op, account }) => {
    const create = op('createCheckoutSession');
    const get = op('getCheckoutSession');
    const expire = op('expireCheckoutSession');
    const list = op('listCheckoutSessions');
    const sessionId = (await call(create, { params: account(), body: { amount: '100', currency: 'GBP' } })).body.name
      .split('/')
      .pop();
    const session = { ...account(), checkout_session: sessionId };
    const foreign = { account: `acct_${'Q'.repeat(24)}`, checkout_session: sessionId };

    const cases: [ReturnType<typeof op>, Parameters<typeof call>[1], number][] = [
      [create, { params: account(), body: { amount: 'ten', currency: 'GBP', colour: 'red' } }, 400],
      [create, { params: account(), body: { amount: '100', currency: 'GBP' }, key: null }, 401],
      [create, { params: account(), body: { amount: '100', currency: 'GBP' }, key: ADMIN_KEY }, 403],
      [create, { params: foreign, body: { amount: '100', currency: 'GBP' } }, 404],
      [list, { params: account(), query: 'page_size=1000' }, 400],
      [list, { params: account(), key: `sk_${'n'.repeat(32)}` }, 401],
      [list, { params: foreign }, 404],
      [get, { params: { ...account(), checkout_session: `cs_${'M'.repeat(24)}` } }, 404],
      [get, { params: session, key: ADMIN_KEY }, 403],
      [expire, { params: session, body: { now: true } }, 400],
      [expire, { params: foreign }, 404],
    ];
    for (const [operation, options, status] of cases) {
      const response = await call(operation, options);
      expect(response.status, `${operation.operation.operationId} ${JSON.stringify(options)}`).toBe(status);
    }

    const headers = { 'Idempotency-Key': 'openapi-reuse' };
    expect((await call(create, { params: account(), body: { amount: '100', currency: 'GBP' }, headers })).status).toBe(
      200,
    );
    const replay = await call(create, { params: account(), body: { amount: '100', currency: 'GBP' }, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await call(create, { params: account(), body: { amount: '200', currency: 'GBP' }, headers })).status).toBe(
      422,
    );
  });

  test('lets the validator catch what it should (it is not vacuous)', ({ validate }) => {
    const schema = { $ref: '#/components/schemas/CheckoutSession' };
    expect(validate({}, schema).length).toBeGreaterThan(5);
    expect(
      validate(
        { error: { code: 'NOPE', message: 'x', details: [], extra: 1 } },
        { $ref: '#/components/schemas/Error' },
      ),
    ).toHaveLength(2);
    expect(() => validate('x', { const: 'x' })).toThrow(/does not know/);
  });
});
