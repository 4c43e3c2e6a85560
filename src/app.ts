import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { ApiKeyAuthenticator, countAccounts, issueDemoApiKey } from './domain/accounts.js';
import type { DomainDeps } from './domain/deps.js';
import { sandboxProcessor } from './domain/payments/processor.js';
import { EventHub } from './infra/event-fanout.js';
import { RateLimiter } from './infra/rate-limit/limiter.js';
import { countDueWebhookDeliveries } from './domain/webhooks/delivery.js';
import { webhookSettingsFromConfig } from './domain/webhooks/settings.js';
import type { CallerKeys } from './graphql/context.js';
import { renderPayloadDocument } from './graphql/webhook-payload.js';
import { serveGraphQLWebSocket } from './graphql/server/ws.js';
import { createGraphQLServer, readTrustedDocumentsFile, type ClientAddresses } from './graphql/server/yoga.js';
import { trackConnections } from './http/connections.js';
import { createRouter } from './http/router.js';
import { createLogger, type Logger } from './observability/logger.js';
import { setScrapeSources } from './observability/metrics.js';
import { createMetricsServer, scrapeMetrics } from './observability/scrape.js';
import { openRateLimitStore } from './infra/rate-limit/stores.js';
import { startWorkers } from './workers/index.js';

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

/** A started app: what `App` shows of it, and the way to stop it. */
interface Running {
  database: Database;
  demoApiKey: string | undefined;
  port: number;
  stop(): Promise<void>;
}

