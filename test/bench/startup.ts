/**
 * Start-up: spawn of `npm start`'s command → the first `/readyz` 200, on the embedded database
 * (PGlite) into an empty data directory (first start: migrations) and again on the same
 * directory (restart), and on PostgreSQL into a fresh database. With `--base`, another checkout
 * (A) is started in turns with this one (B), so that the machine's load falls on both alike.
 * dist/ is built before the first timed start (a stale build would be timed otherwise).
 *
 *   npx tsx test/bench/startup.ts [--base /tmp/base] [--rounds 3] [--no-postgres]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './database.js';
import { startGatewayProcess } from './gateway-process.js';
import { round, summarize } from './stats.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const rounds = Math.min(10, Number(values.rounds));
const log = (message: string) => process.stderr.write(`[startup] ${message}\n`);

interface Checkout {
  label: string;
  root: string | undefined;
}
const checkouts: Checkout[] = [
  ...(values.base ? [{ label: 'A (base)', root: values.base }] : []),
  { label: values.base ? 'B (this tree)' : 'this tree', root: undefined },
];

/** Milliseconds from spawn to ready; the gateway is stopped again afterwards. */
async function timeStart(checkout: Checkout, env: Record<string, string>, databaseUrl = ''): Promise<number> {
  const started = performance.now();
  const gateway = await startGatewayProcess({
    root: checkout.root,
    databaseUrl,
    adminApiKey: `admin_${randomBytes(16).toString('hex')}`,
    env: { SECRET_ENCRYPTION_KEY: randomBytes(32).toString('hex'), ...env },
    startTimeoutMs: 120_000,
  });
  const elapsed = performance.now() - started;
  await gateway.stop();
  return elapsed;
}

type Kind = 'PGlite, empty data dir' | 'PGlite, restart' | 'PostgreSQL, fresh database';
const kinds: Kind[] = ['PGlite, empty data dir', 'PGlite, restart'];
if (!values['no-postgres']) kinds.push('PostgreSQL, fresh database');
const times = new Map<string, number[]>();
const record = (checkout: Checkout, kind: Kind, ms: number) => {
  const key = `${checkout.label}\t${kind}`;
  times.set(key, [...(times.get(key) ?? []), ms]);
  log(`${checkout.label}, ${kind}: ${Math.round(ms)} ms`);
};

// Untimed: builds dist/ where it is stale, and warms the file cache.
for (const checkout of checkouts) {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-startup-'));
  try {
    await timeStart(checkout, { DATA_DIR: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? checkouts : [...checkouts].reverse();
  for (const checkout of order) {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-startup-'));
    try {
      record(checkout, 'PGlite, empty data dir', await timeStart(checkout, { DATA_DIR: dir }));
      record(checkout, 'PGlite, restart', await timeStart(checkout, { DATA_DIR: dir }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (!values['no-postgres']) {
      const database = await createBenchDatabase();
      try {
        record(checkout, 'PostgreSQL, fresh database', await timeStart(checkout, {}, database.url));
      } finally {
        await database.drop();
      }
    }
  }
}

process.stdout.write(`Start-up, spawn → /readyz 200, ms (${rounds} rounds, alternating):\n`);
for (const kind of kinds) {
  for (const checkout of checkouts) {
    const all = times.get(`${checkout.label}\t${kind}`) ?? [];
    const summary = summarize(all);
    process.stdout.write(
      `  ${kind}, ${checkout.label}: median ${round(summary.p50, 0)}, min ${round(Math.min(...all), 0)}, max ${round(summary.max, 0)} (${all.map((ms) => Math.round(ms)).join(', ')})\n`,
    );
  }
}
