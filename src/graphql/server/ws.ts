import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, getVariableValues, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Principal } from '../../domain/accounts.js';
import { DomainError } from '../../domain/errors.js';
import { withLogContext, type Logger } from '../../observability/logger.js';
import { requestIdFrom } from '../../observability/request-id.js';
import type { CallerKeys, GraphQLContext } from '../context.js';
import { executeEnveloped, subscribeEnveloped } from './enveloped-execution.js';
import { codeClientError } from './yoga-plugins.js';

/**
 * One WebSocket message at most: a subscribe message is a query (2000 tokens at most) and its
 * variables, far below this. `ws` refuses a larger frame from its header (close 1009), unread.
 */
const MAX_WEBSOCKET_MESSAGE_BYTES = 256 * 1024;
/** A WebSocket must send connection_init (with its key) within this, or is closed with 4408. */
const CONNECTION_INIT_TIMEOUT_MS = 3_000;

export interface GraphQLWebSocket {
  /** Cuts every open WebSocket at once (the shutdown deadline). */
  terminate(): void;
  /** Completes the open operations, then stops accepting WebSockets. */
  close(): Promise<void>;
}

/**
 * graphql-ws on `server`'s /graphql: the connection's key is checked at connection_init and
 * watched for revocation; each operation runs through Yoga's envelop (`yoga.getEnveloped`), so it
 * is parsed, limited, authenticated and executed as over HTTP.
 */
export function serveGraphQLWebSocket(
  server: Server,
  options: {
    yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
    callers: CallerKeys;
    logger: Logger;
  },
): GraphQLWebSocket {
  const { yoga, callers, logger } = options;
  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });
  // A WebSocket is one request: its id is returned with the 101 and carried by every line
  // its operations log. Registered before graphql-ws's own listener, so its handlers run
  // inside the connection's context.
  const wsRequestIds = new WeakMap<IncomingMessage, string>();
  wsServer.on('headers', (headers, request) => {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    wsRequestIds.set(request, requestId);
    headers.push(`X-Request-Id: ${requestId}`);
  });
  wsServer.on('connection', (socket, request) => {
    const context = { requestId: wsRequestIds.get(request) ?? requestIdFrom(undefined), transport: 'websocket' };
    // A socket's events arrive from the network, outside any request's async context: run
    // each of them (its messages, hence its operations, and its close) in the connection's.
    const emit = socket.emit;
    socket.emit = function (this: typeof socket, ...args: Parameters<typeof emit>) {
      return withLogContext(context, () => emit.apply(this, args));
    } as typeof emit;
    const started = performance.now();
    withLogContext(context, () => logger.debug('websocket opened', { path: request.url?.split('?', 1)[0] }));
    socket.once('close', (code: number) => {
      logger.info('websocket closed', { code, durationMs: Math.round(performance.now() - started) });
    });
  });
  /** Per connection: stops watching its key for revocation. */
  const unwatchConnection = new WeakMap<object, () => void>();
  const graphqlWs = useServer(
    {
      execute: executeEnveloped,
      subscribe: subscribeEnveloped,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      // A connection without a valid key is closed (4403) rather than kept open; one whose
      // key is later revoked too, within the key cache's bound. Each operation still
      // authenticates through the same context factory as HTTP.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams;
        const socket = ctx.extra.socket;
        let principal: Principal | null;
        try {
          principal = await callers.authenticate(
            params?.Authorization ?? params?.authorization,
            ctx.extra.request.socket.remoteAddress,
          );
        } catch (error) {
          if (!(error instanceof DomainError) || error.code !== 'RATE_LIMITED') throw error;
          // 1013 is WebSocket's "try again later"; graphql-ws clients retry it.
          socket.close(1013, error.message.slice(0, 120));
          return false;
        }
        if (!principal) return false;
        unwatchConnection.set(
          ctx,
          callers.watch(principal, () => socket.close(4403, 'Forbidden: the API key was revoked')),
        );
        return true;
      },
      onClose: (ctx) => {
        unwatchConnection.get(ctx)?.();
      },
      onSubscribe: async (ctx, _id, payload) => {
        const {
          schema: envelopedSchema,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        // Syntax errors and graphql-armor's limits are thrown from parse() and validate():
        // report them as the operation's errors, as over HTTP, instead of closing the socket.
        try {
          const document = parse(payload.query);
          const errors = validate(envelopedSchema, document);
          if (errors.length) return errors.map(codeClientError);
          // Variables that do not fit their types (an unknown EventType, say) get the same
          // BAD_USER_INPUT and path as over HTTP.
          const definitions = getOperationAST(document, payload.operationName)?.variableDefinitions ?? [];
          const coercion = getVariableValues(envelopedSchema, definitions, payload.variables ?? {}).errors;
          if (coercion) return coercion.map(codeClientError);
          return {
            schema: envelopedSchema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
        } catch (error) {
          if (error instanceof GraphQLError) return [codeClientError(error)];
          throw error;
        }
      },
    },
    wsServer,
  );

  return {
    terminate() {
      for (const client of wsServer.clients) client.terminate();
    },
    async close() {
      await graphqlWs.dispose();
      wsServer.close();
    },
  };
}
