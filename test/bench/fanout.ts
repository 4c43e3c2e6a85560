/**
 * 3. Fan-out: many graphql-ws subscribers of `checkoutSessionPaid` on one account; a session is
 * paid on the hosted page and we time the commit → the last subscriber's arrival. The baseline
 * relay (LISTEN → one SELECT → the same text to N raw WebSockets) is timed the same way.
 */
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { createAccount, createSession, payOnHostedPage, type BenchAccount } from './client.js';
import type { CommitClock } from './commit-clock.js';
import type { BenchContext } from './context.js';
import { rssMiB } from './gateway-process.js';
import { sampleRss } from './load.js';
import { startRelay } from './relay-process.js';
import { round, sleep, summarize, type LatencySummary } from './stats.js';

interface FanoutRun {
  subscribers: number;
  /** Per payment: commit → the last subscriber's arrival. */
  lastSubscriber: LatencySummary;
  /** Every subscriber's commit → arrival, across all payments. */
  everySubscriber: LatencySummary;
  /** Payments some subscriber never saw within the timeout. */
  incomplete: number;
  /** Growth of the serving process's RSS per connected subscriber. */
  kibPerSubscriber: number;
  rssPeakMiB: number;
}

export interface FanoutFigures {
  gateway: FanoutRun;
  baseline: FanoutRun;
}

const SUBSCRIPTION =
  'subscription { checkoutSessionPaid { id type createTime checkoutSession { name state amount currency } } }';
const CONNECT_BATCH = 100;
const ARRIVAL_TIMEOUT_MS = 10_000;
const WARMUP_PAYMENTS = 3;

/** Arrival times per event id, and a way to wait until `expected` subscribers have one. */
class Arrivals {
  private readonly times = new Map<string, number[]>();
  private readonly waiters = new Map<string, { expected: number; resolve: () => void }>();

  record(eventId: string) {
    const at = performance.now();
    let list = this.times.get(eventId);
    if (!list) {
      list = [];
      this.times.set(eventId, list);
    }
    list.push(at);
    const waiter = this.waiters.get(eventId);
    if (waiter && list.length >= waiter.expected) {
      this.waiters.delete(eventId);
      waiter.resolve();
    }
  }

  async waitFor(eventId: string, expected: number, timeoutMs: number): Promise<number[]> {
    if ((this.times.get(eventId)?.length ?? 0) < expected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiters.delete(eventId);
          resolve();
        }, timeoutMs);
        this.waiters.set(eventId, {
          expected,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.times.get(eventId) ?? [];
  }
}

interface Subscribers {
  arrivals: Arrivals;
  close(): Promise<void>;
}

async function inBatches(count: number, open: (index: number) => Promise<void>) {
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, (_, i) => open(start + i)));
  }
}

