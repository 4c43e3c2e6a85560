import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  buildClientSchema,
  getIntrospectionQuery,
  isObjectType,
  Kind,
  parse,
  printSchema,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type Gateway } from './testkit.js';

/**
 * The clients merchants build dashboards with, against the running server's schema: codegen's
 * client preset and relay-compiler must compile realistic documents, and Apollo Client's and urql
 * graphcache's normalised caches must hold the data without a warning and without a session ever
 * going back to an older state.
 */
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const DOCUMENTS = join(ROOT, 'test/clients/documents/operations.graphql');

let gateway: Gateway;
let shop: { accountId: string; apiKey: string };
let schema: GraphQLSchema;
let work: string;
const operations = parse(await readFile(DOCUMENTS, 'utf8'));

/** One operation of operations.graphql with the fragments it uses, and only those (GraphQL refuses unused ones). */
function operation(name: string): DocumentNode {
  const fragments = new Map(
    operations.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const root = operations.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);
  if (!root) throw new Error(`no operation ${name}`);
  const used = new Map<string, DefinitionNode>();
  const collect = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value)!;
        if (!used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          collect(fragment);
        }
      },
    });
  collect(root);
  return { kind: Kind.DOCUMENT, definitions: [root, ...used.values()] };
}

beforeAll(async () => {
  gateway = await startGateway();
  shop = await gateway.createAccount('Client shop');
  const introspection = await gateway.ok(getIntrospectionQuery(), {}, { key: shop.apiKey });
  schema = buildClientSchema(introspection);
  work = await mkdtemp(join(tmpdir(), 'gateway-clients-'));
  await writeFile(join(work, 'schema.graphql'), printSchema(schema));
});
afterAll(async () => {
  await gateway?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('code generators', () => {
  it("compiles the dashboard documents with graphql-codegen's client preset", async () => {
    const out = join(work, 'codegen');
    const config = {
      schema: join(work, 'schema.graphql'),
      documents: [DOCUMENTS],
      generates: {
        [`${out}/`]: {
          preset: 'client',
          config: { scalars: { DateTime: 'string', Metadata: 'Record<string, string>' }, enumsAsTypes: true },
        },
      },
      silent: true,
    };
    await writeFile(join(work, 'codegen.json'), JSON.stringify(config));
    // Run from the repository so that the CLI finds its preset in node_modules.
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/@graphql-codegen/cli/esm/bin.js'), '--config', join(work, 'codegen.json')],
      { cwd: ROOT },
    );
    const types = await readFile(join(out, 'graphql.ts'), 'utf8');
    expect(types).toContain('export type SessionsQuery');
    expect(types).toContain('export type OnEventsSubscription');
    expect(types).toMatch(/export type EventType =[^;]*'CHECKOUT_SESSION_CREATED'/);
  }, 120_000);

  it('compiles fragments, connections, refetchable fragments and subscriptions with relay-compiler', async () => {
    const dir = join(work, 'relay');
    await mkdir(join(dir, '__generated__'), { recursive: true });
    await cp(join(ROOT, 'test/clients/relay'), join(dir, 'src'), { recursive: true });
    await cp(join(work, 'schema.graphql'), join(dir, 'schema.graphql'));
    await writeFile(
      join(dir, 'relay.config.json'),
      JSON.stringify({
        src: './src',
        schema: './schema.graphql',
        language: 'typescript',
        artifactDirectory: './__generated__',
      }),
    );
    // relay-compiler is a native binary shipped inside its npm package; cli.js picks the platform's.
    await run(process.execPath, [join(ROOT, 'node_modules/relay-compiler/cli.js')], { cwd: dir });
    const artifacts = await readdir(join(dir, '__generated__'));
    expect(artifacts).toEqual(
      expect.arrayContaining([
        'SessionRowRefetchQuery.graphql.ts',
        'SessionListPaginationQuery.graphql.ts',
        'EventListPaginationQuery.graphql.ts',
        'EventListEventRefetchQuery.graphql.ts',
        'EndpointListEndpointRefetchQuery.graphql.ts',
        'EventListSubscription.graphql.ts',
        'EndpointListDeleteMutation.graphql.ts',
      ]),
    );
  }, 120_000);
});

/** Every console.warn (and console.error) a client makes while `body` runs. */
async function warningsDuring(body: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const warn = vi
    .spyOn(console, 'warn')
    .mockImplementation((...args) => void warnings.push(args.map(String).join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...args) => void warnings.push(args.map(String).join(' ')));
  try {
    await body();
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
  return warnings;
}

const SESSION_INPUT = { amount: '4200', currency: 'GBP', clientReferenceId: 'client-cache' };

describe('normalised caches', () => {
  it('Apollo Client 4 (InMemoryCache): no warning, updates land in lists, an old event never reverts a session', async () => {
    // Apollo prints its cache warnings only in development builds.
    (globalThis as { __DEV__?: boolean }).__DEV__ = true;
    const { ApolloClient, HttpLink, InMemoryCache } = await import('@apollo/client');
    const { loadDevMessages, loadErrorMessages } = await import('@apollo/client/dev');
    loadDevMessages();
    loadErrorMessages();
    const client = new ApolloClient({
      link: new HttpLink({ uri: `${gateway.url}/graphql`, headers: { authorization: `Api-Key ${shop.apiKey}` } }),
      // Apollo matches fragments on an interface's types (`node { ... on CheckoutSession }`) only
      // with possibleTypes, which codegen's fragment-matcher writes from the schema, as here.
      cache: new InMemoryCache({
        possibleTypes: { Node: schema.getPossibleTypes(schema.getType('Node') as any).map((type) => type.name) },
      }),
    });
    const warnings = await warningsDuring(async () => {
      const me: any = await client.query({ query: operation('Me') });
      expect(me.data?.account.displayName).toBe('Client shop');

      // Webhook endpoints: create, list, update (the list shows the change), delete.
      const created: any = await client.mutate({
        mutation: operation('CreateEndpoint'),
        variables: { input: { url: 'https://hooks.example/apollo', enabledEvents: ['CHECKOUT_SESSION_PAID'] } },
      });
      const endpoint = created.data.createWebhookEndpoint.webhookEndpoint;
      const listed: any = await client.query({ query: operation('Endpoints'), fetchPolicy: 'network-only' });
      expect(listed.data.webhookEndpoints.edges.map((edge: any) => edge.node.url)).toContain(
        'https://hooks.example/apollo',
      );
      await client.mutate({
        mutation: operation('UpdateEndpoint'),
        variables: { input: { name: endpoint.name, url: 'https://hooks.example/apollo-2', enabledEvents: [] } },
      });
      const cachedList: any = client.readQuery({ query: operation('Endpoints') });
      expect(cachedList.webhookEndpoints.edges.find((edge: any) => edge.node.id === endpoint.id).node).toMatchObject({
        url: 'https://hooks.example/apollo-2',
        enabledEvents: [],
        allEventsEnabled: true,
      });
      const deleted: any = await client.mutate({
        mutation: operation('DeleteEndpoint'),
        variables: { input: { name: endpoint.name } },
      });
      // Apollo's way to drop a deleted object: evict it by the id the payload returns, then drop
      // the edges that pointed to it.
      client.cache.evict({
        id: client.cache.identify({
          __typename: 'WebhookEndpoint',
          id: deleted.data.deleteWebhookEndpoint.deletedWebhookEndpointId,
        }),
      });
      client.cache.modify({
        fields: {
          webhookEndpoints: (existing: any, { canRead, readField }) => ({
            ...existing,
            edges: existing.edges.filter((edge: any) => canRead(readField('node', edge) as any)),
          }),
        },
      });
      client.cache.gc();
      const afterDelete: any = client.readQuery({ query: operation('Endpoints') });
      expect(afterDelete.webhookEndpoints.edges.map((edge: any) => edge.node.id)).not.toContain(endpoint.id);

      // A session: created, read, expired; then its events, the oldest of them `created`.
      const createdSession: any = await client.mutate({
        mutation: operation('CreateSession'),
        variables: { input: SESSION_INPUT },
      });
      const session = createdSession.data.createCheckoutSession;
      expect(
        (await client.query({ query: operation('Session'), variables: { name: session.name } })).data,
      ).toMatchObject({
        checkoutSession: { state: 'OPEN' },
      });
      await client.mutate({ mutation: operation('ExpireSession'), variables: { name: session.name } });
      const events: any = await client.query({
        query: operation('Events'),
        variables: { first: 50 },
        fetchPolicy: 'network-only',
      });
      const createdEvent = events.data.events.edges
        .map((edge: any) => edge.node)
        .find(
          (event: any) =>
            event.type === 'checkout_session.created' && event.checkoutSessionSnapshot.name === session.name,
        );
      expect(createdEvent.checkoutSessionSnapshot).toMatchObject({ state: 'OPEN', url: session.url });
      const refetched: any = await client.query({
        query: operation('RefetchSession'),
        variables: { id: createdEvent.id },
        fetchPolicy: 'network-only',
      });
      expect(refetched.data.node.type).toBe('checkout_session.created');

      // The cached session is still the current one: EXPIRED, no payment URL.
      const cached: any = client.readQuery({ query: operation('Session'), variables: { name: session.name } });
      expect(cached.checkoutSession).toMatchObject({ id: session.id, state: 'EXPIRED', url: null });
      const byNode: any = await client.query({
        query: operation('RefetchSession'),
        variables: { id: session.id },
        fetchPolicy: 'cache-first',
      });
      expect(byNode.data.node).toMatchObject({ state: 'EXPIRED', url: null });
    });
    expect(warnings).toEqual([]);
    client.stop();
    delete (globalThis as { __DEV__?: boolean }).__DEV__;
  }, 60_000);

  it('urql with graphcache: no warning, updates land in lists, an old event never reverts a session', async () => {
    const { Client, fetchExchange } = await import('@urql/core');
    const { cacheExchange } = await import('@urql/exchange-graphcache');
    // Payloads and a payment's error are parts of their parent, never refetched on their own: the
    // types without an id (graphcache already embeds pages, edges and PageInfo without asking).
    const embedded = Object.values(schema.getTypeMap()).filter(
      (type) =>
        isObjectType(type) &&
        !type.name.startsWith('__') &&
        !('id' in type.getFields()) &&
        !/^(Query|Mutation|Subscription|PageInfo)$|(Connection|Edge)$/.test(type.name),
    );
    // Only mutation payloads and the payment error may lack an id: anything else a client sees is a Node.
    expect(embedded.map((type) => type.name).filter((name) => !/Payload$/.test(name))).toEqual(['PaymentError']);
    expect(embedded.length).toBeGreaterThan(6);
    const client = new Client({
      url: `${gateway.url}/graphql`,
      fetchOptions: { headers: { authorization: `Api-Key ${shop.apiKey}` } },
      exchanges: [
        cacheExchange({
          keys: Object.fromEntries(embedded.map((type) => [type.name, () => null])),
          updates: {
            Mutation: {
              deleteWebhookEndpoint: (result: any, _args, cache) => {
                cache.invalidate({
                  __typename: 'WebhookEndpoint',
                  id: result.deleteWebhookEndpoint.deletedWebhookEndpointId,
                });
              },
            },
          },
        }),
        fetchExchange,
      ],
    });
    const ok = (result: { data?: any; error?: unknown }) => {
      expect(result.error).toBeUndefined();
      return result.data;
    };
    const warnings = await warningsDuring(async () => {
      expect(ok(await client.query(operation('Me'), {}).toPromise()).account.displayName).toBe('Client shop');

      const created = ok(
        await client
          .mutation(operation('CreateEndpoint'), {
            input: { url: 'https://hooks.example/urql', enabledEvents: ['CHECKOUT_SESSION_PAID'] },
          })
          .toPromise(),
      );
      const endpoint = created.createWebhookEndpoint.webhookEndpoint;
      const listed = ok(await client.query(operation('Endpoints'), {}, { requestPolicy: 'network-only' }).toPromise());
      expect(listed.webhookEndpoints.edges.map((edge: any) => edge.node.url)).toContain('https://hooks.example/urql');
      ok(
        await client
          .mutation(operation('UpdateEndpoint'), {
            input: { name: endpoint.name, url: 'https://hooks.example/urql-2', enabledEvents: [] },
          })
          .toPromise(),
      );
      const cachedList = client.readQuery(operation('Endpoints'), {})!.data as any;
      expect(cachedList.webhookEndpoints.edges.find((edge: any) => edge.node.id === endpoint.id).node).toMatchObject({
        url: 'https://hooks.example/urql-2',
        allEventsEnabled: true,
      });
      ok(await client.mutation(operation('DeleteEndpoint'), { input: { name: endpoint.name } }).toPromise());
      const afterDelete = ok(await client.query(operation('Endpoints'), {}).toPromise());
      expect(afterDelete.webhookEndpoints.edges.map((edge: any) => edge.node.id)).not.toContain(endpoint.id);

      const session = ok(
        await client
          .mutation(operation('CreateSession'), { input: { ...SESSION_INPUT, clientReferenceId: 'urql' } })
          .toPromise(),
      ).createCheckoutSession;
      expect(
        ok(await client.query(operation('Session'), { name: session.name }).toPromise()).checkoutSession.state,
      ).toBe('OPEN');
      ok(await client.mutation(operation('ExpireSession'), { name: session.name }).toPromise());
      const events = ok(
        await client.query(operation('Events'), { first: 50 }, { requestPolicy: 'network-only' }).toPromise(),
      );
      const createdEvent = events.events.edges
        .map((edge: any) => edge.node)
        .find(
          (event: any) =>
            event.type === 'checkout_session.created' && event.checkoutSessionSnapshot.name === session.name,
        );
      expect(createdEvent.checkoutSessionSnapshot).toMatchObject({ state: 'OPEN', url: session.url });

      const cached = client.readQuery(operation('Session'), { name: session.name })!.data as any;
      expect(cached.checkoutSession).toMatchObject({ id: session.id, state: 'EXPIRED', url: null });
    });
    expect(warnings).toEqual([]);
  }, 60_000);
});
