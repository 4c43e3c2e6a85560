/**
 * `npm run bench`: how close to PostgreSQL's own limit the gateway runs. Starts the gateway as
 * users run it (a child process, on a fresh database), drives it from this process, and reports
 * each figure against a baseline measured in the same invocation. See BENCHMARKS.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { CommitClock } from './commit-clock.js';
import type { BenchContext } from './context.js';
import { benchCreate, benchCreateIntent } from './create.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { benchFanout } from './fanout.js';
import { rssMiB, startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { parseOptions } from './options.js';
import { benchRead } from './read.js';
import { markdownReport, writeBenchmarksFile, type BenchResults } from './report.js';
import { benchScale } from './scale.js';
import { ratio, sleep } from './stats.js';
import { benchWebhooks } from './webhooks.js';

/** However the phases are configured, the whole run ends within this. */
const HARD_LIMIT_MS = 20 * 60_000;

const options = parseOptions(process.argv.slice(2));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

let database: BenchDatabase | undefined;
let gateway: GatewayProcess | undefined;
let sql: postgres.Sql | undefined;
const clock = new CommitClock();

async function cleanUp() {
  await gateway?.stop().catch(() => {});
  await clock.stop().catch(() => {});
  await sql?.end({ timeout: 5 }).catch(() => {});
  await database?.drop().catch((error: unknown) => log(`could not drop ${database?.name}: ${String(error)}`));
}

const watchdog = setTimeout(() => {
  log(`still running after ${HARD_LIMIT_MS / 60_000} minutes: stopping`);
  void cleanUp().finally(() => process.exit(2));
}, HARD_LIMIT_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  database = await createBenchDatabase();
  log(`database ${database.name} (PostgreSQL ${database.serverVersion})`);
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  gateway = await startGatewayProcess({
    databaseUrl: database.url,
    adminApiKey: adminKey,
    env: {
      // With several workers each gets its share of the pool: the gateway holds as many
      // connections in all as the baseline does.
      DATABASE_POOL_SIZE: String(Math.ceil(options.poolSize / options.workers)),
      WEB_CONCURRENCY: String(options.workers),
      SECRET_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    },
    nodeFlags: options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : undefined,
  });
  log(`gateway ${gateway.url} (pid ${gateway.serverPid})`);
  sql = postgres(database.url, { max: options.poolSize, onnotice: () => {} });
  await clock.start(sql);
  await sleep(1000);
  const idleMiB = rssMiB(gateway.serverPid);

  const ctx: BenchContext = { options, gateway, adminKey, databaseUrl: database.url, sql, log };
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.versions.node,
      postgres: database.serverVersion,
      os: `${type()} ${release()}`,
    },
    settings: {
      duration: options.duration,
      warmup: options.warmup,
      connections: options.connections,
      subscribers: options.subscribers,
      rounds: options.rounds,
      burst: options.burst,
      poolSize: options.poolSize,
      workers: options.workers,
      scaleSessions: options.scaleSessions,
    },
    rss: { idleMiB },
  };

  // Fan-out first, on a process whose heap has not yet grown under HTTP load: its RSS growth per
  // subscriber is then the subscribers' own, not the garbage collector shrinking the heap.
  if (options.phases.has('fanout')) {
    const figures = await benchFanout(ctx, clock);
    results.fanout = {
      ...figures,
      ratio: ratio(figures.baseline.lastSubscriber.p99, figures.gateway.lastSubscriber.p99),
    };
  }
  if (options.phases.has('webhooks')) {
    const figures = await benchWebhooks(ctx, clock);
    results.webhooks = {
      ...figures,
      latencyRatio: ratio(figures.baseline.latency.p50, figures.gateway.latency.p50),
      throughputRatio: ratio(figures.gateway.deliveriesPerSecond, figures.baseline.deliveriesPerSecond),
    };
  }

  if (options.phases.has('create')) {
    const figures = await benchCreate(ctx);
    results.create = { ...figures, ratio: ratio(figures.gateway.throughput, figures.baseline.throughput) };
  }
  if (options.phases.has('create-intent')) results.createIntent = await benchCreateIntent(ctx);
  if (options.phases.has('read')) {
    const figures = await benchRead(ctx);
    results.read = { ...figures, ratio: ratio(figures.gateway.throughput, figures.baseline.throughput) };
  }
  // Last: its million rows would otherwise sit in the caches the other phases use.
  if (options.phases.has('scale')) results.scale = await benchScale(ctx);
  const failures = [results.create?.gateway.failed, results.read?.gateway.failed].filter((count) => count);
  if (failures.length) log(`warning: some gateway requests failed (${failures.join(', ')}); see "failed" in --json`);

  await cleanUp();
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(`\n${markdownReport(results)}\n`);
  if (options.write) {
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeBenchmarksFile(path, results);
    log(`results written to BENCHMARKS.md`);
  }
  clearTimeout(watchdog);
  process.exit(0);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (gateway) log(`gateway output (last lines):\n${gateway.output().split('\n').slice(-20).join('\n')}`);
  await cleanUp();
  process.exit(1);
}
