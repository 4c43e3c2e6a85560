/**
 * The fast executor may not change what any operation returns. Two gateways share one database,
 * one with the executor production uses and one with plain graphql-js, and the same operations
 * (the suite's own, and a generated variety of argument forms, fragments, aliases, directives and
 * errors) must give deep-equal responses from both, status included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Kind, parse, type DocumentNode, type TypeNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProcessor } from '../src/domain/payments/processor.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { payCheckoutSession } from '../src/domain/payments/pay.js';
import {
  eventually,
  privateDatabase,
  startReceiver,
  subscribeSse,
  subscribeWs,
  type Collected,
  type Receiver,
} from './events-kit.js';
import { ADMIN_KEY, createSession, startGateway, type Gateway } from './testkit.js';

let privateDb: Awaited<ReturnType<typeof privateDatabase>>;
let database: Database;
let jit: Gateway;
let js: Gateway;
let receiver: Receiver;
let shop: { accountId: string; apiKey: string };
let other: { accountId: string; apiKey: string };
/** Values the operations refer to: names, ids and cursors of the fixtures below. */
const f: Record<string, any> = {};

beforeAll(async () => {
  privateDb = await privateDatabase('executors');
  database = await openDatabase({ databaseUrl: privateDb?.url, dataDir: null });
  // No rate limit: the fast gateway answers every operation twice or three times. One public
  // URL: the sessions' payment URLs are built from it.
  const config = { databaseUrl: privateDb?.url, rateLimitPerSecond: 0, publicUrl: 'http://gateway.test' };
  jit = await startGateway(config, { database });
  js = await startGateway(config, { database, executor: 'graphql-js' });
  receiver = await startReceiver();
  shop = await jit.createAccount('Differential shop');
  other = await jit.createAccount('Other shop');
  const key = shop.apiKey;

  const created = await jit.ok(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { name } } }`,
    { input: { url: `${receiver.url}/hook`, description: 'everything' } },
    { key },
  );
  f.endpoint = created.createWebhookEndpoint.webhookEndpoint.name;

  f.s1 = await createSession(jit, key, {
    clientReferenceId: 'order-1',
    metadata: { colour: 'blue', size: 'L' },
    successUrl: 'https://shop.example/done?session={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://shop.example/back',
  });
  f.s2 = await createSession(jit, key, { amount: '1234', currency: 'JPY' });
  f.s3 = await createSession(jit, key, { amount: '999', currency: 'EUR', clientReferenceId: 'order-3' });
  f.s4 = await createSession(jit, key, { clientReferenceId: 'order-1' });
  f.s5 = await createSession(jit, key, { amount: '5' });
  f.foreign = await createSession(jit, other.apiKey);
  const deps = { db: database.db, publicUrl: jit.url, paymentProcessor: sandboxProcessor };
  const card = { cardNumber: '4242 4242 4242 4242', expiry: '12/40', securityCode: '123', nameOnCard: 'A Customer' };
  const declined = { ...card, cardNumber: '4000 0000 0000 0002' };
  const id = (session: { name: string }) => session.name.split('/').pop()!;
  await payCheckoutSession(deps, id(f.s2), declined);
  await payCheckoutSession(deps, id(f.s2), card);
  await payCheckoutSession(deps, id(f.s3), declined);
  await payCheckoutSession(deps, id(f.foreign), card);
  await jit.ok(`mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`, { n: f.s4.name }, { key });

  const events = (await jit.ok(`{ events(first: 100) { edges { cursor node { id name } } } }`, {}, { key })).events
    .edges;
  f.events = events.map((edge: any) => edge.node);
  f.eventCursor = events[2].cursor;
  f.firstEvent = f.events.at(-1);
  f.foreignEvent = (
    await jit.ok(`{ events(first: 1) { edges { node { id } } } }`, {}, { key: other.apiKey })
  ).events.edges[0].node.id;
  const sessions = (await jit.ok(`{ checkoutSessions(first: 100) { edges { cursor } } }`, {}, { key })).checkoutSessions
    .edges;
  f.sessionCursor = sessions[1].cursor;

  // Let the deliveries settle, then disable the endpoint: deliveries change no more.
  await eventually(
    async () => {
      const data = await jit.ok(
        `query($n: String!) { webhookEndpoint(name: $n) { deliveries(first: 100) { edges { node { state } } } } }`,
        { n: f.endpoint },
        { key },
      );
      const states = data.webhookEndpoint.deliveries.edges.map((edge: any) => edge.node.state);
      return (states.length === f.events.length && states.every((state: string) => state === 'SUCCEEDED')) || undefined;
    },
    () => 'every webhook delivery to succeed',
  );
  await jit.ok(
    `mutation($n: String!) { updateWebhookEndpoint(input: { name: $n, disabled: true }) { webhookEndpoint { disabled } } }`,
    { n: f.endpoint },
    { key },
  );
  const paidOnly = await jit.ok(
    `mutation { createWebhookEndpoint(input: { url: "https://hooks.example/paid", enabledEvents: [CHECKOUT_SESSION_PAID] }) { webhookEndpoint { name } } }`,
    {},
    { key },
  );
  f.paidEndpoint = paidOnly.createWebhookEndpoint.webhookEndpoint.name;
}, 120_000);

afterAll(async () => {
  await jit?.stop();
  await js?.stop();
  await receiver?.close();
  await database?.close();
  await privateDb?.drop();
});

interface Operation {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** The API key sent; the shop's unless given (null: none). */
  key?: string | null;
}

interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function send(gateway: Gateway, operation: Operation): Promise<Answer> {
  const key = operation.key === undefined ? shop.apiKey : operation.key;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  };
  if (key) headers.authorization = `Api-Key ${key}`;
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      query: operation.query,
      variables: operation.variables,
      operationName: operation.operationName,
    }),
  });
  const body = await response.json();
  // Fields run concurrently, so their errors come in the order their database reads finish, with
  // either executor; the order carries no meaning (the spec leaves it open). Compare them sorted.
  if (Array.isArray(body.errors))
    body.errors.sort((a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return { status: response.status, contentType: response.headers.get('content-type'), body };
}

interface Mismatch {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  fast: Answer;
  graphqlJs: Answer;
}

/**
 * Sends each operation to both gateways and returns those whose answers differ. With `warmUp`
 * the fast gateway answers once before, unrecorded: a mutation's second answer (a replay, a
 * no-op, an error) is the same for both.
 */
async function differences(
  operations: Operation[],
  options: { warmUp?: boolean } = {},
): Promise<{ mismatches: Mismatch[]; answers: Answer[] }> {
  const mismatches: Mismatch[] = [];
  const answers: Answer[] = [];
  for (const operation of operations) {
    let fast: Answer;
    let graphqlJs: Answer;
    if (options.warmUp) {
      await send(jit, operation);
      fast = await send(jit, operation);
      graphqlJs = await send(js, operation);
    } else {
      [fast, graphqlJs] = await Promise.all([send(jit, operation), send(js, operation)]);
    }
    answers.push(graphqlJs);
    if (!isDeepStrictEqual(fast, graphqlJs))
      mismatches.push({
        label: operation.label,
        query: operation.query,
        variables: operation.variables,
        fast,
        graphqlJs,
      });
  }
  return { mismatches, answers };
}

/** How many answers carried data without errors, and how many carried errors. */
function tally(answers: Answer[]) {
  const bodies = answers.map((answer) => answer.body as { data?: unknown; errors?: unknown[] });
  return {
    clean: bodies.filter((body) => body.data && !body.errors).length,
    failed: bodies.filter((body) => body.errors).length,
  };
}

// ---- Generated operations -------------------------------------------------------------------

class EnumValue {
  constructor(readonly name: string) {}
}
const en = (name: string) => new EnumValue(name);
type Value = string | number | boolean | null | EnumValue | Value[] | { [key: string]: Value };

/** A value written as a GraphQL literal. */
function literal(value: Value): string {
  if (value instanceof EnumValue) return value.name;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([key, inner]) => `${key}: ${literal(inner)}`)
      .join(', ')} }`;
  return JSON.stringify(value);
}

