import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { Database } from '../db/client.js';
import type { DomainDeps } from '../domain/deps.js';
import type { CallerKeys } from '../graphql/context.js';
import type { ClientAddresses, GraphQLServer } from '../graphql/server/yoga.js';
import { createHostedPages } from '../hosted/routes.js';
import { withLogContext, type Logger } from '../observability/logger.js';
import { observeRequest, routeLabel } from '../observability/metrics.js';
import { answerScrape, bearerMatches } from '../observability/scrape.js';
import { traceRequest, tracing } from '../observability/tracing.js';
import { requestIdFrom } from '../observability/request-id.js';
import { createRestApi } from '../rest/routes.js';

const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;

/** How a request reached us, for its log lines: GraphQL over HTTP or SSE, REST, the hosted page. */
function transportOf(req: IncomingMessage, path: string): string {
  if (path.startsWith('/graphql'))
    return String(req.headers.accept ?? '').includes('text/event-stream') ? 'sse' : 'http';
  if (path.startsWith('/v1/')) return 'rest';
  if (path.startsWith('/checkout')) return 'hosted';
  return 'http';
}

function refuseBody(res: ServerResponse, req: IncomingMessage, status: number, message: string, issue: string) {
  const error = { message, extensions: { code: 'BAD_USER_INPUT', issues: [{ path: [], message: issue }] } };
  res
    .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
    .end(JSON.stringify({ errors: [error] }));
  req.resume();
}

export interface RouterOptions {
  deps: DomainDeps;
  database: Database;
  logger: Logger;
  callers: CallerKeys;
  yoga: GraphQLServer['yoga'];
  clientAddresses: ClientAddresses;
  /** False while the app stops: requests are then answered 503 and /readyz says not ready. */
  isReady(): boolean;
  /** Serves GET /metrics on this port to "Authorization: Bearer <token>"; unset: not served here. */
  metricsToken: string | undefined;
}

/**
 * Every request of the main port, before any framework sees it: /graphql (HTTP and SSE, with its
 * body limits) goes to Yoga, /metrics to the scrape, the rest to the health checks, the hosted
 * page and the REST API. Each request runs with its id in its async context and logs one line.
 */
export function createRouter(options: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { deps, database, logger, callers, yoga, clientAddresses, isReady, metricsToken } = options;
  const hosted = createHostedPages(() => ({ deps, logger }));
  const rest = createRestApi({
    deps,
    logger,
    authenticate: (authorization: unknown, request: Request) =>
      callers.authenticate(authorization, clientAddresses.get(request)),
  });

  const pages = createServerAdapter<{ req?: IncomingMessage }>(async (request, serverContext) => {
    clientAddresses.set(request, serverContext.req?.socket.remoteAddress);
    const { pathname } = new URL(request.url);
    if (pathname === '/healthz') return new Response('ok\n', { headers: { 'content-type': 'text/plain' } });
    if (pathname === '/readyz') {
      const ok = isReady() && (await database.ping());
      return new Response(ok ? 'ready\n' : 'not ready\n', {
        status: ok ? 200 : 503,
        headers: { 'content-type': 'text/plain' },
      });
    }
    if (!isReady()) return new Response('starting\n', { status: 503, headers: { 'retry-after': '1' } });
    const started = performance.now();
    const hostedResponse = await hosted(request);
    const response = hostedResponse ?? (await rest(request));
    if (response)
      observeRequest(
        hostedResponse ? 'hosted' : 'rest',
        routeLabel(request.method, pathname),
        response.status,
        started,
      );
    return response ?? new Response('Not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  });

  /**
   * Every request runs with its id (the client's `X-Request-Id` when sane, or a new one) in its
   * async context, so each log line it causes carries it; the id is returned on the response,
   * and one line per request says how it ended.
   */
  function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const path = req.url ?? '/';
    const transport = transportOf(req, path);
    withLogContext({ requestId, transport }, () => {
      const started = performance.now();
      const quiet = path === '/healthz' || path === '/readyz';
      res.once('close', () => {
        logger[quiet ? 'debug' : 'info']('request', {
          method: req.method,
          path: path.split('?', 1)[0],
          status: res.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ...(res.writableFinished ? {} : { aborted: true }),
        });
      });
      dispatch(req, res, path);
    });
  }

  function dispatch(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path === '/graphql' || path.startsWith('/graphql?') || path.startsWith('/graphql/')) {
      if (!isReady()) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
        return;
      }
      // No operation of this API needs more; refusing early spares parsing a hostile body.
      if (Number(req.headers['content-length'] ?? 0) > MAX_GRAPHQL_BODY_BYTES) {
        refuseBody(res, req, 413, `The request body is larger than ${MAX_GRAPHQL_BODY_BYTES} bytes.`, 'body too large');
        return;
      }
      // A body must state its length, which Node's parser then holds it to: the limit above is
      // then the whole check, and Yoga need not count every body's bytes through a stream.
      if (req.headers['transfer-encoding'] !== undefined) {
        refuseBody(
          res,
          req,
          411,
          'Send the request body with a Content-Length header; chunked bodies are not accepted.',
          'Content-Length required',
        );
        return;
      }
      void yoga(req, res);
      return;
    }
    if (metricsToken && (path === '/metrics' || path.startsWith('/metrics?'))) {
      if (!bearerMatches(req.headers.authorization, metricsToken)) {
        res
          .writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' })
          .end('Send METRICS_TOKEN as "Authorization: Bearer <token>".\n');
        return;
      }
      void answerScrape(res);
      return;
    }
    void pages(req, res);
  }

  return (req, res) => (tracing ? traceRequest(req, res, handle) : handle(req, res));
}
