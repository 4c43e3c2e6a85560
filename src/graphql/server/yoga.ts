import type { IncomingMessage } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Principal } from '../../domain/accounts.js';
import type { DomainDeps } from '../../domain/deps.js';
import { DomainError } from '../../domain/errors.js';
import type { EventHub } from '../../infra/event-fanout.js';
import type { Manifest } from '../../domain/trusted-documents.js';
import type { WebhookSettings } from '../../domain/webhooks/settings.js';
import { corsPolicy } from './cors.js';
import { createGraphiQL, isDirectLoopback } from './graphiql.js';
import { graphqlSsePlugin } from './graphql-sse.js';
import { requestErrorStatusPlugin } from './request-error-status.js';
import { responseHeadersPlugin } from './response-headers.js';
import type { Logger } from '../../observability/logger.js';
import type { CallerKeys, GraphQLContext } from '../context.js';
import { introspectionPlugin } from './introspection.js';
import { OPERATION_LIMITS } from '../limits.js';
import { metricsPlugin } from './metrics-plugin.js';
import { createTrustedDocuments, loadManifestFile } from './persisted-documents.js';
import { schema } from '../schema.js';
import { tracingPlugin } from './tracing-plugin.js';
import { documentProblem, onTrustedDocumentsChanged } from '../trusted-documents.js';
import {
  clientErrorCodePlugin,
  compiledExecutionPlugins,
  createMaskError,
  idempotentReplayPlugin,
  rateLimitStatusPlugin,
} from './yoga-plugins.js';

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

/** Operations one batched POST may carry. */
const MAX_BATCH_SIZE = 10;

/** The connecting address of each request (Yoga's and the REST adapter's), for the failed-key limit. */
export type ClientAddresses = WeakMap<Request, string | undefined>;

/** The documents of TRUSTED_DOCUMENTS_FILE, each checked against the schema; throws on a broken file. */
export function readTrustedDocumentsFile(path: string | undefined): Manifest {
  return loadManifestFile(path, (document) => documentProblem(schema, document));
}

export interface GraphQLServerOptions {
  deps: DomainDeps;
  logger: Logger;
  callers: CallerKeys;
  /** The process's feed of committed events, for subscriptions. */
  events: EventHub;
  webhooks: WebhookSettings;
  clientAddresses: ClientAddresses;
  /** Trusted for every account (TRUSTED_DOCUMENTS_FILE). */
  trustedDocuments: Manifest;
  corsOrigins: string[] | 'localhost';
  graphiql: boolean;
  introspection: boolean;
  /** Filled into GraphiQL for a browser on this machine (the embedded database's demo account). */
  demoApiKey: string | undefined;
  executor: 'jit' | 'graphql-js';
}

export interface GraphQLServer {
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  dispose(): Promise<void>;
}

const revoked = () =>
  new DomainError('UNAUTHENTICATED', 'The API key was revoked; send a valid one as "Authorization: Api-Key <key>".');

/**
 * /graphql over HTTP and SSE, and the envelop graphql-ws reuses: the schema with its plugins,
 * query limits and error masking, and the context factory every transport's operations share.
 */
export function createGraphQLServer(options: GraphQLServerOptions): GraphQLServer {
  const { deps, logger, callers, events, webhooks, clientAddresses, demoApiKey } = options;
  const addressOf = (request: Request) => clientAddresses.get(request);

  /** The event hub as the caller's subscriptions see it: their streams end if the key is revoked. */
  function eventsFor(principal: Principal | null) {
    if (principal?.role !== 'account') return events;
    return events.endingWhen((end) => callers.watch(principal, () => end(revoked())));
  }

  const graphiql = options.graphiql ? createGraphiQL() : undefined;
  const trustedDocuments = createTrustedDocuments({
    db: () => deps.db,
    everyAccount: options.trustedDocuments,
    identify: (authorization, request) => callers.identify(authorization, addressOf(request)),
    charge: (authorization, request) => callers.authenticate(authorization, addressOf(request)),
  });
  const forgetTrustedDocuments = onTrustedDocumentsChanged((accountId) => trustedDocuments.forget(accountId));
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Bodies are limited before Yoga sees them (src/http/router.ts), by their Content-Length.
    maxRequestBodySize: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(logger), isDev: false },
    // An array of operations in one POST (Apollo's BatchHttpLink); each one is parsed, limited,
    // authenticated and charged to the rate limit on its own, as if sent alone.
    batching: { limit: MAX_BATCH_SIZE },
    // A request may name a trusted document instead of sending it (persisted-documents.ts).
    extraParamNames: ['documentId'],
    cors: corsPolicy(options.corsOrigins),
    // GraphiQL's page is small; its bundle is served compressed and cached (graphiql.ts).
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
        identify: (authorization, request) => callers.identify(authorization, addressOf(request)),
        authenticate: (authorization, request) => callers.authenticate(authorization, addressOf(request)),
      }),
      introspectionPlugin(options.introspection),
      ...trustedDocuments.plugins,
      EnvelopArmorPlugin(OPERATION_LIMITS),
      idempotentReplayPlugin(),
      clientErrorCodePlugin(),
      rateLimitStatusPlugin(),
      ...(options.executor === 'graphql-js' ? [] : compiledExecutionPlugins()),
    ],
    // HTTP and SSE requests carry the key in their Authorization header; graphql-ws operations
    // (through yoga.getEnveloped, src/graphql/ws.ts) in the connection's init parameters.
    context: async (initial) => {
      const request = (initial as { request?: Request }).request;
      const connectionParams = (initial as { connectionParams?: Record<string, unknown> }).connectionParams;
      const authorization =
        connectionParams?.Authorization ?? connectionParams?.authorization ?? request?.headers.get('authorization');
      const principal = await callers.authenticate(
        authorization,
        (initial as { req?: IncomingMessage }).req?.socket.remoteAddress,
      );
      return {
        deps,
        principal,
        idempotencyKey: request?.headers.get('idempotency-key') ?? null,
        idempotentReplayed: false,
        events: eventsFor(principal),
        webhooks,
      };
    },
  });

  return {
    yoga,
    async dispose() {
      await yoga.dispose();
      forgetTrustedDocuments();
    },
  };
}
