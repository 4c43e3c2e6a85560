/**
 * 4. Webhooks: a local receiver on loopback; the time from an event's commit to the arrival of
 * its webhook (p50/p99, payments made one at a time), and the deliveries per second while a
 * burst of events drains. The baseline relay (LISTEN → one SELECT → POST, 16 in flight) runs the
 * same two measurements.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { createAccount, createSession, graphql, payOnHostedPage, type BenchAccount } from './client.js';
import type { CommitClock } from './commit-clock.js';
import type { BenchContext } from './context.js';
import { rssMiB } from './gateway-process.js';
import { sampleRss } from './load.js';
import { rawCreateCheckoutSession } from './raw-sql.js';
import { startRelay } from './relay-process.js';
import { round, sleep, summarize, type LatencySummary } from './stats.js';

interface WebhookRun {
  latency: LatencySummary;
  /** Payments whose webhook did not arrive within the timeout. */
  lost: number;
  burst: number;
  /** Deliveries that arrived of the burst. */
  burstArrived: number;
  /** Burst size over the time from its first commit to its last arrival. */
  deliveriesPerSecond: number;
  /** How fast the burst's events committed: deliveries/s cannot exceed it. */
  commitsPerSecond: number;
  rssPeakMiB: number;
}

export interface WebhookFigures {
  gateway: WebhookRun;
  baseline: WebhookRun;
  /** The first gateway delivery's Standard Webhooks signature checked out with the endpoint secret. */
  signatureVerified: boolean;
}

const ARRIVAL_TIMEOUT_MS = 10_000;
const BURST_TIMEOUT_MS = 60_000;
const BURST_CONCURRENCY = 50;
const BURST_ACCOUNTS = 10;

interface Arrival {
  at: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** Answers 204 at once and notes when each event id arrived, per path. */
class Receiver {
  private server: Server | undefined;
  private readonly arrivals = new Map<string, Map<string, Arrival>>();
  private readonly waiters = new Map<string, () => void>();
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        res.writeHead(204).end();
        const id = req.headers['webhook-id'];
        if (typeof id !== 'string') return;
        const path = req.url ?? '/';
        let byId = this.arrivals.get(path);
        if (!byId) {
          byId = new Map();
          this.arrivals.set(path, byId);
        }
        if (!byId.has(id)) byId.set(id, { at, body: Buffer.concat(chunks).toString(), headers: req.headers });
        this.waiters.get(`${path} ${id}`)?.();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  arrivalsAt(path: string): Map<string, Arrival> {
    return this.arrivals.get(path) ?? new Map();
  }