/** The same value as JSON, as sent in `variables`. */
function json(value: Value): unknown {
  if (value instanceof EnumValue) return value.name;
  if (Array.isArray(value)) return value.map(json);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, json(inner)]));
  return value;
}

const PAYMENT_INTENT =
  'id name state amount currency cardBrand cardLast4 createTime updateTime lastPaymentError { code message }';
const SESSION_CORE =
  'id name state amount currency clientReferenceId url paid successUrl cancelUrl metadata expireTime createTime updateTime';
const SESSION = `${SESSION_CORE} formattedAmount de: formattedAmount(locale: "de-DE") paymentIntent { ${PAYMENT_INTENT} checkoutSession { id state } }`;
const EVENT = `id name type createTime checkoutSession { ${SESSION_CORE} formattedAmount paymentIntent { state cardLast4 } }`;
const DELIVERY =
  'id state attemptCount nextAttemptTime createTime updateTime event { id type } attempts { attemptNumber statusCode succeeded error durationMs startTime }';
const ENDPOINT = `name url description enabledEvents disabled disabledReason failingSince previousSecretExpireTime createTime updateTime
  deliveries(first: 4) { edges { cursor node { ${DELIVERY} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`;
const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const NODE = `__typename id ... on CheckoutSession { name state paymentIntent { name } } ... on PaymentIntent { name state checkoutSession { name } }`;

interface FieldCase {
  field: string;
  /** The field's type, for fragments. */
  type: string;
  args: Record<string, { type: string; value: Value }>;
  selection: string;
}

