import { getOperationAST, GraphQLError } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import type { Principal } from '../../domain/accounts.js';
import { MISSING_KEY_MESSAGE } from '../../domain/authorize.js';
import { randomToken } from '../../domain/ids.js';
import { executeEnveloped, subscribeEnveloped } from './enveloped-execution.js';
import { codeClientError } from './yoga-plugins.js';

/** Where graphql-sse clients connect, in either of its modes. */
const GRAPHQL_SSE_ENDPOINT = '/graphql/stream';

const TOKEN_HEADER = 'x-graphql-event-stream-token';

type SseResponse = [string | null, { status: number; statusText: string; headers?: Record<string, string> }];

function refusal(status: number, statusText: string, code: string, message: string): SseResponse {
  return [
    JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    { status, statusText, headers: { 'content-type': 'application/json; charset=utf-8' } },
  ];
}

/**
 * graphql-sse's protocol on /graphql/stream, both modes: distinct connections (one stream per
 * operation) and the single connection mode (a stream reserved with PUT, opened with GET, fed
 * by operations POSTed with its token), which keeps a page under the browser's six connections
 * per host however many subscriptions it holds.
 *
 * Every request needs the API key, as on /graphql. The reservation token names the principal
 * that made it (`acct_….<random>`), and a stream or operation request is refused as "not
 * found" unless its key belongs to that same principal: a leaked token gives another account
 * neither the stream's events nor a way to push operations into it. Each operation is then
 * authenticated and rate-limited by the ordinary context factory; reserving a stream is charged
 * to the rate limit, since a reservation holds memory until its stream closes.
 */
export function graphqlSsePlugin(options: {
  /** Resolves the key without charging the rate limit (operations are charged on their own). */
  identify(authorization: string | null, request: Request): Promise<Principal | null>;
  /** Resolves the key and charges the rate limit; throws RATE_LIMITED when spent. */
  authenticate(authorization: string | null, request: Request): Promise<Principal | null>;
}): Plugin {
  let handler: ((request: Request) => Promise<Response>) | undefined;
  const serverContexts = new WeakMap<Request, unknown>();
  const handlerOptions = {
    async authenticate(req: {
      method: string;
      url: string;
      headers: { get(name: string): string | null | undefined };
    }) {
      const authorization = req.headers.get('authorization') ?? null;
      let principal: Principal | null;
      try {
        // The handler is called with the Request Yoga received, which carries the client's address.
        const request = req as unknown as Request;
        principal =
          req.method === 'PUT'
            ? await options.authenticate(authorization, request)
            : await options.identify(authorization, request);
      } catch (error) {
        const retryAfter = (error as { details?: { retryAfter?: number } }).details?.retryAfter;
        if (retryAfter === undefined) throw error;
        const [body, init] = refusal(
          429,
          'Too Many Requests',
          'RATE_LIMITED',
          'Too many requests for this key; retry later.',
        );
        return [body, { ...init, headers: { ...init.headers, 'retry-after': String(retryAfter) } }] as SseResponse;
      }
      if (!principal) return refusal(401, 'Unauthorized', 'UNAUTHENTICATED', MISSING_KEY_MESSAGE);
      const owner = principal.role === 'account' ? principal.accountId : 'admin';
      const token = req.headers.get(TOKEN_HEADER) ?? new URL(req.url, 'http://localhost').searchParams.get('token');
      if (token) {
        if (!token.startsWith(`${owner}.`)) return refusal(404, 'Not Found', 'NOT_FOUND', 'No such event stream.');
        return token;
      }
      // A new reservation; any other request without a token is an operation on its own stream.
      return req.method === 'PUT' ? `${owner}.${randomToken(32)}` : undefined;
    },
  };
  return {
    onYogaInit({ yoga }) {
      // The same envelop as /graphql and graphql-ws: parse with the query limits, validate,
      // build the context (key and rate limit), execute with the same plugins. (Yoga's
      // graphql-sse plugin lets a syntax or limit error escape as a 500 with its stack.)
      const y = yoga as YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
      handler = createHandler(
        {
          ...handlerOptions,
          validate: () => [],
          execute: executeEnveloped,
          subscribe: subscribeEnveloped,
          // graphql-sse takes a returned object as a result only when it has a `data` key.
          async onSubscribe(req, params) {
            const raw = req.raw as Request;
            const enveloped = y.getEnveloped({ ...(serverContexts.get(raw) as object), request: raw, params });
            try {
              const document = enveloped.parse(params.query);
              const errors = enveloped.validate(enveloped.schema, document);
              if (errors.length) return { data: null, errors: errors.map(codeClientError) };
              if (!getOperationAST(document, params.operationName)) {
                return {
                  data: null,
                  errors: [
                    codeClientError(
                      new GraphQLError(
                        'The document has no operation of that name; send exactly one operation or name one.',
                      ),
                    ),
                  ],
                };
              }
              return {
                schema: enveloped.schema,
                document,
                operationName: params.operationName,
                variableValues: params.variables,
                contextValue: await enveloped.contextFactory(),
                rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
              };
            } catch (error) {
              if (error instanceof GraphQLError) return { data: null, errors: [codeClientError(error)] };
              throw error;
            }
          },
          // Results get the contract's error codes, as over /graphql.
          onNext(_ctx, _req, result) {
            if (!result.errors?.length) return;
            return {
              ...result,
              errors: result.errors.map((error) => (error instanceof GraphQLError ? codeClientError(error) : error)),
            };
          },
        },
        y.fetchAPI as Parameters<typeof createHandler>[1],
      ) as (request: Request) => Promise<Response>;
    },
    onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== GRAPHQL_SSE_ENDPOINT) return;
      serverContexts.set(request, serverContext);
      return handler!(request).then(endResponse);
    },
  };
}
