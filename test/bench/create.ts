/**
 * 1. Create: createCheckoutSession over HTTP against the same transaction issued directly with
 * postgres.js, both at the same concurrency, on one account (so both queue on its event lock).
 */
import { CREATE_INPUT, CREATE_MUTATION, createAccount } from './client.js';
import type { BenchContext } from './context.js';
import { cpuMs, rssMiB } from './gateway-process.js';
import { alternate, closedLoop, httpLoad, sampleRss, type LoadResult } from './load.js';
import { round } from './stats.js';
import { rawCreateCheckoutSession } from './raw-sql.js';

/** Baseline and gateway take turns this many times, to share the machine's changing load. */
const WINDOWS = 2;

export interface CreateFigures {
  gateway: LoadResult;
  baseline: LoadResult;
  rssPeakMiB: number;
  /** The gateway process's CPU time per successful request: steadier than req/s on a busy machine. */
  serverCpuMsPerRequest: number;
}

export async function benchCreate(ctx: BenchContext): Promise<CreateFigures> {
  const { options, gateway, sql } = ctx;
  const account = await createAccount(gateway.url, ctx.adminKey, 'Bench create');
  const load = (durationSeconds: number) =>
    httpLoad({
      url: `${gateway.url}/graphql`,
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
      body: JSON.stringify({ query: CREATE_MUTATION, variables: { input: CREATE_INPUT } }),
      connections: options.connections,
      durationSeconds,
      verifyBody: (body) => body.includes('"state":"OPEN"') && !body.includes('"errors"'),
    });
  const raw = (durationSeconds: number) =>
    closedLoop(options.connections, durationSeconds, () => rawCreateCheckoutSession(sql, account.accountId, gateway.url));

  ctx.log(`create: warm-up ${options.warmup}s each`);
  if (options.warmup > 0) {
    await raw(options.warmup);
    await load(options.warmup);
  }
  ctx.log(`create: baseline (postgres.js) and gateway (HTTP), ${options.connections} clients, ${options.duration}s each in ${WINDOWS} alternating windows`);
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
