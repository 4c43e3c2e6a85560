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

export interface HttpLoad {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationSeconds: number;
  /** A response body that fails this counts as failed (GraphQL answers errors with 200). */
  verifyBody: (body: string) => boolean;
}

/** POSTs `body` over `connections` keep-alive connections for `durationSeconds`. */
export function httpLoad(load: HttpLoad): Promise<LoadResult> {
  const samples: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: 'POST',
        headers: load.headers,
        body: load.body,
        connections: load.connections,
        duration: load.durationSeconds,
        timeout: 10,
        verifyBody: (body) => load.verifyBody(String(body ?? '')),
      },
      (error, result) => {
        if (error) return reject(error);
        const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
        const ok = Math.max(0, result['2xx'] - result.mismatches);
        resolve({ throughput: round(ok / result.duration, 1), ok, failed, seconds: round(result.duration, 2), latency: summarize(samples) });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    });
  });
}

/** `concurrency` workers each run `operation` back to back until `durationSeconds` pass. */
export async function closedLoop(concurrency: number, durationSeconds: number, operation: () => Promise<unknown>): Promise<LoadResult> {
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
  return { throughput: round(samples.length / seconds, 1), ok: samples.length, failed, seconds: round(seconds, 2), latency: summarize(samples) };
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
