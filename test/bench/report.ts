/** The results as a Markdown table (for BENCHMARKS.md and the terminal) and as JSON. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CreateFigures, CreateIntentFigures } from './create.js';
import type { FanoutFigures } from './fanout.js';
import type { ReadFigures } from './read.js';
import { SCALE_WINDOWS, type ScaleFigures } from './scale.js';
import type { ThroughputFigures } from './throughput.js';
import { ratio } from './stats.js';
import type { WebhookFigures } from './webhooks.js';

interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  os: string;
}

export interface BenchResults {
  date: string;
  command: string;
  machine: Machine;
  settings: {
    duration: number;
    warmup: number;
    connections: number;
    subscribers: number;
    rounds: number;
    burst: number;
    poolSize: number;
    workers: number;
    scaleSessions: number;
  };
  rss: { idleMiB: number };
  create?: CreateFigures & { ratio: number };
  createIntent?: CreateIntentFigures;
  read?: ReadFigures & { ratio: number };
  fanout?: FanoutFigures & { ratio: number };
  webhooks?: WebhookFigures & { latencyRatio: number; throughputRatio: number };
  scale?: ScaleFigures;
}

const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

const n = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const pair = (a: number, b: number) => `${n(a)} / ${n(b)}`;
const check = (ok: boolean) => (ok ? 'met' : '**missed**');

function markdownTable(results: BenchResults): string {
  const s = results.settings;
  const rows: string[][] = [];
  /**
   * The rows of a throughput phase: req/s against its target ratio, latency (with the p99 target
   * where the issue sets one), then CPU: the gateway's process, the machine, the load generator.
   */
  const throughputRows = (
    phase: string,
    operation: string,
    figures: ThroughputFigures & { ratio: number },
    minRatio: number,
    p99TargetMs?: number,
  ): string[][] => [
    [
      `${phase}: ${operation}, req/s at ${s.connections} clients`,
      n(figures.gateway.throughput, 0),
      n(figures.baseline.throughput, 0),
      n(figures.ratio, 2),
      `≥ ${minRatio}: ${check(figures.ratio >= minRatio)}`,
    ],
    [
      `${phase}: latency p50 / p99, ms`,
      pair(figures.gateway.latency.p50, figures.gateway.latency.p99),
      pair(figures.baseline.latency.p50, figures.baseline.latency.p99),
      n(ratio(figures.baseline.latency.p99, figures.gateway.latency.p99), 2),
      p99TargetMs === undefined ? '' : `p99 < ${p99TargetMs} ms: ${check(figures.gateway.latency.p99 < p99TargetMs)}`,
    ],
    [`${phase}: gateway process CPU per request, ms`, n(figures.serverCpuMsPerRequest, 2), '', '', ''],
    [
      `${phase}: machine CPU per request (all processes), ms`,
      n(figures.machineCpuMsPerRequest.gateway, 2),
      n(figures.machineCpuMsPerRequest.baseline, 2),
      n(ratio(figures.machineCpuMsPerRequest.baseline, figures.machineCpuMsPerRequest.gateway), 2),
      '',
    ],
    [
      `${phase}: of which the load generator, ms`,
      n(figures.loadCpuMsPerRequest.gateway, 2),
      n(figures.loadCpuMsPerRequest.baseline, 2),
      '',
      '',
    ],
  ];
  const { create, read, fanout, webhooks } = results;
  if (create) rows.push(...throughputRows('Create', 'createCheckoutSession', create, 0.6, 50));
  if (results.createIntent) {
    const { with: withIntent, without, ratio: intentRatio } = results.createIntent;
    rows.push([
      `Create selecting paymentIntent { … }, req/s (baseline: the same create without it)`,
      n(withIntent.throughput, 0),
      n(without.throughput, 0),
      n(intentRatio, 2),
      `≥ 0.9: ${check(intentRatio >= 0.9)}`,
    ]);
    rows.push([
      'Create with / without paymentIntent: latency p50, ms',
      n(withIntent.latency.p50),
      n(without.latency.p50),
      n(ratio(without.latency.p50, withIntent.latency.p50), 2),
      '',
    ]);
    const intentCpu = results.createIntent.serverCpuMsPerRequest;
    rows.push([
      'Create with / without paymentIntent: gateway process CPU per request, ms',
      n(intentCpu.with, 3),
      n(intentCpu.without, 3),
      n(ratio(intentCpu.without, intentCpu.with), 2),
      '',
    ]);
  }
  if (read) rows.push(...throughputRows('Read', 'checkoutSessions(first: 50) + paymentIntent.state', read, 0.5));
  if (fanout) {
    const g = fanout.gateway;
    const b = fanout.baseline;
    rows.push([
      `Fan-out: pay commit → last of ${g.subscribers} subscribers, p50 / p99, ms (${g.lastSubscriber.count} payments)`,
      pair(g.lastSubscriber.p50, g.lastSubscriber.p99),
      pair(b.lastSubscriber.p50, b.lastSubscriber.p99),
      n(fanout.ratio, 2),
      `p99 < 250 ms: ${check(g.lastSubscriber.p99 < 250 && g.incomplete === 0)}`,
    ]);
    rows.push([
      'Fan-out: pay commit → each subscriber, p50 / p99, ms',
      pair(g.everySubscriber.p50, g.everySubscriber.p99),
      pair(b.everySubscriber.p50, b.everySubscriber.p99),
      n(ratio(b.everySubscriber.p99, g.everySubscriber.p99), 2),
      g.incomplete ? `${g.incomplete} payments missed a subscriber` : '',
    ]);
    rows.push(['Fan-out: memory per subscriber, KiB of RSS', n(g.kibPerSubscriber), n(b.kibPerSubscriber), '', '']);
  }
  if (webhooks) {
    const g = webhooks.gateway;
    const b = webhooks.baseline;
    rows.push([
      `Webhooks: commit → receiver, p50 / p99, ms (${g.latency.count} payments)`,
      pair(g.latency.p50, g.latency.p99),
      pair(b.latency.p50, b.latency.p99),
      n(webhooks.latencyRatio, 2),
      `p50 < 50 ms: ${check(g.latency.p50 < 50 && g.lost === 0)}`,
    ]);
    rows.push([
      `Webhooks: deliveries/s draining a burst of ${g.burst} events`,
      `${n(g.deliveriesPerSecond, 0)}${g.burstArrived < g.burst ? ` (${g.burstArrived} arrived)` : ''}`,
      `${n(b.deliveriesPerSecond, 0)}${b.burstArrived < b.burst ? ` (${b.burstArrived} arrived)` : ''}`,
      n(webhooks.throughputRatio, 2),
      `events committed at ${n(g.commitsPerSecond, 0)} / ${n(b.commitsPerSecond, 0)} per s; ${webhooks.signatureVerified ? 'signature verified' : '**signature not verified**'}`,
    ]);
  }
  rows.push(['RSS at idle, MiB', n(results.rss.idleMiB), '', '', '']);
  if (create) rows.push(['RSS peak under create, MiB', n(create.rssPeakMiB), '', '', '']);
  if (read) rows.push(['RSS peak under read, MiB', n(read.rssPeakMiB), '', '', '']);
  if (fanout)
    rows.push([
      `RSS peak with ${fanout.gateway.subscribers} subscribers, MiB`,
      n(fanout.gateway.rssPeakMiB),
      n(fanout.baseline.rssPeakMiB),
      '',
      '',
    ]);
  if (webhooks)
    rows.push([
      'RSS peak under webhooks, MiB',
      n(webhooks.gateway.rssPeakMiB),
      n(webhooks.baseline.rssPeakMiB),
      '',
      '',
    ]);

  const header = ['Figure', 'Gateway', 'Baseline', 'Ratio', 'Target'];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  return lines.join('\n');
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const count = (value: number) => value.toLocaleString('en');

