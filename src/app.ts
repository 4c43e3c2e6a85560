import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createServerAdapter } from '@whatwg-node/server';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { ApiKeyAuthenticator, countAccounts, issueDemoApiKey, type Principal } from './domain/accounts.js';
import type { DomainDeps } from './domain/checkout-sessions.js';
import { DomainError } from './domain/errors.js';
import { EventHub } from './domain/event-stream.js';
import { webhookSettingsFromConfig } from './domain/webhooks.js';
import { RateLimiter } from './domain/rate-limit.js';
import type { GraphQLContext } from './graphql/context.js';
import { schema } from './graphql/schema.js';
import { createHostedPages } from './hosted/routes.js';
import { createLogger, type Logger } from './logger.js';
import { createRestApi } from './rest/routes.js';
import { startWorkers, type Workers } from './workers/index.js';

const GRAPHIQL_EXAMPLE = `# The checkout gateway. Your API key is in the Headers tab below.
# Run "Create", open the url it returns to pay (test card 4242 4242 4242 4242), then run "List".

mutation Create {
  createCheckoutSession(input: { amount: "10000", currency: "GBP", clientReferenceId: "order_12345" }) {
    name
    state
    formattedAmount
    url
    expireTime
  }
}

query List {
  checkoutSessions(first: 10) {
    edges { node { name state formattedAmount paid paymentIntent { state } } }
  }
}
`;

export interface App {
  /** Opens the database, applies migrations and starts listening; resolves once ready. */
  start(): Promise<{ port: number; url: string }>;
  /** Stops accepting, finishes in-flight work, closes the database. */
  stop(): Promise<void>;
  readonly database: Database;
  readonly logger: Logger;
  /** Set on an embedded database outside production: the demo account's key for this run. */
  readonly demoApiKey: string | undefined;
}

/** The innermost error behind GraphQL's wrappers (the executor may wrap more than once). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth += 1) {
    if (current instanceof DomainError) return current;
    const inner = (current as { originalError?: unknown } | null)?.originalError;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** Turns domain failures into coded GraphQL errors; everything else is masked, and logged. */
function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const located = error as Partial<GraphQLError>;
    const cause = rootCause(error);
    if (cause instanceof DomainError) {
      return new GraphQLError(cause.message, {
        nodes: located.nodes,
        path: located.path,
        extensions: {
          code: cause.code,
          ...(cause.details.issues ? { issues: cause.details.issues } : {}),
          ...(cause.details.retryAfter !== undefined ? { retryAfter: cause.details.retryAfter } : {}),
        },
      });
    }
    // GraphQL's own errors (syntax, validation, variable coercion) are safe to show as they are.
    if (cause instanceof GraphQLError || (cause as Error | undefined)?.name === 'GraphQLError') return cause as Error;
    logger.error('unexpected error while executing an operation', { error: cause });
    return new GraphQLError(yogaMaskError(error, message, false).message, {
      nodes: located.nodes,
      path: located.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

/** Marks replayed idempotent results: `extensions.idempotentReplayed` and an HTTP header. */
function idempotentReplayPlugin(): Plugin<GraphQLContext & { request?: Request }> {
  const replayed = new WeakSet<Request>();
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const ctx = args.contextValue as GraphQLContext & { request?: Request };
          if (!ctx.idempotentReplayed || Symbol.asyncIterator in result) return;
          if (ctx.request) replayed.add(ctx.request);
          setResult({ ...result, extensions: { ...result.extensions, idempotentReplayed: true } });
        },
      };
    },
    onResponse({ request, response }) {
      if (replayed.has(request)) response.headers.set('Idempotent-Replayed', 'true');
    },
  };
}

