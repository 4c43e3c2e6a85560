/**
 * The measurement shared by the create and read phases: warm both sides up, then run the raw
 * baseline and the gateway in alternating windows, sampling the gateway's RSS and CPU time.
 */
import type { BenchContext } from './context.js';
import { cpuMs, rssMiB } from './gateway-process.js';
import { alternate, sampleRss, type LoadResult, type LoadWindow } from './load.js';
import { round } from './stats.js';

/** Baseline and gateway take turns this many times, to share the machine's changing load. */
const WINDOWS = 2;

export interface ThroughputFigures {
  gateway: LoadResult;
  baseline: LoadResult;
  rssPeakMiB: number;
  /** The gateway process's CPU time per successful request: steadier than req/s on a busy machine. */
  serverCpuMsPerRequest: number;
}

export async function measureThroughput(
  ctx: BenchContext,
  phase: string,
  raw: (seconds: number) => Promise<LoadWindow>,
  load: (seconds: number) => Promise<LoadWindow>,
): Promise<ThroughputFigures> {
  const { options, gateway } = ctx;
  ctx.log(`${phase}: warm-up ${options.warmup}s each`);
  if (options.warmup > 0) {
    await raw(options.warmup);
    await load(options.warmup);
  }
  ctx.log(`${phase}: baseline (postgres.js) and gateway (HTTP), ${options.connections} clients, ${options.duration}s each in ${WINDOWS} alternating windows`);
  const rss = sampleRss(() => rssMiB(gateway.serverPid));
  let gatewayCpu = 0;
  const { baseline, gateway: measured } = await alternate(WINDOWS, options.duration, raw, async (seconds) => {
    const before = cpuMs(gateway.serverPid);
    const window = await load(seconds);
    gatewayCpu += cpuMs(gateway.serverPid) - before;
    return window;
  });
  return { gateway: measured, baseline, rssPeakMiB: rss.stop(), serverCpuMsPerRequest: round(gatewayCpu / Math.max(1, measured.ok), 2) };
}