/** One root field written in many ways that should not change its answer. */
function variants(label: string, c: FieldCase): Operation[] {
  const names = Object.keys(c.args);
  const inline = names.length ? `(${names.map((name) => `${name}: ${literal(c.args[name]!.value)}`).join(', ')})` : '';
  const call = `${c.field}${inline}`;
  const operations: Operation[] = [
    { label: `${label}: inline`, query: `{ ${call} { ${c.selection} } }` },
    {
      label: `${label}: named fragment`,
      query: `query Named { ${call} { ...Picked } } fragment Picked on ${c.type} { ${c.selection} }`,
    },
    { label: `${label}: inline fragment`, query: `{ ${call} { __typename ... on ${c.type} { ${c.selection} } } }` },
    {
      label: `${label}: nested fragments`,
      query: `{ ${call} { ...Outer } } fragment Outer on ${c.type} { __typename ...Inner } fragment Inner on ${c.type} { ${c.selection} }`,
    },
    {
      label: `${label}: aliases`,
      query: `{ first: ${call} { ${c.selection} } second: ${call} { __typename } typename: __typename }`,
    },
    { label: `${label}: beside another field`, query: `{ account { name } ${call} { ${c.selection} } }` },
    {
      label: `${label}: literal directives`,
      query: `{ ${call} { __typename ... @include(if: true) { ${c.selection} } ... @skip(if: true) { __typename } } skipped: ${call} @skip(if: true) { __typename } }`,
    },
  ];
  for (const [yes, no] of [
    [true, false],
    [false, true],
  ]) {
    operations.push({
      label: `${label}: directives from variables ${yes}/${no}`,
      query: `query($yes: Boolean!, $no: Boolean = false) { ${call} @include(if: $yes) { __typename ... @skip(if: $no) { ${c.selection} } } other: ${call} @skip(if: $yes) { __typename } }`,
      variables: { yes, no },
    });
  }
  if (names.length) {
    const definitions = (withDefault: boolean) =>
      names
        .map(
          (name, index) =>
            `$v${index}: ${withDefault ? c.args[name]!.type.replace(/!$/, '') : c.args[name]!.type}${withDefault ? ` = ${literal(c.args[name]!.value)}` : ''}`,
        )
        .join(', ');
    const viaVariables = `${c.field}(${names.map((name, index) => `${name}: $v${index}`).join(', ')})`;
    const values = Object.fromEntries(names.map((name, index) => [`v${index}`, json(c.args[name]!.value)]));
    operations.push(
      {
        label: `${label}: variables named otherwise`,
        query: `query Other(${definitions(false)}) { ${viaVariables} { ${c.selection} } }`,
        variables: values,
      },
      {
        label: `${label}: variables named like the arguments`,
        query: `query Same(${names.map((name) => `$${name}: ${c.args[name]!.type}`).join(', ')}) { ${c.field}(${names.map((name) => `${name}: $${name}`).join(', ')}) { ${c.selection} } }`,
        variables: Object.fromEntries(names.map((name) => [name, json(c.args[name]!.value)])),
      },
      {
        label: `${label}: default values`,
        query: `query Defaults(${definitions(true)}) { ${viaVariables} { ${c.selection} } }`,
        variables: {},
      },
      {
        label: `${label}: defaults overridden`,
        query: `query Overridden(${definitions(true)}) { ${viaVariables} { ${c.selection} } }`,
        variables: values,
      },
      {
        label: `${label}: explicit nulls`,
        query: `query Nulls(${definitions(true)}) { ${viaVariables} { ${c.selection} } }`,
        variables: Object.fromEntries(names.map((_name, index) => [`v${index}`, null])),
      },
      {
        label: `${label}: one variable undeclared in the request`,
        query: `query Missing(${definitions(false)}) { ${viaVariables} { ${c.selection} } }`,
        variables: {},
      },
    );
  }
  return operations;
}