export function buildApp(config: Config): App {
  const logger = createLogger(config.logLevel);
  let database: Database | undefined;
  let authenticator: ApiKeyAuthenticator | undefined;
  let workers: Workers | undefined;
  let server: Server | undefined;
  let wsServer: WebSocketServer | undefined;
  let disposeWs: (() => Promise<void>) | undefined;
  let ready = false;
  let demoApiKey: string | undefined;
  const publicUrlFor = (port: number) => config.publicUrl ?? `http://localhost:${port}`;
  const deps: DomainDeps = { db: undefined as never, publicUrl: '' };
  // One LISTEN per process; subscriptions and the webhook workers share it.
  const eventHub = new EventHub(logger);
  const webhookSettings = webhookSettingsFromConfig(config, (message) => logger.warn(message));

  const rateLimiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);

  /** Resolves the caller's key and charges its rate limit (throws RATE_LIMITED when spent). */
  async function authenticate(authorization: unknown): Promise<Principal | null> {
    const principal = await authenticator!.authenticate(typeof authorization === 'string' ? authorization : null);
    if (principal) rateLimiter.take(principal.role === 'account' ? principal.accountId : 'admin');
    return principal;
  }

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(logger), isDev: false },
    // The self-contained GraphiQL build: it works offline and needs no CDN in the page's policy.
    renderGraphiQL,
    graphiql: () => ({
      title: 'Checkout gateway',
      defaultQuery: GRAPHIQL_EXAMPLE,
      headers: JSON.stringify(demoApiKey ? { Authorization: `Api-Key ${demoApiKey}` } : { Authorization: 'Api-Key sk_…' }),
      shouldPersistHeaders: false,
    }),
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 10 },
        maxAliases: { n: 15 },
        maxTokens: { n: 2000 },
        maxDirectives: { n: 20 },
        costLimit: { maxCost: 10_000 },
      }),
      idempotentReplayPlugin(),
    ],
    context: async (initial) => {
      const request = (initial as { request?: Request }).request;
      const connectionParams = (initial as { connectionParams?: Record<string, unknown> }).connectionParams;
      const authorization = connectionParams?.Authorization ?? connectionParams?.authorization ?? request?.headers.get('authorization');
      return {
        deps,
        principal: await authenticate(authorization),
        idempotencyKey: request?.headers.get('idempotency-key') ?? null,
        idempotentReplayed: false,
        events: eventHub,
        webhooks: webhookSettings,
      };
    },
  });

  const hosted = createHostedPages(() => ({ deps, logger }));
  const rest = createRestApi(() => ({ deps, logger, authenticate }));

  const pages = createServerAdapter(async (request: Request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/healthz') return new Response('ok\n', { headers: { 'content-type': 'text/plain' } });
    if (pathname === '/readyz') {
      const ok = ready && (await database!.ping());
      return new Response(ok ? 'ready\n' : 'not ready\n', { status: ok ? 200 : 503, headers: { 'content-type': 'text/plain' } });
    }
    if (!ready) return new Response('starting\n', { status: 503, headers: { 'retry-after': '1' } });
    const response = (await hosted(request)) ?? (await rest(request));
    return response ?? new Response('Not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  });

  function route(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    if (path === '/graphql' || path.startsWith('/graphql?') || path.startsWith('/graphql/')) {
      if (!ready) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
        return;
      }
      void yoga(req, res);
      return;
    }
    void pages(req, res);
  }

  return {
    get database() {
      if (!database) throw new Error('the app has not started');
      return database;
    },
    logger,
    get demoApiKey() {
      return demoApiKey;
    },
    async start() {
      database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
      await database.migrate();
      deps.db = database.db;
      authenticator = new ApiKeyAuthenticator(database.db, config.adminApiKey);

      if (database.kind === 'pglite' && !config.production) {
        // A fresh key per start: keys are stored hashed, so an earlier one cannot be shown again.
        const empty = (await countAccounts(database.db)) === 0;
        const demo = await issueDemoApiKey(database.db, { createIfMissing: empty });
        demoApiKey = demo?.apiKey;
      }

      server = createServer(route);
      wsServer = new WebSocketServer({ server, path: '/graphql' });
      const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal | null }>(
        {
          execute: (args: any) => args.rootValue.execute(args),
          subscribe: (args: any) => args.rootValue.subscribe(args),
          onConnect: async (ctx) => {
            // Refuse the connection itself when the key is wrong, rather than each operation.
            const principal = await authenticate(ctx.connectionParams?.Authorization ?? ctx.connectionParams?.authorization);
            if (!principal) return false;
            return true;
          },
          onSubscribe: async (ctx, _id, payload) => {
            const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
              ...ctx,
              req: ctx.extra.request,
              socket: ctx.extra.socket,
              params: payload,
            });
            // Syntax errors and graphql-armor's limits are thrown from parse() and validate():
            // report them as the operation's errors, as over HTTP, instead of closing the socket.
            try {
              const document = parse(payload.query);
              const errors = validate(envelopedSchema, document);
              if (errors.length) return errors;
              return {
                schema: envelopedSchema,
                operationName: payload.operationName,
                document,
                variableValues: payload.variables,
                contextValue: await contextFactory(),
                rootValue: { execute, subscribe },
              };
            } catch (error) {
              if (error instanceof GraphQLError) return [error];
              throw error;
            }
          },
        },
        wsServer,
      );
      disposeWs = async () => {
        await wsCleanup.dispose();
      };

      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      deps.publicUrl = publicUrlFor(port);
      await eventHub.start(database);
      workers = startWorkers({ deps, database, config, logger, events: eventHub, webhooks: webhookSettings });
      ready = true;
      return { port, url: `http://localhost:${port}` };
    },
    async stop() {
      ready = false;
      // Stop accepting first; close() waits for in-flight HTTP requests to finish.
      const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
      server?.closeIdleConnections();
      // Completes open subscriptions, so their SSE responses end and close() can finish.
      await eventHub.stop();
      await disposeWs?.();
      wsServer?.close();
      await workers?.stop();
      const idleTimer = setInterval(() => server?.closeIdleConnections(), 100);
      await closed;
      clearInterval(idleTimer);
      await yoga.dispose();
      await database?.close();
    },
  };
}