function listen(server: Server, port: number | undefined, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Who is calling, as every transport asks: the key's principal, with its rate limit charged. */
function callerKeys(authenticator: ApiKeyAuthenticator, rateLimiter: RateLimiter): CallerKeys {
  return {
    async authenticate(authorization, clientAddress) {
      const principal = await authenticator.authenticate(
        typeof authorization === 'string' ? authorization : null,
        clientAddress,
      );
      if (principal) await rateLimiter.take(principal.role === 'account' ? principal.accountId : 'admin');
      return principal;
    },
    identify: (authorization, clientAddress) => authenticator.identify(authorization, clientAddress),
    watch: (principal, revoked) => authenticator.watch(principal, revoked),
  };
}

export function buildApp(config: Config, options: AppOptions = {}): App {
  const logger = createLogger(config.logLevel);
  // One LISTEN per process; subscriptions and the webhook workers share it.
  const eventHub = new EventHub(logger);
  const webhooks = webhookSettingsFromConfig(config, (message) => logger.warn(message));
  // Shared through Redis, or by a cluster's workers, or per process: see openRateLimitStore.
  const rateLimits = openRateLimitStore({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, logger });
  const rateLimiter = new RateLimiter(rateLimits, 'requests', config.rateLimitPerSecond, config.rateLimitBurst);
  // Read now, so that a broken file stops the gateway before it touches the database.
  const trustedDocuments = readTrustedDocumentsFile(config.trustedDocumentsFile);
  let running: Running | undefined;

  /**
   * The demo account's key on the embedded database outside production: a fresh one per start,
   * since keys are stored hashed and an earlier one cannot be shown again.
   */
  async function issueDemoKey(database: Database): Promise<string | undefined> {
    if (database.kind !== 'pglite' || config.production) return undefined;
    const empty = (await countAccounts(database.db)) === 0;
    return (await issueDemoApiKey(database.db, { createIfMissing: empty }))?.apiKey;
  }

  /**
   * Opens the database, then builds everything a request needs from it, once, and listens. What
   * is acquired before a later step fails is released again, in reverse.
   */
  async function serve(): Promise<Running> {
    const database =
      options.database ??
      (await openDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        poolSize: config.databasePoolSize,
      }));
    const release: (() => unknown)[] = [];
    if (!options.database) release.push(() => database.close());
    try {
      await database.migrate();
      setScrapeSources({
        dueWebhookDeliveries: () => countDueWebhookDeliveries(database.db),
        statementCount: () => database.statementCount(),
      });
      // A cluster's primary serves METRICS_PORT with every worker's figures.
      let metricsServer: Server | undefined;
      if (config.metricsPort !== undefined && !cluster.isWorker) {
        const server = createMetricsServer(scrapeMetrics);
        await listen(server, config.metricsPort, config.host);
        release.push(() => close(server));
        metricsServer = server;
      }
      const authenticator = new ApiKeyAuthenticator(database.db, config.adminApiKey, {
        cacheMs: config.apiKeyCacheMs,
        failures: new RateLimiter(
          rateLimits,
          'auth-failures',
          config.authFailuresPerSecond,
          config.authFailureBurst,
          'failed authentications from this address',
        ),
      });
      release.push(() => authenticator.close());
      const callers = callerKeys(authenticator, rateLimiter);
      const demoApiKey = await issueDemoKey(database);
      await eventHub.start(database);
      release.push(() => eventHub.stop());

      const server = createServer();
      const connections = trackConnections(server);
      await listen(server, config.port, config.host);
      release.push(() => close(server));
      // A server on port 0 learns its public URL only now. Everything below is built in the same
      // tick as the port opened, before any connection is read: in a cluster the primary hands
      // connections to a worker as soon as it listens, and none of them should meet a half-built app.
      const port = (server.address() as AddressInfo).port;
      const deps: DomainDeps = {
        db: database.db,
        publicUrl: config.publicUrl ?? `http://localhost:${port}`,
        // The only processor there is: cards are checked, and test cards decide the outcome.
        paymentProcessor: sandboxProcessor,
      };
      const clientAddresses: ClientAddresses = new WeakMap();
      const graphql = createGraphQLServer({
        deps,
        logger,
        callers,
        events: eventHub,
        webhooks,
        clientAddresses,
        trustedDocuments,
        corsOrigins: config.corsOrigins,
        graphiql: config.graphiql,
        introspection: config.introspection,
        demoApiKey,
        executor: options.executor ?? 'jit',
      });
      const ws = serveGraphQLWebSocket(server, { yoga: graphql.yoga, callers, logger });
      let ready = true;
      server.on(
        'request',
        createRouter({
          deps,
          database,
          logger,
          callers,
          yoga: graphql.yoga,
          clientAddresses,
          isReady: () => ready,
          metricsToken: config.metricsToken,
        }),
      );
      const workers = startWorkers({
        deps,
        logger,
        events: eventHub,
        webhooks,
        renderPayload: (event, query) => renderPayloadDocument({ deps, events: eventHub, webhooks }, event, query),
      });

      return {
        database,
        demoApiKey,
        port,
        async stop() {
          ready = false;
          // Stop accepting first; close() waits for in-flight HTTP requests to finish.
          const closed = close(server);
          server.closeIdleConnections();
          // A client that sends half a request, or never answers a WebSocket close, would hold the
          // shutdown forever: after the deadline only requests received whole keep their connection.
          const deadline = setTimeout(() => {
            ws.terminate();
            connections.cutUnfinished();
          }, config.shutdownTimeoutMs);
          authenticator.close();
          // Completes open subscriptions, so their SSE responses end and close() can finish.
          await eventHub.stop();
          await ws.close();
          await workers.stop();
          const idleTimer = setInterval(() => server.closeIdleConnections(), 100);
          await closed;
          clearInterval(idleTimer);
          clearTimeout(deadline);
          await graphql.dispose();
          if (metricsServer) await close(metricsServer);
          if (!options.database) await database.close();
        },
      };
    } catch (error) {
      for (const undo of release.reverse()) {
        try {
          await undo();
        } catch {
          // The failure that stopped the start is the one to report.
        }
      }
      throw error;
    }
  }

  return {
    get database() {
      if (!running) throw new Error('the app has not started');
      return running.database;
    },
    logger,
    get demoApiKey() {
      return running?.demoApiKey;
    },
    rateLimitScope: rateLimits.scope,
    async start() {
      running = await serve();
      return { port: running.port, url: `http://localhost:${running.port}` };
    },
    async stop() {
      await running?.stop();
      await rateLimits.close();
    },
  };
}
