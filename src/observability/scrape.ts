/**
 * Answers a scrape of /metrics. In a cluster every worker's figures are gathered by the primary
 * (prom-client's AggregatorRegistry), so one scrape of the shared port gives the whole port's
 * figures whichever worker takes the connection.
 */
import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { METRICS_CONTENT_TYPE, processMetrics } from './metrics.js';

const REQUEST = 'gateway:metrics-request';
const REPLY = 'gateway:metrics-reply';
const PRIMARY_TIMEOUT_MS = 5_000;

interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

// prom-client's workers answer the primary's requests for their figures only once an
// AggregatorRegistry has been made in them.
if (cluster.isWorker) new AggregatorRegistry();

let nextId = 0;
const waiting = new Map<number, (reply: Reply) => void>();
let listening = false;

/** A worker's way to the cluster's figures: ask the primary, which asks every worker. */
function askPrimary(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: Reply) => {
      if (message?.type !== REPLY) return;
      waiting.get(message.id)?.(message);
    });
  }
  nextId += 1;
  const id = nextId;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary process did not answer the metrics request'));
    }, PRIMARY_TIMEOUT_MS);
    waiting.set(id, (reply) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (reply.text !== undefined) resolve(reply.text);
      else reject(new Error(reply.error ?? 'metrics unavailable'));
    });
    process.send!({ type: REQUEST, id });
  });
}

/** The figures of this port: the cluster's aggregate in a worker, the process's own otherwise. */
export function scrapeMetrics(): Promise<string> {
  return cluster.isWorker ? askPrimary() : processMetrics();
}

/** True when `authorization` is "Bearer <token>" (compared in constant time). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(authorization.slice(7).trim()), digest(token));
}

/** Writes the scrape (or a 503 if the figures could not be gathered) to `res`. */
export async function answerScrape(res: ServerResponse, scrape: () => Promise<string> = scrapeMetrics) {
  try {
    const text = await scrape();
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(text);
  } catch (error) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(error as Error).message}\n`);
  }
}

/** A server for METRICS_PORT: /metrics only, no token (keep the port private). */
export function createMetricsServer(scrape: () => Promise<string>): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    void answerScrape(res, scrape);
  });
}

/**
 * In a cluster's primary: answers workers' requests for the aggregate and, with METRICS_PORT,
 * serves it on that port. Returns the server (if any) so it can be closed on shutdown.
 */
export function serveClusterMetrics(options: { port: number | undefined; host: string }): Server | undefined {
  const aggregator = new AggregatorRegistry();
  const aggregate = async () => (await aggregator.clusterMetrics()) as string;
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== REQUEST) return;
    aggregate().then(
      (text) => worker.isConnected() && worker.send({ type: REPLY, id: message.id, text }),
      (error: unknown) =>
        worker.isConnected() && worker.send({ type: REPLY, id: message.id, error: (error as Error).message }),
    );
  });
  if (options.port === undefined) return undefined;
  const server = createMetricsServer(aggregate);
  server.listen(options.port, options.host);
  return server;
}