async function gatewaySubscribers(ctx: BenchContext, account: BenchAccount, count: number): Promise<Subscribers> {
  const arrivals = new Arrivals();
  const clients: Client[] = [];
  const wsUrl = `${ctx.gateway.url.replace('http', 'ws')}/graphql`;
  await inBatches(count, async () => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Api-Key ${account.apiKey}` },
      lazy: false,
      retryAttempts: 0,
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('a graphql-ws subscriber did not connect within 20 s')), 20_000);
      client.on('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.subscribe<{ checkoutSessionPaid: { id: string } }>(
        { query: SUBSCRIPTION },
        {
          next: (result) => {
            const id = result.data?.checkoutSessionPaid.id;
            if (id) arrivals.record(id);
          },
          error: (error) => {
            clearTimeout(timer);
            reject(new Error(`subscription failed: ${JSON.stringify(error)}`));
          },
          complete: () => {},
        },
      );
    });
  });
  return {
    arrivals,
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}

async function rawSubscribers(port: number, count: number): Promise<Subscribers> {
  const arrivals = new Arrivals();
  const sockets: WebSocket[] = [];
  await inBatches(count, async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    sockets.push(socket);
    socket.on('message', (data) => arrivals.record((JSON.parse(String(data)) as { id: string }).id));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  });
  return {
    arrivals,
    async close() {
      for (const socket of sockets) socket.terminate();
    },
  };
}

/** Pays sessions one after another and times each payment's commit → every arrival. */
async function timePayments(
  ctx: BenchContext,
  clock: CommitClock,
  subscribers: Subscribers,
  expected: number,
  sessions: { id: string; name: string }[],
): Promise<{ last: number[]; every: number[]; incomplete: number }> {
  const last: number[] = [];
  const every: number[] = [];
  let incomplete = 0;
  for (const session of sessions) {
    await payOnHostedPage(ctx.gateway.url, session.name);
    const commit = await clock.commitOf(session.id, 'checkout_session.paid');
    const times = await subscribers.arrivals.waitFor(commit.eventId, expected, ARRIVAL_TIMEOUT_MS);
    if (times.length < expected) incomplete += 1;
    for (const at of times) every.push(at - commit.at);
    if (times.length > 0) last.push(Math.max(...times) - commit.at);
    // Let the socket buffers drain, so each payment is timed on its own.
    await sleep(50);
  }
  return { last, every, incomplete };
}

async function run(
  ctx: BenchContext,
  clock: CommitClock,
  account: BenchAccount,
  pid: () => number,
  connect: () => Promise<Subscribers>,
): Promise<FanoutRun> {
  const { options } = ctx;
  const sessions = [];
  for (let i = 0; i < options.rounds + WARMUP_PAYMENTS; i += 1)
    sessions.push(await createSession(ctx.gateway.url, account.apiKey));
  const before = rssMiB(pid());
  const subscribers = await connect();
  try {
    // Untimed payments until one reaches every subscriber: proof that every subscription is
    // live on the server (subscribing completes after the socket is acknowledged), and warm-up.
    const warmups = sessions.splice(0, WARMUP_PAYMENTS);
    let live = false;
    for (const session of warmups) {
      await sleep(500);
      if ((await timePayments(ctx, clock, subscribers, options.subscribers, [session])).incomplete === 0) {
        live = true;
        break;
      }
    }
    if (!live) throw new Error(`not every one of ${options.subscribers} subscribers received a payment within 10 s`);
    const after = rssMiB(pid());
    const timed = sessions.slice(0, options.rounds);
    const rss = sampleRss(() => rssMiB(pid()));
    const measured = await timePayments(ctx, clock, subscribers, options.subscribers, timed);
    return {
      subscribers: options.subscribers,
      lastSubscriber: summarize(measured.last),
      everySubscriber: summarize(measured.every),
      incomplete: measured.incomplete,
      kibPerSubscriber: round(((after - before) * 1024) / options.subscribers, 1),
      rssPeakMiB: rss.stop(),
    };
  } finally {
    await subscribers.close();
  }
}

export async function benchFanout(ctx: BenchContext, clock: CommitClock): Promise<FanoutFigures> {
  const { options, gateway } = ctx;
  const account = await createAccount(gateway.url, ctx.adminKey, 'Bench fan-out');

  ctx.log(`fan-out: baseline relay, ${options.subscribers} raw WebSockets, ${options.rounds} payments`);
  const relay = await startRelay({
    DATABASE_URL: ctx.databaseUrl,
    ACCOUNT_IDS: account.accountId,
    EVENT_TYPE: 'checkout_session.paid',
  });
  let baseline: FanoutRun;
  try {
    baseline = await run(
      ctx,
      clock,
      account,
      () => relay.pid,
      () => rawSubscribers(relay.port, options.subscribers),
    );
  } finally {
    await relay.stop();
  }

  ctx.log(`fan-out: gateway, ${options.subscribers} graphql-ws subscribers, ${options.rounds} payments`);
  const measured = await run(
    ctx,
    clock,
    account,
    () => gateway.serverPid,
    () => gatewaySubscribers(ctx, account, options.subscribers),
  );
  // Closed sockets take a moment to be noticed and released by the server.
  await sleep(500);
  return { gateway: measured, baseline };
}