function fieldCases(): [string, FieldCase][] {
  const connection = (node: string) => `edges { cursor node { ${node} } } ${PAGE_INFO}`;
  const sessionByName = (name: string): FieldCase => ({
    field: 'checkoutSession',
    type: 'CheckoutSession',
    args: { name: { type: 'String!', value: name } },
    selection: SESSION,
  });
  const unknownSession = `accounts/${shop.accountId}/checkout-sessions/cs_0000000000000000000000`;
  const sessions = (args: FieldCase['args']): FieldCase => ({
    field: 'checkoutSessions',
    type: 'CheckoutSessionConnection',
    args,
    selection: connection(SESSION_CORE),
  });
  const events = (args: FieldCase['args']): FieldCase => ({
    field: 'events',
    type: 'CheckoutSessionEventConnection',
    args,
    selection: connection(EVENT),
  });
  const paymentIntent = (name: string): FieldCase => ({
    field: 'paymentIntent',
    type: 'PaymentIntent',
    args: { name: { type: 'String!', value: name } },
    selection: `${PAYMENT_INTENT} checkoutSession { ${SESSION_CORE} }`,
  });
  const event = (name: string): FieldCase => ({
    field: 'event',
    type: 'CheckoutSessionEvent',
    args: { name: { type: 'String!', value: name } },
    selection: EVENT,
  });
  const node = (id: string): FieldCase => ({
    field: 'node',
    type: 'Node',
    args: { id: { type: 'ID!', value: id } },
    selection: NODE,
  });
  return [
    ['account', { field: 'account', type: 'Account', args: {}, selection: 'name displayName createTime' }],
    ['open session', sessionByName(f.s1.name)],
    ['paid session', sessionByName(f.s2.name)],
    ['declined session', sessionByName(f.s3.name)],
    ['expired session', sessionByName(f.s4.name)],
    ["another account's session", sessionByName(f.foreign.name)],
    ['unknown session', sessionByName(unknownSession)],
    ['malformed session name', sessionByName('cs_not_a_name')],
    [
      'session with a bad locale',
      { ...sessionByName(f.s1.name), selection: `name bad: formattedAmount(locale: "not a locale!")` },
    ],
    ['payment intent', paymentIntent(f.s2.paymentIntent.name)],
    ['declined payment intent', paymentIntent(f.s3.paymentIntent.name)],
    ["another account's payment intent", paymentIntent(f.foreign.paymentIntent.name)],
    ['event by id', event(f.firstEvent.id)],
    ['event by name', event(f.events[0].name)],
    ["another account's event", event(f.foreignEvent)],
    ['malformed event reference', event('yesterday')],
    ['node: session', node(f.s1.id)],
    ['node: payment intent', node(f.s2.paymentIntent.id)],
    ["node: another account's", node(f.foreign.id)],
    ['node: garbage id', node('not-an-id')],
    [
      'webhook endpoint',
      {
        field: 'webhookEndpoint',
        type: 'WebhookEndpoint',
        args: { name: { type: 'String!', value: f.endpoint } },
        selection: ENDPOINT,
      },
    ],
    [
      'unknown webhook endpoint',
      {
        field: 'webhookEndpoint',
        type: 'WebhookEndpoint',
        args: { name: { type: 'String!', value: 'accounts/x/webhook-endpoints/we_1' } },
        selection: ENDPOINT,
      },
    ],
    [
      'webhook endpoints',
      {
        field: 'webhookEndpoints',
        type: 'WebhookEndpointConnection',
        args: { first: { type: 'Int', value: 5 } },
        selection: connection('name url enabledEvents disabled'),
      },
    ],
    ['first sessions', sessions({ first: { type: 'Int', value: 2 } })],
    [
      'sessions after a cursor',
      sessions({ first: { type: 'Int', value: 2 }, after: { type: 'String', value: f.sessionCursor } }),
    ],
    [
      'sessions before a cursor',
      sessions({ last: { type: 'Int', value: 2 }, before: { type: 'String', value: f.sessionCursor } }),
    ],
    [
      'open sessions',
      sessions({
        first: { type: 'Int', value: 10 },
        filter: { type: 'CheckoutSessionFilter', value: { state: en('OPEN') } },
      }),
    ],
    [
      'sessions by reference',
      sessions({ filter: { type: 'CheckoutSessionFilter', value: { clientReferenceId: 'order-1' } } }),
    ],
    ['too many sessions', sessions({ first: { type: 'Int', value: 101 } })],
    ['negative page', sessions({ first: { type: 'Int', value: -1 } })],
    ['garbage cursor', sessions({ after: { type: 'String', value: 'garbage' } })],
    [
      'paid events',
      events({
        first: { type: 'Int', value: 5 },
        filter: { type: 'EventFilter', value: { types: [en('CHECKOUT_SESSION_PAID')] } },
      }),
    ],
    ["one session's events", events({ filter: { type: 'EventFilter', value: { checkoutSession: f.s2.name } } })],
    [
      'events after a cursor',
      events({ first: { type: 'Int', value: 3 }, after: { type: 'String', value: f.eventCursor } }),
    ],
    [
      'unknown event type',
      events({ filter: { type: 'EventFilter', value: { types: [en('CHECKOUT_SESSION_CREATED'), en('NOPE')] } } }),
    ],
    [
      'a single type, not a list',
      events({ filter: { type: 'EventFilter', value: { types: en('CHECKOUT_SESSION_EXPIRED') } } }),
    ],
  ];
}

