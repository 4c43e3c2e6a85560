/**
 * Two ways of applying load for a fixed time at a fixed concurrency: autocannon against the
 * gateway's HTTP port, and a closed loop of async workers for the raw postgres.js baseline.
 * Both record every latency as a float in milliseconds so their percentiles compare directly.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { summarize, round, type LatencySummary } from './stats.js';

export interface LoadResult {
  /** Successful operations per second over the measured window. */
  throughput: number;
  ok: number;
  failed: number;
  seconds: number;
  latency: LatencySummary;
}

/** One measured window: every latency sample, kept until windows are combined. */
export interface LoadWindow {
  samples: number[];
  ok: number;
  failed: number;
  seconds: number;
}

export function combineWindows(windows: LoadWindow[]): LoadResult {
  const samples = windows.flatMap((window) => window.samples);
  const ok = windows.reduce((total, window) => total + window.ok, 0);
  const failed = windows.reduce((total, window) => total + window.failed, 0);
  const seconds = windows.reduce((total, window) => total + window.seconds, 0);
  return { throughput: round(ok / seconds, 1), ok, failed, seconds: round(seconds, 2), latency: summarize(samples) };
}

/**
 * Runs baseline and gateway in alternating windows (baseline, gateway, baseline, …), so that a
 * change in the machine's load during the run falls on both sides alike.
 */
export async function alternate(
  windows: number,
  totalSeconds: number,
  baseline: (seconds: number) => Promise<LoadWindow>,
  gateway: (seconds: number) => Promise<LoadWindow>,
): Promise<{ baseline: LoadResult; gateway: LoadResult }> {
  const seconds = totalSeconds / windows;
  const sides: { baseline: LoadWindow[]; gateway: LoadWindow[] } = { baseline: [], gateway: [] };
  for (let i = 0; i < windows; i += 1) {
    sides.baseline.push(await baseline(seconds));
    sides.gateway.push(await gateway(seconds));
  }
  return { baseline: combineWindows(sides.baseline), gateway: combineWindows(sides.gateway) };
}

/**
 * Runs each side in turn, `windows` times, forwards then backwards (A B C, C B A, A B C, …), so
 * that a change in the machine's load during the run falls on every side alike.
 */
export async function alternateSides<K extends string>(
  windows: number,
  totalSeconds: number,
  sides: Record<K, (seconds: number) => Promise<LoadWindow>>,
): Promise<Record<K, LoadResult>> {
  const seconds = totalSeconds / windows;
  const names = Object.keys(sides) as K[];
  const measured = new Map<K, LoadWindow[]>(names.map((name) => [name, []]));
  for (let i = 0; i < windows; i += 1) {
    for (const name of i % 2 === 0 ? names : [...names].reverse()) measured.get(name)!.push(await sides[name](seconds));
  }
  return Object.fromEntries(names.map((name) => [name, combineWindows(measured.get(name)!)])) as Record<K, LoadResult>;
}

export interface HttpLoad {
  url: string;
  /** POST (the default, with `body`) or GET. */
  method?: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  /** A request unanswered after this long counts as failed (default 10 s). */
  timeoutSeconds?: number;
  /** A response body that fails this counts as failed (GraphQL answers errors with 200). */
  verifyBody: (body: string) => boolean;
}

/** Sends the request over `connections` keep-alive connections for `durationSeconds`. */
export function httpLoad(load: HttpLoad): Promise<LoadWindow> {
  const samples: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: load.method ?? 'POST',
        headers: load.headers,
        body: load.body,
        connections: load.connections,
        duration: load.durationSeconds,
        timeout: load.timeoutSeconds ?? 10,
        verifyBody: (body) => load.verifyBody(String(body ?? '')),
      },
      (error, result) => {
        if (error) return reject(error);
        const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
        const ok = Math.max(0, result['2xx'] - result.mismatches);
        resolve({ samples, ok, failed, seconds: result.duration });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    });
  });
}

/** `concurrency` workers each run `operation` back to back until `durationSeconds` pass. */
export async function closedLoop(
  concurrency: number,
  durationSeconds: number,
  operation: () => Promise<unknown>,
): Promise<LoadWindow> {
  const samples: number[] = [];
  let failed = 0;
  let firstError: unknown;
  const start = performance.now();
  const end = start + durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await operation();
        samples.push(performance.now() - t0);
      } catch (error) {
        failed += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  if (firstError) process.stderr.write(`  (baseline: ${failed} failed; first error: ${String(firstError)})\n`);
  return { samples, ok: samples.length, failed, seconds };
}

/** Samples a process's RSS until stopped; the peak is what "RSS under load" reports. */
export function sampleRss(read: () => number, everyMs = 200) {
  let peak = read();
  const timer = setInterval(() => {
    const value = read();
    if (value > peak) peak = value;
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      const value = read();
      return Math.max(peak, Number.isFinite(value) ? value : peak);
    },
  };
}
