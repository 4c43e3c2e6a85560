/**
 * 2. Read: a page of 50 sessions with each payment intent's state, through GraphQL, against the
 * one SQL statement that returns the same rows.
 */
import { createAccount, createSession } from './client.js';
import type { BenchContext } from './context.js';
import { cpuMs, rssMiB } from './gateway-process.js';
import { alternate, closedLoop, httpLoad, sampleRss, type LoadResult } from './load.js';
import { round } from './stats.js';
import { rawListCheckoutSessions } from './raw-sql.js';

/** Baseline and gateway take turns this many times, to share the machine's changing load. */
const WINDOWS = 2;

export interface ReadFigures {
  gateway: LoadResult;
  baseline: LoadResult;
  rssPeakMiB: number;
  /** The gateway process's CPU time per successful request: steadier than req/s on a busy machine. */
  serverCpuMsPerRequest: number;
}

const PAGE = 50;
/** More rows than one page, so the query really seeks into the index. */
const SESSIONS = 200;

export const READ_QUERY = `query Page {
  checkoutSessions(first: ${PAGE}) {
    edges { node { id name state amount currency clientReferenceId url createTime paymentIntent { state } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export async function benchRead(ctx: BenchContext): Promise<ReadFigures> {
  const { options, gateway, sql } = ctx;
  const account = await createAccount(gateway.url, ctx.adminKey, 'Bench read');
  ctx.log(`read: creating ${SESSIONS} sessions`);
  for (let i = 0; i < SESSIONS; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => createSession(gateway.url, account.apiKey)));
  }
  // A full page whose last node carries a payment intent state: the body is a real answer.
  const fullPage = (body: string) => !body.includes('"errors"') && body.split('"paymentIntent":{"state":"').length === PAGE + 1;
  const load = (durationSeconds: number) =>
    httpLoad({
      url: `${gateway.url}/graphql`,
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
      body: JSON.stringify({ query: READ_QUERY }),
      connections: options.connections,
      durationSeconds,
      verifyBody: fullPage,
    });
  const raw = (durationSeconds: number) =>
    closedLoop(options.connections, durationSeconds, async () => {
      const rows = await rawListCheckoutSessions(sql, account.accountId, PAGE);
      if (rows.length !== PAGE + 1) throw new Error(`expected ${PAGE + 1} rows, got ${rows.length}`);
    });

  ctx.log(`read: warm-up ${options.warmup}s each`);
  if (options.warmup > 0) {
    await raw(options.warmup);
    await load(options.warmup);
  }
  ctx.log(`read: baseline (postgres.js) and gateway (HTTP), ${options.connections} clients, ${options.duration}s each in ${WINDOWS} alternating windows`);
  const rss = sampleRss(() => rssMiB(gateway.serverPid));
  let gatewayCpu = 0;
  const { baseline, gateway: measured } = await alternate(WINDOWS, options.duration, raw, async (seconds) => {
    const before = cpuMs(gateway.serverPid);
    const window = await load(seconds);
    gatewayCpu += cpuMs(gateway.serverPid) - before;
    return window;
  });
  const serverCpuMsPerRequest = round(gatewayCpu / Math.max(1, measured.ok), 2);
  return { gateway: measured, baseline, rssPeakMiB: rss.stop(), serverCpuMsPerRequest };
}
