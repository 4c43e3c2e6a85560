/**
 * The process's Prometheus metrics (prom-client's global registry, which a cluster's primary
 * aggregates across workers). Names and labels are listed in the README; every label takes a
 * bounded set of values.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

export type Transport = 'http' | 'sse' | 'websocket' | 'rest' | 'hosted';

/** Operation names beyond this many distinct ones share one label, so a client cannot grow the series without bound. */
const MAX_OPERATION_NAMES = 200;
const ANONYMOUS_OPERATION = '_anonymous';
const OTHER_OPERATION = '_other';
/** Requests that never reached execution (unparsable, invalid, refused before a document was known). */
export const INVALID_OPERATION = '_invalid';
const operationNames = new Set<string>();

/** The label for a client-chosen operation name. */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return ANONYMOUS_OPERATION;
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES || name.length > 100) return OTHER_OPERATION;
  operationNames.add(name);
  return name;
}

collectDefaultMetrics({ prefix: 'gateway_', eventLoopMonitoringPrecision: 20 });

const labelNames = ['transport', 'operation'] as const;

export const requestsTotal = new Counter({
  name: 'gateway_requests_total',
  help: 'Requests and GraphQL operations handled, by transport and operation name.',
  labelNames,
});

export const requestErrorsTotal = new Counter({
  name: 'gateway_request_errors_total',
  help: 'Requests and GraphQL operations that ended with an error, by transport, operation and error code (or HTTP status).',
  labelNames: [...labelNames, 'code'],
});

export const requestDuration = new Histogram({
  name: 'gateway_request_duration_seconds',
  help: 'Time to answer a request or execute a GraphQL operation (subscriptions excluded), by transport and operation.',
  labelNames,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export const openSubscriptions = new Gauge({
  name: 'gateway_subscriptions_open',
  help: 'GraphQL subscriptions open now, by transport.',
  labelNames: ['transport'],
});

export const eventsCommitted = new Counter({
  name: 'gateway_events_committed_total',
  help: 'Events committed since this process started listening (every process hears every event; a cluster reports the highest).',
  aggregator: 'max',
});

export const webhookAttempts = new Counter({
  name: 'gateway_webhook_attempts_total',
  help: 'Webhook delivery attempts by outcome: succeeded, retrying (failed, another attempt scheduled), failed (no more attempts), skipped, lost (another process took the delivery).',
  labelNames: ['outcome'],
});

export const webhookDeliveryLag = new Histogram({
  name: 'gateway_webhook_delivery_lag_seconds',
  help: 'Time from an event being committed to its successful webhook delivery.',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600],
});

export const paymentsTotal = new Counter({
  name: 'gateway_payments_total',
  help: 'Card payments attempted on the hosted page, by outcome (succeeded or declined) and decline code.',
  labelNames: ['outcome', 'decline_code'],
});

/** A database pool's load now: statements and transactions holding or waiting for a connection, and its size. */
type PoolUsage = () => { inFlight: number; max: number };
const pools = new Set<PoolUsage>();

/** Reports a pool in the gauges below until the returned function is called (when it closes). */
export function trackPool(usage: PoolUsage): () => void {
  pools.add(usage);
  return () => pools.delete(usage);
}

// Read synchronously at scrape time, and registered before any figure whose collection runs a
// statement, so that a scrape does not see its own query.
new Gauge({
  name: 'gateway_db_pool_connections_in_use',
  help: 'Database connections busy with a statement or an open transaction now (PostgreSQL; the pool holds DATABASE_POOL_SIZE).',
  collect() {
    let inUse = 0;
    for (const usage of pools) {
      const { inFlight, max } = usage();
      inUse += Math.min(inFlight, max);
    }
    this.set(inUse);
  },
});

new Gauge({
  name: 'gateway_db_pool_waiting',
  help: 'Statements and transactions waiting for a free database connection now (PostgreSQL).',
  collect() {
    let waiting = 0;
    for (const usage of pools) {
      const { inFlight, max } = usage();
      waiting += Math.max(0, inFlight - max);
    }
    this.set(waiting);
  },
});

/** Figures read from the running app when scraped; unset while no app runs in this process. */
export interface ScrapeSources {
  /** Webhook deliveries due now and not yet delivered (the outbox's backlog). */
  dueWebhookDeliveries(): Promise<number>;
  /** SQL statements issued since start. */
  statementCount(): number;
}
let sources: ScrapeSources | undefined;

export function setScrapeSources(next: ScrapeSources | undefined) {
  sources = next;
}

new Gauge({
  name: 'gateway_webhook_backlog',
  help: 'Webhook deliveries due now and still waiting for an attempt (read from the database at scrape time; a cluster reports it once).',
  aggregator: 'max',
  async collect() {
    if (!sources) return;
    try {
      this.set(await sources.dueWebhookDeliveries());
    } catch {
      // A scrape during a database outage still answers the other figures.
    }
  },
});

let statementsSeen = 0;
new Counter({
  name: 'gateway_db_statements_total',
  help: 'SQL statements issued to the database.',
  collect() {
    if (!sources) return;
    const count = sources.statementCount();
    if (count > statementsSeen) this.inc(count - statementsSeen);
    statementsSeen = count;
  },
});

export const METRICS_CONTENT_TYPE = register.contentType;

/** This process's figures in Prometheus text format. */
export function processMetrics(): Promise<string> {
  return register.metrics();
}

/** A REST or hosted-page route as a label: path segments holding ids become ":id". */
export function routeLabel(method: string, pathname: string): string {
  return operationLabel(`${method} ${foldIds(pathname)}`);
}

/** A path with its ids (acct_…, cs_…, or anything long) as ":id"; fixed words and a custom method (":expire") stay. */
export function foldIds(pathname: string): string {
  return pathname.replace(/(?<=\/)[^/:]+/g, (part) =>
    part.length >= 25 || (part.length > 3 && /[\d_]/.test(part)) ? ':id' : part,
  );
}

/** Records one answered REST or hosted-page request (`started` from performance.now()). */
export function observeRequest(transport: Transport, operation: string, status: number, started: number) {
  requestsTotal.inc({ transport, operation });
  requestDuration.observe({ transport, operation }, (performance.now() - started) / 1000);
  if (status >= 400) requestErrorsTotal.inc({ transport, operation, code: String(status) });
}
