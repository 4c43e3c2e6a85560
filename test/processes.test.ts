import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateDatabase } from './events-kit.js';
import { graphql, postOnNewConnection, spawnGateway, type GatewayProcess } from './spawn.js';
import { testDatabaseUrl } from './testkit.js';

const running: GatewayProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((gateway) => gateway.stop('SIGKILL')));
});

async function start(env: Record<string, string | undefined>) {
  const gateway = await spawnGateway(env);
  running.push(gateway);
  return gateway;
}

const CREATE = `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { name state } }`;
const READ = `query($n: String!) { checkoutSession(name: $n) { name state } }`;

describe('npm start on the embedded database', () => {
  it('creates a demo account, prefills GraphiQL, serves health, stops cleanly and keeps data across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-data-'));
    try {
      const first = await start({ DATA_DIR: dataDir });
      const demoKey = /Demo account API key[^\n]*\n\n\s+(sk_\w+)/.exec(first.output())?.[1];
      expect(demoKey, first.output()).toBeDefined();
      expect(first.output()).toMatch(/Platform key for createAccount[^\n]*\n\n\s+admin_\w+/);

      const page = await fetch(`${first.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(demoKey);
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

      const created = await graphql(first.url, demoKey!, CREATE, { input: { amount: '10000', currency: 'GBP' } });
      const name = created.body.data.createCheckoutSession.name;
      expect(created.body.data.createCheckoutSession.state).toBe('OPEN');
      expect(await first.stop('SIGTERM')).toBe(0);

      const second = await start({ DATA_DIR: dataDir });
      const secondKey = /Demo account API key[^\n]*\n\n\s+(sk_\w+)/.exec(second.output())?.[1];
      expect(secondKey).toBeDefined();
      expect(secondKey).not.toBe(demoKey);
      for (const key of [demoKey!, secondKey!]) {
        const read = await graphql(second.url, key, READ, { n: name });
        expect(read.body.data.checkoutSession).toEqual({ name, state: 'OPEN' });
      }
      expect(await second.stop('SIGTERM')).toBe(0);
      expect(second.output()).not.toMatch(/"level":"error"/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('lists every configuration problem, then exits', async () => {
    await expect(
      spawnGateway({ PORT: 'abc', DATABASE_URL: 'mysql://x', WEBHOOK_RETRY_SCHEDULE: '0,soon' }, 15_000),
    ).rejects.toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*WEBHOOK_RETRY_SCHEDULE|PORT[\s\S]*WEBHOOK_RETRY_SCHEDULE[\s\S]*DATABASE_URL/,
    );
  });
});

describe.skipIf(!testDatabaseUrl())('two gateway processes on one PostgreSQL database', () => {
  it('serve the same data, share idempotency keys, and both shut down cleanly', async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), ADMIN_API_KEY: 'admin_processes_test_key_123456' };
    const [a, b] = await Promise.all([start(env), start(env)]);
    const account = await graphql(
      a.url,
      env.ADMIN_API_KEY,
      `mutation { createAccount(input: { displayName: "Two" }) { apiKey } }`,
    );
    const key = account.body.data.createAccount.apiKey;

    const created = await graphql(a.url, key, CREATE, { input: { amount: '700', currency: 'USD' } });
    const name = created.body.data.createCheckoutSession.name;
    expect((await graphql(b.url, key, READ, { n: name })).body.data.checkoutSession.state).toBe('OPEN');
    await graphql(b.url, key, `mutation($n: String!) { expireCheckoutSession(name: $n) { state } }`, { n: name });
    expect((await graphql(a.url, key, READ, { n: name })).body.data.checkoutSession.state).toBe('EXPIRED');

    // One idempotency key sent to both processes at once: one session, and everybody gets it.
    const input = { amount: '900', currency: 'USD', clientReferenceId: 'two-process-race' };
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        graphql(i % 2 ? a.url : b.url, key, CREATE, { input }, { 'Idempotency-Key': 'two-process-key' }),
      ),
    );
    const names = new Set(responses.map((response) => response.body.data?.createCheckoutSession?.name));
    expect(names.size).toBe(1);
    expect(names.has(undefined)).toBe(false);
    const listed = await graphql(
      a.url,
      key,
      `{ checkoutSessions(filter: { clientReferenceId: "two-process-race" }) { edges { node { name } } } }`,
    );
    expect(listed.body.data.checkoutSessions.edges).toHaveLength(1);

    expect(await a.stop('SIGTERM')).toBe(0);
    expect((await graphql(b.url, key, READ, { n: name })).body.data.checkoutSession.state).toBe('EXPIRED');
    expect(await b.stop('SIGTERM')).toBe(0);
  }, 120_000);
});

/** Pids of a process's children, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the gateway has printed `pattern` `count` times (workers log "worker listening" at debug level). */
async function printed(gateway: GatewayProcess, pattern: RegExp, count: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while ((gateway.output().match(pattern)?.length ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} × ${pattern}, got:\n${gateway.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm start with WEB_CONCURRENCY', () => {
  it('refuses more than one process on the embedded database', async () => {
    await expect(spawnGateway({ WEB_CONCURRENCY: '2' }, 15_000)).rejects.toThrow(
      /WEB_CONCURRENCY: more than one process needs DATABASE_URL/,
    );
  });

  it.skipIf(!testDatabaseUrl())(
    'serves from two processes on one port, replaces one that dies, and stops them all on SIGTERM',
    async () => {
      const gateway = await start({
        DATABASE_URL: testDatabaseUrl(),
        WEB_CONCURRENCY: '2',
        DATABASE_POOL_SIZE: '3',
        LOG_LEVEL: 'debug',
      });
      await printed(gateway, /"worker listening"/g, 2);
      // One announcement and one generated platform key, which every worker accepts.
      expect(gateway.output().match(/checkout gateway listening/g)).toHaveLength(1);
      const keys = [...gateway.output().matchAll(/Platform key for createAccount[^\n]*\n\n {2}(\S+)/g)].map(
        (match) => match[1]!,
      );
      expect(keys).toHaveLength(1);

      // The launched node process is the cluster's primary; its children are the workers.
      const primary = gateway.child.pid;
      const workers = childrenOf(primary!);
      expect(workers).toHaveLength(2);

      const createAccount = `mutation { createAccount(input: { displayName: "Cluster" }) { account { name } } }`;
      const created = await Promise.all(
        Array.from({ length: 8 }, () => postOnNewConnection(gateway.url, keys[0]!, createAccount)),
      );
      expect(
        created.map((response) => [response.status, Boolean(response.body.data?.createAccount.account.name)]),
      ).toEqual(Array(8).fill([200, true]));

      // A worker killed outright is replaced, and the gateway serves on. (A connection handed to
      // it in the instant it died is lost with it, as with any crashed server.)
      process.kill(workers[0]!, 'SIGKILL');
      let replaced: number[] = [];
      for (let i = 0; i < 200 && !(replaced.length === 2 && !replaced.includes(workers[0]!)); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        replaced = childrenOf(primary!);
      }
      expect(replaced).toHaveLength(2);
      expect(replaced).toContain(workers[1]);
      expect(replaced).not.toContain(workers[0]);
      expect(gateway.output()).toContain('a server process exited; starting another');
      await printed(gateway, /"worker listening"/g, 3);
      const after = await Promise.all(
        Array.from({ length: 8 }, () => postOnNewConnection(gateway.url, keys[0]!, createAccount)),
      );
      expect(after.map((response) => response.status)).toEqual(Array(8).fill(200));

      expect(await gateway.stop('SIGTERM')).toBe(0);
      expect([primary!, ...replaced].filter(alive)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!testDatabaseUrl())(
    'stops, exiting 1, when replacements keep failing to start, instead of restarting them forever',
    async () => {
      const database = (await privateDatabase('cluster_crash'))!;
      const gateway = await start({
        DATABASE_URL: database.url,
        WEB_CONCURRENCY: '2',
        ADMIN_API_KEY: 'admin_cluster_crash_test_key_1',
        DATABASE_POOL_SIZE: '3',
        LOG_LEVEL: 'debug',
      });
      await printed(gateway, /"worker listening"/g, 2);
      const primary = gateway.child.pid;
      const [first] = childrenOf(primary!);
      // The database goes away: every replacement now fails at start.
      await database.drop();
      process.kill(first!, 'SIGKILL');
      // (SIGCONT changes nothing: this only waits for the gateway to exit by itself.)
      // Five failed starts and 15 s of back-off: a start can take several seconds on a busy machine.
      const code = await Promise.race([
        gateway.stop('SIGCONT'),
        new Promise((resolve) => setTimeout(() => resolve('still running'), 150_000)),
      ]);
      expect(code).toBe(1);
      const output = gateway.output();
      expect(output.match(/a server process exited; starting another/g)?.length).toBe(5);
      expect(output).toContain('server processes keep failing to start; stopping');
      expect(output).toMatch(/"inMs":1000[\s\S]*"inMs":2000[\s\S]*"inMs":4000[\s\S]*"inMs":8000/);
      expect([primary!, ...childrenOf(primary!)].filter(alive)).toEqual([]);
    },
    200_000,
  );
});

describe('GET /metrics with WEB_CONCURRENCY', () => {
  it.skipIf(!testDatabaseUrl())(
    "gives the whole port's figures, summed over both workers, on the main port and on METRICS_PORT",
    async () => {
      const { createServer } = await import('node:net');
      const metricsPort = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
      const token = 'cluster_metrics_token_0123';
      const gateway = await start({
        DATABASE_URL: testDatabaseUrl(),
        WEB_CONCURRENCY: '2',
        DATABASE_POOL_SIZE: '3',
        LOG_LEVEL: 'debug',
        METRICS_TOKEN: token,
        METRICS_PORT: String(metricsPort),
      });
      await printed(gateway, /"worker listening"/g, 2);
      const key = /Platform key for createAccount[^\n]*\n\n {2}(\S+)/.exec(gateway.output())![1]!;
      const viaPort = async () =>
        (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const viaMetricsPort = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const count = (text: string) =>
        Number(/^gateway_requests_total\{transport="http",operation="ClusterCount"\} (\d+)$/m.exec(text)?.[1] ?? 0);

      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
      const sent = 10;
      const answers = await Promise.all(
        Array.from({ length: sent }, () => postOnNewConnection(gateway.url, key, 'query ClusterCount { __typename }')),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(sent).fill(200));

      // The cluster hands new connections to the workers in turn, so each answered some of the
      // requests; several scrapes, each taken by whichever worker the connection lands on, all
      // give the sum.
      for (let i = 0; i < 4; i += 1) {
        expect(count(await viaPort())).toBe(sent);
        expect(count(await viaMetricsPort())).toBe(sent);
      }
    },
    90_000,
  );
});
