import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { randomToken } from './domain/ids.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

// The contract's default: without ADMIN_API_KEY, outside production, a key for this run only.
const generatedAdminKey = !config.adminApiKey && !config.production ? `admin_${randomToken(32)}` : undefined;
if (generatedAdminKey) config.adminApiKey = generatedAdminKey;

const app = buildApp(config);
let url: string;
try {
  ({ url } = await app.start());
} catch (error) {
  // Most often the database: unreachable, wrong credentials, or a migration that failed.
  const detail = error instanceof Error ? `${error.message}${(error as { code?: string }).code ? ` (${(error as { code?: string }).code})` : ''}` : String(error);
  const where = config.databaseUrl ? `the PostgreSQL server in DATABASE_URL (${new URL(config.databaseUrl).host})` : `the embedded database in ${config.dataDir}`;
  process.stderr.write(`The gateway could not start: ${detail}\nCheck ${where}.\n`);
  app.logger.debug('start-up failure', { error });
  await app.stop().catch(() => {});
  process.exit(1);
}
app.logger.info('checkout gateway listening', {
  url,
  graphql: `${url}/graphql`,
  database: app.database.kind === 'postgres' ? 'postgres (DATABASE_URL)' : `embedded PGlite in ${config.dataDir ?? 'memory'}`,
});
if (app.demoApiKey) {
  // Printed on purpose: a development convenience on the embedded database only, never in production.
  process.stdout.write(
    `\nDemo account API key (shown once, already filled into GraphiQL at ${url}/graphql):\n\n  ${app.demoApiKey}\n\n`,
  );
}
if (generatedAdminKey) {
  process.stdout.write(`Platform key for createAccount (ADMIN_API_KEY was not set; valid for this run only):\n\n  ${generatedAdminKey}\n\n`);
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.logger.info('shutting down', { signal });
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}
