import type { Principal } from '../domain/accounts.js';
import type { DomainDeps } from '../domain/deps.js';
import { authorizeAccount } from '../domain/authorize.js';
import { badInput, DomainError } from '../domain/errors.js';
import { illFormedTextIssues } from '../domain/validation.js';
import type { Logger } from '../observability/logger.js';
import { createSession, expireSession, getSession, listSessions, type AccountRequest } from './checkout-sessions.js';
import { errorResponse, HttpError, jsonResponse } from './http.js';
import { openApiDocument } from './openapi.js';

export interface RestApiDeps {
  deps: DomainDeps;
  logger: Logger;
  /** Resolves the key; `request` tells who is connecting (failed keys are limited per address). */
  authenticate(authorization: unknown, request: Request): Promise<Principal | null>;
}

type Handler = (request: AccountRequest) => Promise<Response>;

interface Route {
  /** The handler per HTTP method; the keys are also the 405 response's Allow header. */
  methods: Record<string, Handler>;
  /** The session id, when the route has one. */
  sessionId?: string;
  accountId: string;
}

/** Decodes one path segment; a broken escape leaves it as sent (it then matches nothing). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Matches `/v1/accounts/{account}/checkout-sessions[/{session}[:expire]]`. Segments are decoded
 * first, so the custom method's colon may also arrive percent-encoded (`%3Aexpire`), as some
 * HTTP clients send it.
 */
function matchAccountRoute(segments: string[]): Route | undefined {
  const [v1, accounts, accountId, collection, last, ...extra] = segments;
  if (v1 !== 'v1' || accounts !== 'accounts' || !accountId || collection !== 'checkout-sessions' || extra.length > 0)
    return undefined;
  if (last === undefined) return { accountId, methods: { GET: listSessions, POST: createSession } };
  const colon = last.indexOf(':');
  const sessionId = colon === -1 ? last : last.slice(0, colon);
  const verb = colon === -1 ? undefined : last.slice(colon + 1);
  if (!sessionId) return undefined;
  if (verb === undefined) return { accountId, sessionId, methods: { GET: getSession } };
  if (verb === 'expire') return { accountId, sessionId, methods: { POST: expireSession } };
  return undefined;
}

function methodNotAllowed(method: string, allowed: string[]): HttpError {
  return new HttpError(405, 'BAD_USER_INPUT', `${method} is not allowed here; use ${allowed.join(' or ')}.`, {
    allow: allowed.join(', '),
  });
}

/**
 * Path segments and query parameters PostgreSQL could not store (NUL, decoded from `%00`) are
 * refused with their parameter's name, as bodies are (readJsonObject), rather than reaching a
 * statement and failing with 500.
 */
function refuseIllFormedText(route: Route, url: URL): void {
  const issues = [
    ...illFormedTextIssues(route.accountId, ['account']),
    ...(route.sessionId === undefined ? [] : illFormedTextIssues(route.sessionId, ['checkout_session'])),
    ...[...url.searchParams].flatMap(([key, value]) => illFormedTextIssues({ [key]: value })),
  ];
  if (issues.length > 0) throw badInput(issues);
}

/** The seed's REST surface under /v1; null for paths that are not its own. */
export function createRestApi(restDeps: RestApiDeps): (request: Request) => Promise<Response | null> {
  const { deps, logger, authenticate } = restDeps;
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== '/v1' && !url.pathname.startsWith('/v1/')) return null;
    try {
      const segments = url.pathname.split('/').slice(1).map(decodeSegment);
      if (segments.length === 2 && segments[1] === 'openapi.json') {
        if (request.method !== 'GET') throw methodNotAllowed(request.method, ['GET']);
        return jsonResponse(200, openApiDocument(deps.publicUrl), { 'cache-control': 'public, max-age=300' });
      }
      const route = matchAccountRoute(segments);
      if (!route) throw new DomainError('NOT_FOUND', `No such resource: ${request.method} ${url.pathname}.`);
      const handler = route.methods[request.method];
      if (!handler) throw methodNotAllowed(request.method, Object.keys(route.methods));
      refuseIllFormedText(route, url);
      // An account key reaches its own account's paths only; every other account reads as missing.
      const accountId = authorizeAccount(
        await authenticate(request.headers.get('authorization'), request),
        route.accountId,
      );
      return await handler({ request, url, deps, accountId, sessionId: route.sessionId });
    } catch (error) {
      return errorResponse(error, logger);
    }
  };
}
