/**
 * Before/after of a change on a busy machine: runs the gateway from another checkout (A, e.g.
 * `git archive <commit> | tar -x -C /tmp/base` with node_modules linked in) and from this one
 * (B) side by side, each on a fresh database, and loads them in alternating windows
 * (A B B A A B …) so that the machine's changing load falls on both alike.
 *
 *   npx tsx test/bench/ab.ts --base /tmp/base [--only create,read] [--duration 10] [--windows 4]
 *     [--pool N] [--pool-b N] [--node-flags-b=--max-semi-space-size=32] [--env-b KEY=value,KEY=value] [--env-a …]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CREATE_INPUT, CREATE_MUTATION, createAccount, createSession } from './client.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { cpuMs, rssMiB, startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { combineWindows, httpLoad, sampleRss, type LoadWindow } from './load.js';
import { READ_QUERY } from './read.js';
import { ratio, round } from './stats.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    only: { type: 'string', default: 'create,read' },
    duration: { type: 'string', default: '10' },
    windows: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    pool: { type: 'string' },
    'pool-b': { type: 'string' },
    /** Node flags for B only, e.g. "--max-semi-space-size=32", to compare runtime settings. */
    'node-flags-b': { type: 'string' },
    /** Environment for B only, e.g. "OTEL_TRACES_EXPORTER=otlp,METRICS_TOKEN=…", to measure a setting's cost. */
    'env-b': { type: 'string' },
    /** Environment for A only (the same form), e.g. to compare two versions under the same tracing settings. */
    'env-a': { type: 'string' },
  },
});
if (!values.base) throw new Error('--base <directory of the checkout to compare with> is required');
const duration = Math.min(120, Number(values.duration));
const windows = Math.min(20, Number(values.windows));
const connections = Number(values.connections);
const _log = (message: string) => process.stderr.write(`[ab] ${message}\n`);

interface Side {
  label: string;
  database: BenchDatabase;
  gateway: GatewayProcess;
  adminKey: string;
}

async function startSide(
  label: string,
  root: string | undefined,
  poolSize: string | undefined,
  nodeFlags?: string,
  extraEnv: Record<string, string> = {},
): Promise<Side> {
  const database = await createBenchDatabase();
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  try {
    const gateway = await startGatewayProcess({
      root,
      nodeFlags: nodeFlags?.split(' ').filter(Boolean),
      databaseUrl: database.url,
      adminApiKey: adminKey,
      env: {
        SECRET_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        ...(poolSize ? { DATABASE_POOL_SIZE: poolSize } : {}),
        ...extraEnv,
      },
    });
    return { label, database, gateway, adminKey };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

async function phase(name: string, sides: Side[], body: (side: Side, seconds: number) => Promise<LoadWindow>) {
  for (const side of sides) await body(side, 2); // warm-up
  const results = new Map(sides.map((side) => [side.label, { windows: [] as LoadWindow[], cpu: 0, rssPeakMiB: 0 }]));
  for (let w = 0; w < windows; w += 1) {
    const order = w % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const before = cpuMs(side.gateway.serverPid);
      const rss = sampleRss(() => rssMiB(side.gateway.serverPid));
      const window = await body(side, duration / windows);
      const entry = results.get(side.label)!;
      entry.windows.push(window);
      entry.cpu += cpuMs(side.gateway.serverPid) - before;
      entry.rssPeakMiB = Math.max(entry.rssPeakMiB, rss.stop());
    }
  }
  const summary = sides.map((side) => {
    const entry = results.get(side.label)!;
    const combined = combineWindows(entry.windows);
    return {
      side: side.label,
      ...combined,
      cpuMsPerRequest: round(entry.cpu / Math.max(1, combined.ok), 2),
      rssPeakMiB: entry.rssPeakMiB,
    };
  });
  const [a, b] = summary;
  process.stdout.write(
    `${name}:\n` +
      summary
        .map(
          (s) =>
            `  ${s.side}: ${s.throughput} req/s, p50 ${s.latency.p50} ms, p99 ${s.latency.p99} ms, CPU ${s.cpuMsPerRequest} ms/request, RSS peak ${s.rssPeakMiB} MiB, failed ${s.failed}\n`,
        )
        .join('') +
      `  B/A throughput ${ratio(b!.throughput, a!.throughput)}, CPU per request ${ratio(b!.cpuMsPerRequest, a!.cpuMsPerRequest)}\n`,
  );
}

const sides: Side[] = [];
try {
  const envOf = (list: string | undefined) =>
    Object.fromEntries(
      (list ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
  sides.push(await startSide('A (base)', values.base, values.pool, undefined, envOf(values['env-a'])));
  const envB = envOf(values['env-b']);
  sides.push(
    await startSide('B (this tree)', undefined, values['pool-b'] ?? values.pool, values['node-flags-b'], envB),
  );
  const only = new Set(values.only!.split(','));
  if (only.has('create')) {
    const keys = new Map<string, string>();
    for (const side of sides)
      keys.set(side.label, (await createAccount(side.gateway.url, side.adminKey, 'ab create')).apiKey);
    await phase('create', sides, (side, seconds) =>
      httpLoad({
        url: `${side.gateway.url}/graphql`,
        headers: { 'content-type': 'application/json', authorization: `Api-Key ${keys.get(side.label)}` },
        body: JSON.stringify({ query: CREATE_MUTATION, variables: { input: CREATE_INPUT } }),
        connections,
        durationSeconds: seconds,
        verifyBody: (text) => text.includes('"state":"OPEN"') && !text.includes('"errors"'),
      }),
    );
  }
  if (only.has('read')) {
    const keys = new Map<string, string>();
    for (const side of sides) {
      const account = await createAccount(side.gateway.url, side.adminKey, 'ab read');
      for (let i = 0; i < 200; i += 20)
        await Promise.all(Array.from({ length: 20 }, () => createSession(side.gateway.url, account.apiKey)));
      keys.set(side.label, account.apiKey);
    }
    await phase('read', sides, (side, seconds) =>
      httpLoad({
        url: `${side.gateway.url}/graphql`,
        headers: { 'content-type': 'application/json', authorization: `Api-Key ${keys.get(side.label)}` },
        body: JSON.stringify({ query: READ_QUERY }),
        connections,
        durationSeconds: seconds,
        verifyBody: (text) => !text.includes('"errors"') && text.split('"paymentIntent":{"state":"').length === 51,
      }),
    );
  }
} finally {
  for (const side of sides) {
    await side.gateway.stop();
    await side.database.drop();
  }
}
