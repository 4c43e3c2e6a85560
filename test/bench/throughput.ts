/**
 * The measurement shared by the create and read phases: warm both sides up, then run the raw
 * baseline and the gateway in alternating windows, sampling the gateway's RSS and CPU time.
 */
import type { BenchContext } from './context.js';
import { cpuMs, machineBusyMs, rssMiB } from './gateway-process.js';
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
  /**
   * CPU time of the whole machine per successful request, each side over its own windows: the
   * gateway's, PostgreSQL's and the load generator's (this process) together, plus whatever
   * else runs meanwhile. On two cores every party competes for the same CPU, so this, not the
   * gateway's share alone, bounds req/s.
   */
  machineCpuMsPerRequest: { gateway: number; baseline: number };
  /** This process's CPU per request while it loads each side (autocannon / postgres.js client). */
  loadCpuMsPerRequest: { gateway: number; baseline: number };
}

/** Runs `window` and adds the machine's and this process's CPU time it took to `into`. */
async function metered(
  into: { machine: number; load: number },
  window: () => Promise<LoadWindow>,
): Promise<LoadWindow> {
  const machine = machineBusyMs();
  const load = process.cpuUsage();
  const result = await window();
  const used = process.cpuUsage(load);
  into.machine += machineBusyMs() - machine;
  into.load += (used.user + used.system) / 1000;
  return result;
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
  ctx.log(
    `${phase}: baseline (postgres.js) and gateway (HTTP), ${options.connections} clients, ${options.duration}s each in ${WINDOWS} alternating windows`,
  );
  const rss = sampleRss(() => rssMiB(gateway.serverPid));
  let gatewayCpu = 0;
  const cpu = { gateway: { machine: 0, load: 0 }, baseline: { machine: 0, load: 0 } };
  const { baseline, gateway: measured } = await alternate(
    WINDOWS,
    options.duration,
    (seconds) => metered(cpu.baseline, () => raw(seconds)),
    (seconds) =>
      metered(cpu.gateway, async () => {
        const before = cpuMs(gateway.serverPid);
        const window = await load(seconds);
        gatewayCpu += cpuMs(gateway.serverPid) - before;
        return window;
      }),
  );
  const perRequest = (ms: number, result: LoadResult) => round(ms / Math.max(1, result.ok), 2);
  return {
    gateway: measured,
    baseline,
    rssPeakMiB: rss.stop(),
    serverCpuMsPerRequest: perRequest(gatewayCpu, measured),
    machineCpuMsPerRequest: {
      gateway: perRequest(cpu.gateway.machine, measured),
      baseline: perRequest(cpu.baseline.machine, baseline),
    },
    loadCpuMsPerRequest: {
      gateway: perRequest(cpu.gateway.load, measured),
      baseline: perRequest(cpu.baseline.load, baseline),
    },
  };
}