/** Operations written out by hand: introspection, several operations, variable coercion. */
function handWritten(): Operation[] {
  const lookup = `query($n: String!) { checkoutSession(name: $n) { name state } }`;
  return [
    { label: 'typename', query: `{ __typename }` },
    {
      label: 'schema',
      query: `{ __schema { queryType { name } mutationType { name } subscriptionType { name } types { name kind } directives { name locations } } }`,
    },
    {
      label: 'type',
      query: `{ __type(name: "CheckoutSession") { name kind interfaces { name } fields { name args { name defaultValue type { name kind ofType { name kind } } } type { name kind ofType { name kind ofType { name } } } } } }`,
    },
    {
      label: 'enum',
      query: `{ __type(name: "CheckoutSessionState") { enumValues(includeDeprecated: true) { name description isDeprecated } } }`,
    },
    {
      label: 'two operations, first',
      query: `query A { account { name } } query B { checkoutSession(name: "${f.s1.name}") { state } }`,
      operationName: 'A',
    },
    {
      label: 'two operations, second',
      query: `query A { account { name } } query B { checkoutSession(name: "${f.s1.name}") { state } }`,
      operationName: 'B',
    },
    { label: 'two operations, none named', query: `query A { account { name } } query B { account { displayName } }` },
    { label: 'unknown operation name', query: `query A { account { name } }`, operationName: 'B' },
    { label: 'variable of the wrong type', query: lookup, variables: { n: 5 } },
    { label: 'required variable missing', query: lookup, variables: {} },
    { label: 'required variable null', query: lookup, variables: { n: null } },
    {
      label: 'bad enum in a variable',
      query: `query($f: CheckoutSessionFilter) { checkoutSessions(filter: $f) { edges { node { name } } } }`,
      variables: { f: { state: 'NOPE' } },
    },
    {
      label: 'unknown input field',
      query: `query($f: CheckoutSessionFilter) { checkoutSessions(filter: $f) { edges { node { name } } } }`,
      variables: { f: { colour: 'red' } },
    },
    {
      label: 'single value for a list',
      query: `query($f: EventFilter) { events(filter: $f) { edges { node { type } } } }`,
      variables: { f: { types: 'CHECKOUT_SESSION_PAID' } },
    },
    {
      label: 'float for an Int',
      query: `query($n: Int) { checkoutSessions(first: $n) { edges { node { name } } } }`,
      variables: { n: 2.5 },
    },
    {
      label: 'whole float for an Int',
      query: `query($n: Int) { checkoutSessions(first: $n) { edges { node { name } } } }`,
      variables: { n: 2.0 },
    },
    {
      label: 'string for an Int',
      query: `query($n: Int) { checkoutSessions(first: $n) { edges { node { name } } } }`,
      variables: { n: '2' },
    },
    {
      label: 'list variable inside an input literal',
      query: `query($t: [EventType!]) { events(filter: { types: $t }) { edges { node { type } } } }`,
      variables: { t: ['CHECKOUT_SESSION_EXPIRED'] },
    },
    {
      label: 'variable inside an input literal, absent',
      query: `query($t: [EventType!]) { events(filter: { types: $t }, first: 2) { edges { node { type } } } }`,
      variables: {},
    },
    {
      label: 'nullable variable with default in a non-null place',
      query: `query($n: String = "${f.s2.name}") { checkoutSession(name: $n) { state } }`,
    },
    { label: 'syntax error', query: `{ account { name }` },
    { label: 'unknown field', query: `{ account { name colour } }` },
    {
      label: 'non-null error nulls the parent',
      query: `{ account { name } events(filter: { types: [NOPE] }) { edges { cursor } } }`,
    },
    {
      label: 'errors in list items',
      query: `{ checkoutSessions(first: 5) { edges { node { name formattedAmount(locale: "not a locale!") } } } }`,
    },
    {
      label: 'errors on CRLF lines',
      query: `query {\r\n  account { name }\r\n  # ☃ 🎉 ünïcödé\r\n  a: checkoutSession(name: "x") { name }\r\n    b: event(name: "y") { id }\r\n}`,
    },
    {
      label: 'errors on CR lines',
      query: `query {\r  account { name }\r\r  # 🎉\r    a: checkoutSession(name: "x") { name }\r}`,
    },
    {
      label: 'several errors at once',
      query: `{ a: checkoutSession(name: "x") { name } b: event(name: "y") { id } c: paymentIntent(name: "${f.foreign.paymentIntent.name}") { id } account { name } }`,
    },
  ];
}

