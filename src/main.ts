import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config.js';
import { randomToken } from './domain/ids.js';
import { createLogger } from './observability/logger.js';
import { serveClusterRateLimits } from './infra/rate-limit/stores.js';
import { serveClusterMetrics } from './observability/scrape.js';

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function printAdminKey(key: string) {
  process.stdout.write(
    `Platform key for createAccount (ADMIN_API_KEY was not set; valid for this run only):\n\n  ${key}\n\n`,
  );
}

/** Serves HTTP and WebSocket in this process: alone, or as one worker of a cluster. */
async function serve(config: Config, generatedAdminKey: string | undefined) {
  // Loaded here, not at the top: a cluster's primary serves nothing and need not hold the app.
  const { buildApp } = await import('./app.js');
  // The tracing SDK is loaded only when an OTEL_* variable asks for traces.
  if (
    process.env.OTEL_TRACES_EXPORTER ||
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  ) {
    await (await import('./observability/tracing-setup.js')).startTracing();
  }
  const app = buildApp(config);
  let url: string;
  try {
    ({ url } = await app.start());
  } catch (error) {
    // Most often the database: unreachable, wrong credentials, or a migration that failed.
    const detail =
      error instanceof Error
        ? `${error.message}${(error as { code?: string }).code ? ` (${(error as { code?: string }).code})` : ''}`
        : String(error);
    const where = config.databaseUrl
      ? `the PostgreSQL server in DATABASE_URL (${new URL(config.databaseUrl).host})`
      : `the embedded database in ${config.dataDir}`;
    process.stderr.write(`The gateway could not start: ${detail}\nCheck ${where}.\n`);
    app.logger.debug('start-up failure', { error });
    await app.stop().catch(() => {});
    process.exit(1);
  }
  const listening = {
    url,
    graphql: `${url}/graphql`,
    database:
      app.database.kind === 'postgres' ? 'postgres (DATABASE_URL)' : `embedded PGlite in ${config.dataDir ?? 'memory'}`,
    rateLimits: app.rateLimitScope,
  };
  // A cluster's primary announces the address once for all its workers.
  if (cluster.isWorker) app.logger.debug('worker listening', listening);
  else app.logger.info('checkout gateway listening', listening);
  if (app.demoApiKey) {
    // Printed on purpose: a development convenience on the embedded database only, never in production.
    process.stdout.write(
      `\nDemo account API key (shown once, already filled into GraphiQL at ${url}/graphql):\n\n  ${app.demoApiKey}\n\n`,
    );
  }
  if (generatedAdminKey) printAdminKey(generatedAdminKey);

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      app.logger.info('shutting down', { signal });
      app.stop().then(
        async () => {
          // Spans still batched go out before the process does.
          await (await import('./observability/tracing.js')).flushTracing().catch(() => {});
          process.exit(0);
        },
        (error: unknown) => {
          app.logger.error('shutdown failed', { error });
          process.exit(1);
        },
      );
    });
  }
}

/**
 * WEB_CONCURRENCY > 1: this process only supervises that many workers, which share the port
 * (node:cluster hands each new connection to one of them) and the PostgreSQL database. Every
 * worker is a whole gateway: its own pool, LISTEN connection and background workers, all of
 * which already run safely side by side in several processes. A worker that dies after start-up
 * is replaced; replacements that cannot start are retried after 1, 2, 4, 8 s, and a fifth
 * failure in a row stops the gateway. A worker that cannot start at first stops the whole
 * gateway with its own message. The gateway's exit code is 1 if any worker's was.
 */
function supervise(config: Config, generatedAdminKey: string | undefined) {
  const logger = createLogger(config.logLevel);
  const env = generatedAdminKey ? { ADMIN_API_KEY: generatedAdminKey } : {};
  const MAX_FAILED_RESTARTS = 5;
  const live = new Set<number>();
  const listened = new Set<number>();
  let stopping = false;
  let started = false;
  let failedRestarts = 0;
  let exitCode = 0;
  const restarts = new Set<NodeJS.Timeout>();
  // One scrape of the port (or of METRICS_PORT) gives every worker's figures, gathered here.
  const metricsServer =
    config.metricsPort !== undefined || config.metricsToken
      ? serveClusterMetrics({ port: config.metricsPort, host: config.host })
      : undefined;

  const fork = () => {
    if (!stopping) live.add(cluster.fork(env).id);
  };
  const exitWhenAllGone = () => {
    if (live.size === 0) process.exit(exitCode);
  };
  const stopAll = (code: number) => {
    stopping = true;
    exitCode ||= code;
    for (const timer of restarts) clearTimeout(timer);
    metricsServer?.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    exitWhenAllGone();
  };

  cluster.on('listening', (worker, address) => {
    listened.add(worker.id);
    failedRestarts = 0;
    if (started) return;
    started = true;
    const host =
      address.address === '0.0.0.0' || address.address === '::' || !address.address ? 'localhost' : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info('checkout gateway listening', {
      url,
      graphql: `${url}/graphql`,
      database: 'postgres (DATABASE_URL)',
      processes: config.webConcurrency,
      rateLimits: config.redisUrl
        ? 'shared through Redis (REDIS_URL)'
        : "shared by this machine's server processes (the cluster's primary counts)",
    });
    if (generatedAdminKey) printAdminKey(generatedAdminKey);
  });
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker.id);
    const wasListening = listened.delete(worker.id);
    if (stopping) {
      if (code) exitCode = 1;
      exitWhenAllGone();
      return;
    }
    if (!started) {
      // It could not start (its message is already on stderr): the others would fail alike.
      stopAll(code || 1);
      return;
    }
    if (!wasListening) failedRestarts += 1;
    if (failedRestarts >= MAX_FAILED_RESTARTS) {
      logger.error('server processes keep failing to start; stopping', { failures: failedRestarts });
      stopAll(code || 1);
      return;
    }
    const delayMs = failedRestarts === 0 ? 0 : 1000 * 2 ** (failedRestarts - 1);
    logger.error('a server process exited; starting another', { pid: worker.process.pid, code, signal, inMs: delayMs });
    const timer = setTimeout(() => {
      restarts.delete(timer);
      fork();
    }, delayMs);
    restarts.add(timer);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      logger.info('shutting down', { signal, processes: live.size });
      stopAll(0);
    });
  }
  // Without Redis, the workers' rate limits are counted here, once for the machine.
  if (!config.redisUrl) serveClusterRateLimits();
  for (let i = 0; i < config.webConcurrency; i += 1) fork();
}

const loaded = loadConfigOrExit();
// The contract's default: without ADMIN_API_KEY, outside production, a platform key for this run
// only. A cluster's primary makes it once and hands it to its workers in ADMIN_API_KEY.
const generatedAdminKey = !loaded.adminApiKey && !loaded.production ? `admin_${randomToken(32)}` : undefined;
const config: Config = generatedAdminKey ? { ...loaded, adminApiKey: generatedAdminKey } : loaded;

if (config.webConcurrency > 1 && cluster.isPrimary) supervise(config, generatedAdminKey);
else await serve(config, generatedAdminKey);