/** The scale phase: per query large ÷ small, the raw-SQL ratios, the seed and the sizes. */
function markdownScale(scale: ScaleFigures, connections: number): string {
  const { small, large } = scale.accounts;
  const rows = scale.queries.map((q) => [
    q.query,
    `${n(q.small.throughput, 0)}${q.small.failed ? ` (${q.small.failed} failed)` : ''}`,
    `${n(q.large.throughput, 0)}${q.large.failed ? ` (${q.large.failed} failed)` : ''}`,
    n(q.ratio, 2),
    `${n(q.small.latency.p50)} / ${n(q.large.latency.p50)}`,
    `${n(q.oneClient.small)} / ${n(q.oneClient.large)}`,
    `≥ 0.9: ${check(q.ratio >= 0.9)}`,
  ]);
  const header = [
    'Query (50 per page, with paymentIntent state)',
    `200 sessions, req/s`,
    `${count(large.sessions)} sessions, req/s`,
    'Large ÷ small',
    `p50 small / large, ms (${connections} clients)`,
    'p50 small / large, ms (one client)',
    'Target',
  ];
  const table = (head: string[], body: string[][]) =>
    [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...body.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
  const raw = (['small', 'large'] as const).map((size) => {
    const r = scale.raw[size];
    return [
      `first page, ${size === 'small' ? '200' : count(large.sessions)} sessions`,
      n(r.gateway.throughput, 0),
      n(r.baseline.throughput, 0),
      n(r.ratio, 2),
      `${n(r.gateway.latency.p50)} / ${n(r.baseline.latency.p50)}`,
      `≥ 0.5: ${check(r.ratio >= 0.5)}`,
    ];
  });
  const sizes = scale.sizes.flatMap((relation) => [
    [
      `**${relation.table}**`,
      count(relation.rows),
      mib(relation.tableBytes),
      mib(relation.indexBytes),
      mib(relation.totalBytes),
    ],
    ...relation.indexes.map((index) => [`&nbsp;&nbsp;${index.name}`, '', '', mib(index.bytes), '']),
  ]);
  const mix = (c: typeof small) =>
    `${count(c.sessions)} sessions (${count(c.open)} OPEN, ${count(c.complete)} COMPLETE, ${count(c.expired)} EXPIRED; ${count(c.sharedReference)} with clientReferenceId ${'`'}customer_42${'`'}), ${count(c.events)} events`;
  return [
    `Seeded with SQL in ${n(scale.seedSeconds)} s (then VACUUM ANALYZE ${n(scale.vacuumSeconds)} s): large account ${mix(large)}; small account ${mix(small)}.`,
    '',
    table(header, rows),
    '',
    `Read against the baseline's SQL (the same first page, one statement from postgres.js), ${connections} clients, in the same alternating windows:`,
    '',
    table(['First page', 'Gateway req/s', 'Baseline req/s', 'Ratio', 'p50 gateway / baseline, ms', 'Target'], raw),
    '',
    'Sizes after seeding (the whole database, MiB; rows as estimated by ANALYZE):',
    '',
    table(['Table / index', 'Rows', 'Table (with TOAST)', 'Indexes', 'Total'], sizes),
  ].join('\n');
}

export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  const s = results.settings;
  return [
    `Run ${results.date} with \`${results.command}\``,
    '',
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}.`,
    `Settings: create and read measured ${s.duration} s per side in two alternating windows, after ${s.warmup} s of warm-up; ${s.connections} clients, ` +
      `${s.subscribers} subscribers, ${s.rounds} timed payments, bursts of ${s.burst} events, ` +
      (s.workers > 1
        ? `WEB_CONCURRENCY=${s.workers} with DATABASE_POOL_SIZE=${Math.ceil(s.poolSize / s.workers)} each (the baseline pool has ${s.poolSize} connections).`
        : `DATABASE_POOL_SIZE=${s.poolSize} (the baseline pool has the same size).`),
    '',
    markdownTable(results),
    '',
    'Ratio: gateway ÷ baseline for throughput, baseline ÷ gateway for latency (1.00 = as fast as the baseline).',
    ...(results.scale
      ? [
          '',
          `Scale (${count(s.scaleSessions)} sessions against 200, ${SCALE_WINDOWS} alternating windows of ${s.duration / SCALE_WINDOWS} s per account and query):`,
          '',
          markdownScale(results.scale, s.connections),
        ]
      : []),
  ].join('\n');
}

/** Replaces the latest-results section of BENCHMARKS.md, leaving the rest of the file alone. */
export function writeBenchmarksFile(path: string, results: BenchResults): void {
  const section = `${START}\n${markdownReport(results)}\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n## Latest run\n\n';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${section}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
