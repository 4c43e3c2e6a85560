import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createServerAdapter } from '@whatwg-node/server';
import { getOperationAST, getVariableValues, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { ApiKeyAuthenticator, countAccounts, issueDemoApiKey, type Principal } from './domain/accounts.js';
import type { DomainDeps } from './domain/deps.js';
import { sandboxProcessor } from './domain/payments/processor.js';
import { DomainError } from './domain/errors.js';
import { EventHub } from './domain/event-stream.js';
import { webhookSettingsFromConfig } from './domain/webhooks.js';
import { RateLimiter } from './domain/rate-limit.js';
import { openRateLimitStore } from './rate-limit-stores.js';
import type { GraphQLContext } from './graphql/context.js';
import { executeEnveloped, subscribeEnveloped } from './graphql/enveloped-execution.js';
import { OPERATION_LIMITS } from './graphql/limits.js';
import { renderPayloadDocument } from './graphql/webhook-payload.js';
import { schema } from './graphql/schema.js';
import {
  clientErrorCodePlugin,
  codeClientError,
  compiledExecutionPlugins,
  createMaskError,
  idempotentReplayPlugin,
  rateLimitStatusPlugin,
} from './graphql/yoga-plugins.js';
import { introspectionPlugin } from './graphql/introspection.js';
import { createTrustedDocuments, loadManifestFile } from './graphql/persisted-documents.js';
import { documentProblem, onTrustedDocumentsChanged } from './graphql/trusted-documents.js';
import { createHostedPages } from './hosted/routes.js';
import { corsPolicy } from './http/cors.js';
import { createGraphiQL, isDirectLoopback } from './http/graphiql.js';
import { graphqlSsePlugin } from './http/graphql-sse.js';
import { requestErrorStatusPlugin } from './http/request-error-status.js';
import { responseHeadersPlugin } from './http/response-headers.js';
import { createLogger, withLogContext, type Logger } from './logger.js';
import { requestIdFrom } from './request-id.js';
import { createRestApi } from './rest/routes.js';
import { metricsPlugin } from './graphql/metrics-plugin.js';
import { tracingPlugin } from './graphql/tracing-plugin.js';
import { traceRequest, tracing } from './observability/tracing.js';
import { observeRequest, routeLabel, setScrapeSources } from './observability/metrics.js';
import { answerScrape, bearerMatches, createMetricsServer, scrapeMetrics } from './observability/scrape.js';
import { countDueWebhookDeliveries } from './domain/webhooks.js';
import cluster from 'node:cluster';
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

const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;
/**
 * One WebSocket message at most: a subscribe message is a query (2000 tokens at most) and its
 * variables, far below this. `ws` refuses a larger frame from its header (close 1009), unread.
 */
const MAX_WEBSOCKET_MESSAGE_BYTES = 256 * 1024;
/** A WebSocket must send connection_init (with its key) within this, or is closed with 4408. */
const CONNECTION_INIT_TIMEOUT_MS = 3_000;

/** How long a closing connection may go on sending (to be discarded) before it is cut. */
const LINGER_MS = 2_000;

function lingeringClose(socket: Socket) {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end();
  socket.resume();
}

/** Operations one batched POST may carry. */
const MAX_BATCH_SIZE = 10;

/** How a request reached us, for its log lines: GraphQL over HTTP or SSE, REST, the hosted page. */
function transportOf(req: IncomingMessage, path: string): string {
  if (path.startsWith('/graphql'))
    return String(req.headers.accept ?? '').includes('text/event-stream') ? 'sse' : 'http';
  if (path.startsWith('/v1/')) return 'rest';
  if (path.startsWith('/checkout')) return 'hosted';
  return 'http';
}

export interface App {
  /** Opens the database, applies migrations and starts listening; resolves once ready. */
  start(): Promise<{ port: number; url: string }>;
  /** Stops accepting, finishes in-flight work, closes the database. */
  stop(): Promise<void>;
  readonly database: Database;
  readonly logger: Logger;
  /** Set on an embedded database outside production: the demo account's key for this run. */
  readonly demoApiKey: string | undefined;
  /** Where rate limits are counted, in words (Redis, the machine's cluster, this process). */
  readonly rateLimitScope: string;
}

/** Choices for tests, not for deployments: the differential test runs both executors on one database. */
export interface AppOptions {
  /** 'jit' (the default) compiles operations where that gives the same results; 'graphql-js' never does. */
  executor?: 'jit' | 'graphql-js';
  /** An open database to use instead of opening one; the app leaves it open when it stops. */
  database?: Database;
}

export function buildApp(config: Config, options: AppOptions = {}): App {
  const logger = createLogger(config.logLevel);
  let database: Database | undefined;
  let authenticator: ApiKeyAuthenticator | undefined;
  let workers: Workers | undefined;
  let server: Server | undefined;
  let wsServer: WebSocketServer | undefined;
  let metricsServer: Server | undefined;
  let disposeWs: (() => Promise<void>) | undefined;
  let ready = false;
  let demoApiKey: string | undefined;
  const publicUrlFor = (port: number) => config.publicUrl ?? `http://localhost:${port}`;
  const deps: DomainDeps = { db: undefined as never, publicUrl: '', paymentProcessor: sandboxProcessor };
  // One LISTEN per process; subscriptions and the webhook workers share it.
  const eventHub = new EventHub(logger);
  const webhookSettings = webhookSettingsFromConfig(config, (message) => logger.warn(message));

  // Shared through Redis, or by a cluster's workers, or per process: see openRateLimitStore.
  const rateLimits = openRateLimitStore({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, logger });
  const rateLimiter = new RateLimiter(rateLimits, 'requests', config.rateLimitPerSecond, config.rateLimitBurst);

  /**
   * Resolves the caller's key and charges its rate limit (throws RATE_LIMITED when spent, or
   * when `clientAddress` failed to authenticate too often).
   */
  async function authenticate(authorization: unknown, clientAddress: string | undefined): Promise<Principal | null> {
    const principal = await authenticator!.authenticate(
      typeof authorization === 'string' ? authorization : null,
      clientAddress,
    );
    if (principal) await rateLimiter.take(principal.role === 'account' ? principal.accountId : 'admin');
    return principal;
  }

  const revoked = () =>
    new DomainError('UNAUTHENTICATED', 'The API key was revoked; send a valid one as "Authorization: Api-Key <key>".');
  /** The event hub as the caller's subscriptions see it: their streams end if the key is revoked. */
  function eventsFor(principal: Principal | null) {
    if (principal?.role !== 'account') return eventHub;
    return eventHub.endingWhen((end) => authenticator!.watch(principal, () => end(revoked())));
  }

  /** The connecting address of each request (Yoga's and the adapter's), for the failed-key limit. */
  const clientAddresses = new WeakMap<Request, string | undefined>();
  const addressOf = (request: Request) => clientAddresses.get(request);
  const graphiql = config.graphiql ? createGraphiQL() : undefined;
  const trustedDocuments = createTrustedDocuments({
    db: () => deps.db,
    everyAccount: loadManifestFile(config.trustedDocumentsFile, (document) => documentProblem(schema, document)),
    identify: (authorization, request) => authenticator!.identify(authorization, addressOf(request)),
    charge: (authorization, request) => authenticate(authorization, addressOf(request)),
  });
  const forgetTrustedDocuments = onTrustedDocumentsChanged((accountId) => trustedDocuments.forget(accountId));
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Bodies are limited before Yoga sees them (route() below), by their Content-Length.
    maxRequestBodySize: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(logger), isDev: false },
    // An array of operations in one POST (Apollo's BatchHttpLink); each one is parsed, limited,
    // authenticated and charged to the rate limit on its own, as if sent alone.
    batching: { limit: MAX_BATCH_SIZE },
    // A request may name a trusted document instead of sending it (src/graphql/persisted-documents.ts).
    extraParamNames: ['documentId'],
    cors: corsPolicy(config.corsOrigins),
    // GraphiQL's page is small; its bundle is served compressed and cached (src/http/graphiql.ts).
    renderGraphiQL: graphiql?.render,
    graphiql: graphiql
      ? (request, serverContext) => ({
          title: 'Checkout gateway',
          defaultQuery: GRAPHIQL_EXAMPLE,
          // The demo key goes only to a browser on this machine that reached us directly: the
          // server may listen on every interface, a proxy on this host connects from loopback
          // on anyone's behalf, and the page needs no key to load.
          headers: JSON.stringify(
            demoApiKey && isDirectLoopback(request, serverContext)
              ? { Authorization: `Api-Key ${demoApiKey}` }
              : { Authorization: 'Api-Key sk_…' },
          ),
          shouldPersistHeaders: false,
        })
      : false,
    plugins: [
      {
        onRequest: ({ request, serverContext }) =>
          void clientAddresses.set(request, (serverContext as { req?: IncomingMessage }).req?.socket.remoteAddress),
      },
      metricsPlugin(),
      tracingPlugin(),
      responseHeadersPlugin(),
      requestErrorStatusPlugin(),
      ...(graphiql ? [graphiql.assetsPlugin] : []),
      graphqlSsePlugin({
        identify: (authorization, request) => authenticator!.identify(authorization, addressOf(request)),
        authenticate: (authorization, request) => authenticate(authorization, addressOf(request)),
      }),
      introspectionPlugin(config.introspection),
      ...trustedDocuments.plugins,
      EnvelopArmorPlugin(OPERATION_LIMITS),
      idempotentReplayPlugin(),
      clientErrorCodePlugin(),
      rateLimitStatusPlugin(),
      ...(options.executor === 'graphql-js' ? [] : compiledExecutionPlugins()),
    ],
    context: async (initial) => {
      const request = (initial as { request?: Request }).request;
      const connectionParams = (initial as { connectionParams?: Record<string, unknown> }).connectionParams;
      const authorization =
        connectionParams?.Authorization ?? connectionParams?.authorization ?? request?.headers.get('authorization');
      const principal = await authenticate(
        authorization,
        (initial as { req?: IncomingMessage }).req?.socket.remoteAddress,
      );
      return {
        deps,
        principal,
        idempotencyKey: request?.headers.get('idempotency-key') ?? null,
        idempotentReplayed: false,
        events: eventsFor(principal),
        webhooks: webhookSettings,
      };
    },
  });

  const hosted = createHostedPages(() => ({ deps, logger }));
  const rest = createRestApi(() => ({
    deps,
    logger,
    authenticate: (authorization: unknown, request: Request) =>
      authenticate(authorization, clientAddresses.get(request)),
  }));

  const pages = createServerAdapter<{ req?: IncomingMessage }>(async (request, serverContext) => {
    clientAddresses.set(request, serverContext.req?.socket.remoteAddress);
    const { pathname } = new URL(request.url);
    if (pathname === '/healthz') return new Response('ok\n', { headers: { 'content-type': 'text/plain' } });
    if (pathname === '/readyz') {
      const ok = ready && (await database!.ping());
      return new Response(ok ? 'ready\n' : 'not ready\n', {
        status: ok ? 200 : 503,
        headers: { 'content-type': 'text/plain' },
      });
    }
    if (!ready) return new Response('starting\n', { status: 503, headers: { 'retry-after': '1' } });
    const started = performance.now();
    const hostedResponse = await hosted(request);
    const response = hostedResponse ?? (await rest(request));
    if (response)
      observeRequest(
        hostedResponse ? 'hosted' : 'rest',
        routeLabel(request.method, pathname),
        response.status,
        started,
      );
    return response ?? new Response('Not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  });

  function refuseBody(res: ServerResponse, req: IncomingMessage, status: number, message: string, issue: string) {
    const error = { message, extensions: { code: 'BAD_USER_INPUT', issues: [{ path: [], message: issue }] } };
    res
      .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
      .end(JSON.stringify({ errors: [error] }));
    req.resume();
  }

  /** Open HTTP connections, and the request each one is answering (for the shutdown deadline). */
  const connections = new Set<Socket>();
  const requestsInHand = new WeakMap<Socket, IncomingMessage>();

  const route = (req: IncomingMessage, res: ServerResponse) =>
    tracing ? traceRequest(req, res, handle) : handle(req, res);

  /**
   * Every request runs with its id (the client's `X-Request-Id` when sane, or a new one) in its
   * async context, so each log line it causes carries it; the id is returned on the response,
   * and one line per request says how it ended.
   */
  function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const path = req.url ?? '/';
    const transport = transportOf(req, path);
    withLogContext({ requestId, transport }, () => {
      const started = performance.now();
      const quiet = path === '/healthz' || path === '/readyz';
      res.once('close', () => {
        logger[quiet ? 'debug' : 'info']('request', {
          method: req.method,
          path: path.split('?', 1)[0],
          status: res.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ...(res.writableFinished ? {} : { aborted: true }),
        });
      });
      dispatch(req, res, path);
    });
  }

  function dispatch(req: IncomingMessage, res: ServerResponse, path: string) {
    requestsInHand.set(req.socket, req);
    res.once('close', () => {
      if (requestsInHand.get(req.socket) === req) requestsInHand.delete(req.socket);
    });
    if (path === '/graphql' || path.startsWith('/graphql?') || path.startsWith('/graphql/')) {
      if (!ready) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
        return;
      }
      // No operation of this API needs more; refusing early spares parsing a hostile body.
      if (Number(req.headers['content-length'] ?? 0) > MAX_GRAPHQL_BODY_BYTES) {
        refuseBody(res, req, 413, `The request body is larger than ${MAX_GRAPHQL_BODY_BYTES} bytes.`, 'body too large');
        return;
      }
      // A body must state its length, which Node's parser then holds it to: the limit above is
      // then the whole check, and Yoga need not count every body's bytes through a stream.
      if (req.headers['transfer-encoding'] !== undefined) {
        refuseBody(
          res,
          req,
          411,
          'Send the request body with a Content-Length header; chunked bodies are not accepted.',
          'Content-Length required',
        );
        return;
      }
      void yoga(req, res);
      return;
    }
    if (config.metricsToken && (path === '/metrics' || path.startsWith('/metrics?'))) {
      if (!bearerMatches(req.headers.authorization, config.metricsToken)) {
        res
          .writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' })
          .end('Send METRICS_TOKEN as "Authorization: Bearer <token>".\n');
        return;
      }
      void answerScrape(res);
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
    rateLimitScope: rateLimits.scope,
    async start() {
      database =
        options.database ??
        (await openDatabase({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          poolSize: config.databasePoolSize,
        }));
      await database.migrate();
      deps.db = database.db;
      const opened = database;
      setScrapeSources({
        dueWebhookDeliveries: () => countDueWebhookDeliveries(opened.db),
        statementCount: () => opened.statementCount(),
      });
      // A cluster's primary serves METRICS_PORT with every worker's figures.
      if (config.metricsPort !== undefined && !cluster.isWorker) {
        metricsServer = createMetricsServer(scrapeMetrics);
        await new Promise<void>((resolve, reject) => {
          metricsServer!.once('error', reject);
          metricsServer!.listen(config.metricsPort, config.host, () => resolve());
        });
      }
      authenticator = new ApiKeyAuthenticator(database.db, config.adminApiKey, {
        cacheMs: config.apiKeyCacheMs,
        failuresPerSecond: config.authFailuresPerSecond,
        failureBurst: config.authFailureBurst,
        failureStore: rateLimits,
      });

      if (database.kind === 'pglite' && !config.production) {
        // A fresh key per start: keys are stored hashed, so an earlier one cannot be shown again.
        const empty = (await countAccounts(database.db)) === 0;
        const demo = await issueDemoApiKey(database.db, { createIfMissing: empty });
        demoApiKey = demo?.apiKey;
      }

      server = createServer(route);
      server.on('connection', (socket: Socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
        // Node ends a `Connection: close` response's socket as soon as the answer is written.
        // When the client is still uploading (a body refused with 413), that close is a TCP
        // reset, and the client's system discards our answer unread. Close it the way nginx's
        // lingering close does: half-close, discard what still arrives, and end it once the
        // client does or after a moment.
        socket.destroySoon = () => lingeringClose(socket);
      });
      wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });
      // A WebSocket is one request: its id is returned with the 101 and carried by every line
      // its operations log. Registered before graphql-ws's own listener, so its handlers run
      // inside the connection's context.
      const wsRequestIds = new WeakMap<IncomingMessage, string>();
      wsServer.on('headers', (headers, request) => {
        const requestId = requestIdFrom(request.headers['x-request-id']);
        wsRequestIds.set(request, requestId);
        headers.push(`X-Request-Id: ${requestId}`);
      });
      wsServer.on('connection', (socket, request) => {
        const context = { requestId: wsRequestIds.get(request) ?? requestIdFrom(undefined), transport: 'websocket' };
        // A socket's events arrive from the network, outside any request's async context: run
        // each of them (its messages, hence its operations, and its close) in the connection's.
        const emit = socket.emit;
        socket.emit = function (this: typeof socket, ...args: Parameters<typeof emit>) {
          return withLogContext(context, () => emit.apply(this, args));
        } as typeof emit;
        const started = performance.now();
        withLogContext(context, () => logger.debug('websocket opened', { path: request.url?.split('?', 1)[0] }));
        socket.once('close', (code: number) => {
          logger.info('websocket closed', { code, durationMs: Math.round(performance.now() - started) });
        });
      });
      /** Per connection: stops watching its key for revocation. */
      const unwatchConnection = new WeakMap<object, () => void>();
      const wsCleanup = useServer(
        {
          execute: executeEnveloped,
          subscribe: subscribeEnveloped,
          connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
          // A connection without a valid key is closed (4403) rather than kept open; one whose
          // key is later revoked too, within the key cache's bound. Each operation still
          // authenticates through the same context factory as HTTP.
          onConnect: async (ctx) => {
            const params = ctx.connectionParams;
            const socket = ctx.extra.socket;
            let principal: Principal | null;
            try {
              principal = await authenticate(
                params?.Authorization ?? params?.authorization,
                ctx.extra.request.socket.remoteAddress,
              );
            } catch (error) {
              if (!(error instanceof DomainError) || error.code !== 'RATE_LIMITED') throw error;
              // 1013 is WebSocket's "try again later"; graphql-ws clients retry it.
              socket.close(1013, error.message.slice(0, 120));
              return false;
            }
            if (!principal) return false;
            unwatchConnection.set(
              ctx,
              authenticator!.watch(principal, () => socket.close(4403, 'Forbidden: the API key was revoked')),
            );
            return true;
          },
          onClose: (ctx) => {
            unwatchConnection.get(ctx)?.();
          },
          onSubscribe: async (ctx, _id, payload) => {
            const {
              schema: envelopedSchema,
              execute,
              subscribe,
              contextFactory,
              parse,
              validate,
            } = yoga.getEnveloped({
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
              if (errors.length) return errors.map(codeClientError);
              // Variables that do not fit their types (an unknown EventType, say) get the same
              // BAD_USER_INPUT and path as over HTTP.
              const definitions = getOperationAST(document, payload.operationName)?.variableDefinitions ?? [];
              const coercion = getVariableValues(envelopedSchema, definitions, payload.variables ?? {}).errors;
              if (coercion) return coercion.map(codeClientError);
              return {
                schema: envelopedSchema,
                operationName: payload.operationName,
                document,
                variableValues: payload.variables,
                contextValue: await contextFactory(),
                rootValue: { execute, subscribe },
              };
            } catch (error) {
              if (error instanceof GraphQLError) return [codeClientError(error)];
              throw error;
            }
          },
        },
        wsServer,
      );
      disposeWs = async () => {
        await wsCleanup.dispose();
      };

      // Everything a request needs is up before the port opens, and `ready` is set in the same
      // tick as the port is known: in a cluster the primary hands connections to a worker as
      // soon as it listens, and none of them should meet a 503 "starting".
      await eventHub.start(database);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      deps.publicUrl = publicUrlFor(port);
      ready = true;
      workers = startWorkers({
        deps,
        database,
        config,
        logger,
        events: eventHub,
        webhooks: webhookSettings,
        renderPayload: (event, query) =>
          renderPayloadDocument({ deps, events: eventHub, webhooks: webhookSettings }, event, query),
      });
      return { port, url: `http://localhost:${port}` };
    },
    async stop() {
      ready = false;
      // Stop accepting first; close() waits for in-flight HTTP requests to finish.
      const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
      server?.closeIdleConnections();
      // A client that sends half a request, or never answers a WebSocket close, would hold the
      // shutdown forever: after the deadline only requests received whole keep their connection.
      const deadline = setTimeout(() => {
        for (const client of wsServer?.clients ?? []) client.terminate();
        for (const socket of connections) {
          const request = requestsInHand.get(socket);
          if (!request?.complete) socket.destroy();
        }
      }, config.shutdownTimeoutMs);
      authenticator?.close();
      // Completes open subscriptions, so their SSE responses end and close() can finish.
      await eventHub.stop();
      await disposeWs?.();
      wsServer?.close();
      await workers?.stop();
      const idleTimer = setInterval(() => server?.closeIdleConnections(), 100);
      await closed;
      clearInterval(idleTimer);
      clearTimeout(deadline);
      await yoga.dispose();
      forgetTrustedDocuments();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      if (!options.database) await database?.close();
      await rateLimits.close();
    },
  };
}