  waitFor(path: string, eventId: string, timeoutMs: number): Promise<Arrival | undefined> {
    const known = this.arrivalsAt(path).get(eventId);
    if (known) return Promise.resolve(known);
    const key = `${path} ${eventId}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(key, () => {
        clearTimeout(timer);
        this.waiters.delete(key);
        resolve(this.arrivalsAt(path).get(eventId));
      });
    });
  }

  /** Resolves once `count` distinct events arrived at `path`, or the timeout passed. */
  async waitForCount(path: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.arrivalsAt(path).size < count && Date.now() < deadline) await sleep(20);
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function createEndpoint(
  ctx: BenchContext,
  account: BenchAccount,
  url: string,
  eventType: 'CHECKOUT_SESSION_PAID' | 'CHECKOUT_SESSION_CREATED',
): Promise<string> {
  const data = await graphql(
    ctx.gateway.url,
    account.apiKey,
    'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { name } secret } }',
    { input: { url, enabledEvents: [eventType] } },
  );
  return data.createWebhookEndpoint.secret;
}

async function createAccounts(ctx: BenchContext, count: number, displayName: string): Promise<BenchAccount[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => createAccount(ctx.gateway.url, ctx.adminKey, `${displayName} ${i + 1}`)),
  );
}

/** Pays sessions one at a time, each after the previous webhook arrived; commit → arrival. */
async function timePayments(
  ctx: BenchContext,
  clock: CommitClock,
  receiver: Receiver,
  path: string,
  account: BenchAccount,
) {
  const sessions = [];
  for (let i = 0; i < ctx.options.rounds; i += 1) sessions.push(await createSession(ctx.gateway.url, account.apiKey));
  const latencies: number[] = [];
  let lost = 0;
  for (const session of sessions) {
    await payOnHostedPage(ctx.gateway.url, session.name);
    const commit = await clock.commitOf(session.id, 'CHECKOUT_SESSION_PAID');
    const arrival = await receiver.waitFor(path, commit.eventId, ARRIVAL_TIMEOUT_MS);
    if (arrival) latencies.push(arrival.at - commit.at);
    else lost += 1;
    await sleep(20);
  }
  return { latency: summarize(latencies), lost };
}

/**
 * Commits `count` created events, spread over several accounts so that they commit faster than
 * they can be delivered (one account's events commit one at a time, under its event lock), and
 * reports deliveries/s from the first commit to the last arrival.
 */
async function timeBurst(ctx: BenchContext, receiver: Receiver, path: string, accounts: BenchAccount[]) {
  const count = ctx.options.burst;
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: BURST_CONCURRENCY }, async () => {
      while (next < count) {
        const account = accounts[next % accounts.length]!;
        next += 1;
        await rawCreateCheckoutSession(ctx.sql, account.accountId, ctx.gateway.url);
      }
    }),
  );
  const committed = performance.now();
  await receiver.waitForCount(path, count, BURST_TIMEOUT_MS);
  const arrivals = [...receiver.arrivalsAt(path).values()];
  const last = Math.max(...arrivals.map((arrival) => arrival.at));
  return {
    burst: count,
    burstArrived: arrivals.length,
    deliveriesPerSecond: arrivals.length ? round((arrivals.length / (last - start)) * 1000, 1) : 0,
    commitsPerSecond: round((count / (committed - start)) * 1000, 1),
  };
}

export async function benchWebhooks(ctx: BenchContext, clock: CommitClock): Promise<WebhookFigures> {
  const { options, gateway } = ctx;
  const receiver = new Receiver();
  await receiver.start();
  try {
    // Baseline first, on accounts without endpoints, so the gateway's workers have nothing to send.
    ctx.log(`webhooks: baseline relay, ${options.rounds} payments, then a burst of ${options.burst} events`);
    const paidAccount = await createAccount(gateway.url, ctx.adminKey, 'Bench webhooks (baseline)');
    const burstAccounts = await createAccounts(ctx, BURST_ACCOUNTS, 'Bench webhook burst (baseline)');
    let baseline: WebhookRun;
    {
      const paidRelay = await startRelay({
        DATABASE_URL: ctx.databaseUrl,
        ACCOUNT_IDS: paidAccount.accountId,
        EVENT_TYPE: 'checkout_session.paid',
        RECEIVER_URL: `${receiver.url}/baseline`,
      });
      const burstRelay = await startRelay({
        DATABASE_URL: ctx.databaseUrl,
        ACCOUNT_IDS: burstAccounts.map((account) => account.accountId).join(','),
        EVENT_TYPE: 'checkout_session.created',
        RECEIVER_URL: `${receiver.url}/baseline-burst`,
      });
      try {
        const rss = sampleRss(() => rssMiB(burstRelay.pid));
        const paid = await timePayments(ctx, clock, receiver, '/baseline', paidAccount);
        const burst = await timeBurst(ctx, receiver, '/baseline-burst', burstAccounts);
        baseline = { ...paid, ...burst, rssPeakMiB: rss.stop() };
      } finally {
        await Promise.all([paidRelay.stop(), burstRelay.stop()]);
      }
    }

    ctx.log(`webhooks: gateway, ${options.rounds} payments, then a burst of ${options.burst} events`);
    const gatewayPaid = await createAccount(gateway.url, ctx.adminKey, 'Bench webhooks');
    const gatewayBurst = await createAccounts(ctx, BURST_ACCOUNTS, 'Bench webhook burst');
    const secret = await createEndpoint(ctx, gatewayPaid, `${receiver.url}/gateway`, 'CHECKOUT_SESSION_PAID');
    for (const account of gatewayBurst)
      await createEndpoint(ctx, account, `${receiver.url}/gateway-burst`, 'CHECKOUT_SESSION_CREATED');
    const rss = sampleRss(() => rssMiB(gateway.serverPid));
    const paid = await timePayments(ctx, clock, receiver, '/gateway', gatewayPaid);
    const burst = await timeBurst(ctx, receiver, '/gateway-burst', gatewayBurst);
    const measured: WebhookRun = { ...paid, ...burst, rssPeakMiB: rss.stop() };

    const [sample] = receiver.arrivalsAt('/gateway').values();
    let signatureVerified = false;
    if (sample) {
      try {
        new Webhook(secret).verify(sample.body, sample.headers as Record<string, string>);
        signatureVerified = true;
      } catch {
        signatureVerified = false;
      }
    }
    return { gateway: measured, baseline, signatureVerified };
  } finally {
    await receiver.stop();
  }
}