/** GraphQL documents written in the suite's test files (those without interpolation). */
function suiteDocuments(): { file: string; document: DocumentNode; query: string }[] {
  const directory = new URL('.', import.meta.url);
  const found: { file: string; document: DocumentNode; query: string }[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.test.ts'))) {
    const text = readFileSync(new URL(file, directory), 'utf8');
    for (const match of text.matchAll(/`([^`]*)`/g)) {
      const query = match[1]!;
      if (query.includes('${') || !/^\s*(query|mutation|subscription|\{)/.test(query)) continue;
      try {
        found.push({ file, document: parse(query), query });
      } catch {
        // not GraphQL
      }
    }
  }
  return found;
}

/** A plausible value for a variable of this type: the operations read the fixtures. */
function sampleValue(type: TypeNode, variable: string): unknown {
  if (type.kind === Kind.NON_NULL_TYPE) return sampleValue(type.type, variable);
  if (type.kind === Kind.LIST_TYPE) return [sampleValue(type.type, variable)];
  const samples: Record<string, unknown> = {
    Int: 2,
    Boolean: true,
    ID: f.s1.id,
    CheckoutSessionFilter: { state: 'OPEN' },
    EventFilter: { types: ['CHECKOUT_SESSION_PAID'] },
    EventType: 'CHECKOUT_SESSION_PAID',
    WebhookDeliveryFilter: { state: 'SUCCEEDED' },
  };
  if (type.name.value === 'String') {
    if (/after|before|cursor/i.test(variable)) return undefined;
    if (/type/i.test(variable)) return 'checkout_session.paid';
    if (/endpoint/i.test(variable)) return f.endpoint;
    if (/event/i.test(variable)) return f.firstEvent.id;
    return f.s2.name;
  }
  return samples[type.name.value];
}

describe('queries and their errors give the same answers through both executors', () => {
  it('every root field, written in every way', async () => {
    const operations = fieldCases().flatMap(([label, c]) => variants(label, c));
    expect(operations.length).toBeGreaterThan(400);
    const { mismatches, answers } = await differences(operations);
    expect(mismatches).toEqual([]);
    const counts = tally(answers);
    expect(counts.clean).toBeGreaterThan(150);
    expect(counts.failed).toBeGreaterThan(100);
  }, 300_000);

  it('the same for other callers: another account, the platform key, no key', async () => {
    const operations = fieldCases()
      .flatMap(([label, c]) => variants(label, c).slice(0, 2))
      .flatMap((operation) => [
        { ...operation, label: `${operation.label} (other account)`, key: other.apiKey },
        { ...operation, label: `${operation.label} (platform key)`, key: ADMIN_KEY },
        { ...operation, label: `${operation.label} (no key)`, key: null },
      ]);
    const { mismatches } = await differences(operations);
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('introspection, documents of several operations, variable coercion, error propagation', async () => {
    const { mismatches, answers } = await differences(handWritten());
    expect(mismatches).toEqual([]);
    expect(tally(answers).failed).toBeGreaterThan(10);
  });

  it('the queries the test suite sends, without and with variables', async () => {
    const documents = suiteDocuments().filter(({ document }) =>
      document.definitions.every(
        (definition) => definition.kind !== Kind.OPERATION_DEFINITION || definition.operation === 'query',
      ),
    );
    expect(documents.length).toBeGreaterThan(15);
    const operations = documents.flatMap(({ file, document, query }) => {
      const definitions = document.definitions.flatMap((definition) =>
        definition.kind === Kind.OPERATION_DEFINITION ? (definition.variableDefinitions ?? []) : [],
      );
      const variables = Object.fromEntries(
        definitions.map((definition) => [
          definition.variable.name.value,
          sampleValue(definition.type, definition.variable.name.value),
        ]),
      );
      return [
        { label: `${file}: no variables`, query, variables: {} },
        { label: `${file}: sample variables`, query, variables },
      ];
    });
    const { mismatches, answers } = await differences(operations);
    expect(mismatches).toEqual([]);
    expect(tally(answers).clean).toBeGreaterThan(10);
  }, 120_000);
});

describe('mutations give the same answers through both executors', () => {
  it('replays, no-ops and refusals, in every form', async () => {
    const SESSION_OUT = `${SESSION} __typename`;
    const input = (idempotencyKey: string) => ({
      amount: '2500',
      currency: 'USD',
      clientReferenceId: `diff-${idempotencyKey}`,
      metadata: { k: 'v' },
      successUrl: 'https://shop.example/ok',
      idempotencyKey,
    });
    const inlineInput = (idempotencyKey: string) => literal(input(idempotencyKey) as unknown as Value);
    const operations: Operation[] = [
      {
        label: 'create, inline input',
        query: `mutation { createCheckoutSession(input: ${inlineInput('inline')}) { ${SESSION_OUT} } }`,
      },
      {
        label: 'create, variable named otherwise',
        query: `mutation Make($x: CreateCheckoutSessionInput!) { createCheckoutSession(input: $x) { ${SESSION_OUT} } }`,
        variables: { x: input('other-name') },
      },
      {
        label: 'create, default input',
        query: `mutation Make($x: CreateCheckoutSessionInput = ${inlineInput('default')}) { createCheckoutSession(input: $x) { ...S } } fragment S on CheckoutSession { ${SESSION_OUT} }`,
      },
      {
        label: 'create, variables inside the input literal',
        query: `mutation($a: String!, $c: String!, $m: Metadata) { created: createCheckoutSession(input: { amount: $a, currency: $c, metadata: $m, idempotencyKey: "parts" }) { ... on CheckoutSession { ${SESSION_OUT} } } }`,
        variables: { a: '700', c: 'GBP', m: { note: 'x' } },
      },
      {
        label: 'create, directives',
        query: `mutation($d: Boolean!) { createCheckoutSession(input: ${inlineInput('directives')}) { name url @include(if: $d) state @skip(if: $d) } }`,
        variables: { d: false },
      },
      {
        label: 'create, bad amount',
        query: `mutation { createCheckoutSession(input: { amount: "0", currency: "GBP" }) { name } }`,
      },
      {
        label: 'create, bad currency and URL',
        query: `mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { name } }`,
        variables: { i: { amount: '10', currency: 'XXX', successUrl: 'ftp://x' } },
      },
      {
        label: 'create, bad metadata',
        query: `mutation { createCheckoutSession(input: { amount: "10", currency: "GBP", metadata: { "": "x" } }) { name } }`,
      },
      {
        label: 'create, metadata not an object',
        query: `mutation($m: Metadata) { createCheckoutSession(input: { amount: "10", currency: "GBP", metadata: $m }) { name } }`,
        variables: { m: [1, 2] },
      },
      {
        label: 'expire an expired session',
        query: `mutation { expireCheckoutSession(name: "${f.s4.name}") { ${SESSION_OUT} } }`,
      },
      {
        label: 'expire a paid session',
        query: `mutation($s: String!) { expireCheckoutSession(name: $s) { state } }`,
        variables: { s: f.s2.name },
      },
      {
        label: 'expire an unknown session',
        query: `mutation { expireCheckoutSession(name: "accounts/${shop.accountId}/checkout-sessions/cs_0000000000000000000000") { state } }`,
      },
      {
        label: 'several mutations, some failing',
        query: `mutation { a: expireCheckoutSession(name: "${f.s4.name}") { state } b: expireCheckoutSession(name: "${f.s2.name}") { state } c: createCheckoutSession(input: ${inlineInput('several')}) { name amount } d: expireCheckoutSession(name: "bad") { state } }`,
      },
      {
        label: 'create an account with an account key',
        query: `mutation { createAccount(input: { displayName: "Nope" }) { apiKey } }`,
      },
      {
        label: 'create an account with a bad name',
        query: `mutation { createAccount(input: { displayName: "" }) { apiKey account { name } } }`,
        key: ADMIN_KEY,
      },
      {
        label: 'create a webhook endpoint with a bad URL',
        query: `mutation { createWebhookEndpoint(input: { url: "not a url", enabledEvents: [] }) { secret } }`,
      },
      {
        label: 'create a webhook endpoint with a bad type',
        query: `mutation($t: [EventType!]!) { createWebhookEndpoint(input: { url: "https://hooks.example/x", enabledEvents: $t }) { secret } }`,
        variables: { t: ['NOPE'] },
      },
      {
        label: 'update an unknown webhook endpoint',
        query: `mutation { updateWebhookEndpoint(input: { name: "accounts/${shop.accountId}/webhook-endpoints/we_0000000000000000000000", disabled: true }) { webhookEndpoint { name } } }`,
      },
      {
        label: 'update to the same values',
        query: `mutation($n: String!) { updateWebhookEndpoint(input: { name: $n, disabled: true }) { webhookEndpoint { name disabled disabledReason enabledEvents } } }`,
        variables: { n: f.endpoint },
      },
      {
        label: 'delete a malformed webhook endpoint',
        query: `mutation { deleteWebhookEndpoint(input: { name: "we_1" }) { deletedWebhookEndpointName } }`,
      },
      {
        label: "rotate an unknown endpoint's secret",
        query: `mutation { rotateWebhookEndpointSecret(input: { name: "accounts/${shop.accountId}/webhook-endpoints/we_0000000000000000000000" }) { secret } }`,
      },
      {
        label: 'resend to a disabled endpoint',
        query: `mutation($e: String!, $w: String!) { resendWebhookEvent(input: { event: $e, webhookEndpoint: $w }) { webhookDelivery { id } } }`,
        variables: { e: f.firstEvent.id, w: f.endpoint },
      },
      {
        label: 'mutation, variable of the wrong type',
        query: `mutation($s: String!) { expireCheckoutSession(name: $s) { state } }`,
        variables: { s: ['x'] },
      },
      {
        label: 'mutation without a key',
        query: `mutation { expireCheckoutSession(name: "${f.s4.name}") { state } }`,
        key: null,
      },
    ];
    const { mismatches, answers } = await differences(operations, { warmUp: true });
    expect(mismatches).toEqual([]);
    const counts = tally(answers);
    expect(counts.clean).toBeGreaterThan(5);
    expect(counts.failed).toBeGreaterThan(10);
  });
});

describe('subscriptions give the same events and errors through both executors', () => {
  /**
   * What a subscription delivers from the log (replays; nothing new is committed meanwhile):
   * everything that arrived until nothing more came for 700 ms, and at least 3 s after it opened.
   */
  /**
   * Both streams once they have settled: nothing new for a while, and as much on each side (a
   * replay can arrive in bursts on a busy machine), or 15 s gone, when the difference is the answer.
   */
  type Delivered = { items: unknown[]; errors: unknown[] };
  async function deliveredPair(one: Collected, other: Collected): Promise<[Delivered, Delivered]> {
    const opened = Date.now();
    const count = (subscription: Collected) => subscription.items.length + subscription.errors.length;
    for (let seen = [-1, -1]; ; ) {
      const now = [count(one), count(other)];
      const quiet = now[0] === seen[0] && now[1] === seen[1];
      const elapsed = Date.now() - opened;
      if (quiet && ((now[0] === now[1] && (now[0]! > 0 || elapsed > 3_000)) || elapsed > 15_000)) break;
      seen = now;
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    await Promise.all([one.close(), other.close()]);
    return [
      { items: one.items, errors: one.errors },
      { items: other.items, errors: other.errors },
    ];
  }

  function subscriptions(): Operation[] {
    const after = f.firstEvent.id;
    const fields = `id name type createTime checkoutSession { name state paid paymentIntent { state } }`;
    return [
      { label: 'events, inline after', query: `subscription { events(after: "${after}") { ${fields} } }` },
      {
        label: 'events, inline types and after',
        query: `subscription { events(types: [CHECKOUT_SESSION_PAID, CHECKOUT_SESSION_EXPIRED], after: "${after}") { ${fields} } }`,
      },
      {
        label: 'events, inline name',
        query: `subscription($a: String) { events(name: "${f.s2.name}", after: $a) { ${fields} } }`,
        variables: { a: after },
      },
      {
        label: 'events, variables named otherwise',
        query: `subscription($t: [EventType!], $a: String) { events(types: $t, after: $a) { ${fields} } }`,
        variables: { t: ['CHECKOUT_SESSION_CREATED'], a: after },
      },
      {
        label: 'events, variables named like the arguments',
        query: `subscription($types: [EventType!], $after: String) { events(types: $types, after: $after) { ${fields} } }`,
        variables: { types: ['CHECKOUT_SESSION_EXPIRED'], after },
      },
      {
        label: 'events, default values',
        query: `subscription($a: String = "${after}", $t: [EventType!] = [CHECKOUT_SESSION_PAID]) { events(after: $a, types: $t) { ${fields} } }`,
      },
      {
        label: 'events, fragments and alias',
        query: `subscription { feed: events(after: "${after}") { ...E ... on CheckoutSessionEvent { t: type } } } fragment E on CheckoutSessionEvent { ${fields} }`,
      },
      {
        label: 'events, directives',
        query: `subscription($x: Boolean!) { events(after: "${after}") { id type @include(if: $x) checkoutSession @skip(if: $x) { name } } }`,
        variables: { x: true },
      },
      {
        label: 'paid, inline name and after',
        query: `subscription { checkoutSessionPaid(name: "${f.s2.name}", after: "${after}") { ${fields} } }`,
      },
      {
        label: 'paid, variables named otherwise',
        query: `subscription($s: String, $a: String) { checkoutSessionPaid(name: $s, after: $a) { ${fields} } }`,
        variables: { s: f.s2.name, a: after },
      },
      {
        label: 'paid, unknown inline name',
        query: `subscription { checkoutSessionPaid(name: "accounts/${shop.accountId}/checkout-sessions/cs_0000000000000000000000") { id } }`,
      },
      {
        label: "paid, another account's session",
        query: `subscription { checkoutSessionPaid(name: "${f.foreign.name}") { id } }`,
      },
      {
        label: 'events, unknown inline after',
        query: `subscription { events(after: "evt_0000000000000000000000") { id } }`,
      },
      { label: 'events, unknown inline type', query: `subscription { events(types: [NOPE]) { id } }` },
      {
        label: 'events, variable named like another argument',
        query: `subscription($types: String) { events(name: $types) { id } }`,
        variables: { types: 'not a name' },
      },
      {
        label: 'events, list variable named like another argument',
        query: `subscription($name: [EventType!]) { events(types: $name, after: "${after}") { id type } }`,
        variables: { name: ['CHECKOUT_SESSION_PAID'] },
      },
      {
        label: 'events, variable of the wrong type',
        query: `subscription($a: String) { events(after: $a) { id } }`,
        variables: { a: 5 },
      },
    ];
  }

  for (const [transport, open] of [
    [
      'server-sent events',
      (gateway: Gateway, operation: Operation) =>
        subscribeSse(gateway.url, shop.apiKey, operation.query, operation.variables),
    ],
    [
      'graphql-ws',
      async (gateway: Gateway, operation: Operation) =>
        subscribeWs(gateway.url, shop.apiKey, operation.query, operation.variables),
    ],
  ] as const) {
    it(`over ${transport}`, async () => {
      // All at once: each waits for its stream to settle.
      const compared = await Promise.all(
        subscriptions().map(async (operation) => {
          const [fast, graphqlJs] = await deliveredPair(await open(jit, operation), await open(js, operation));
          return { label: operation.label, fast, graphqlJs };
        }),
      );
      const mismatches = compared.filter(({ fast, graphqlJs }) => !isDeepStrictEqual(fast, graphqlJs));
      const withItems = compared.filter(({ graphqlJs }) => graphqlJs.items.length > 0).length;
      expect(mismatches).toEqual([]);
      expect(withItems).toBeGreaterThan(8);
    }, 120_000);
  }
});
