import { getVariableValues } from '@graphql-tools/executor';
import { GraphQLError, Kind, OperationTypeNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import { DomainError, type InputIssue } from '../../domain/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { GraphQLContext } from '../context.js';

/** The innermost error behind GraphQL's wrappers (the executor may wrap more than once). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth += 1) {
    if (current instanceof DomainError) return current;
    const inner = (current as { originalError?: unknown } | null)?.originalError;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** Turns domain failures into coded GraphQL errors; everything else is masked, and logged. */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const located = error as Partial<GraphQLError>;
    const cause = rootCause(error);
    if (cause instanceof DomainError) {
      return new GraphQLError(cause.message, {
        nodes: located.nodes,
        source: located.source,
        positions: located.positions,
        path: located.path,
        extensions: {
          code: cause.code,
          ...(cause.details.issues ? { issues: cause.details.issues } : {}),
          ...(cause.details.retryAfter !== undefined ? { retryAfter: cause.details.retryAfter } : {}),
        },
      });
    }
    // GraphQL's own errors (syntax, validation, variable coercion) are safe to show; the
    // client-error plugin gives them the contract's code.
    // (Keep the outer error: for a bad variable it names the variable and the path within it.)
    if (cause instanceof GraphQLError) return error instanceof GraphQLError ? error : cause;
    logger.error('unexpected error while executing an operation', { error: cause });
    return new GraphQLError(yogaMaskError(error, message, false).message, {
      nodes: located.nodes,
      source: located.source,
      positions: located.positions,
      path: located.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

/** Codes that GraphQL, Yoga and graphql-armor use for what the contract calls BAD_USER_INPUT. */
const CLIENT_ERROR_CODES = new Set([undefined, 'BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/** Where a request-level error points: a variable's inner path when GraphQL names one. */
function issuePath(error: GraphQLError): (string | number)[] {
  const at = /Variable "\$[^"]+" got invalid value .*? at "([^"]+)"/s.exec(error.message);
  if (at) {
    return at[1]!
      .split(/\.|\[(\d+)\]/)
      .filter((part) => part !== undefined && part !== '')
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  }
  const variable = /Variable "\$([^"]+)"/.exec(error.message);
  if (variable) return [variable[1]!];
  return error.path ? [...error.path] : [];
}

/**
 * Gives errors raised before execution (syntax, validation, variable coercion, query limits,
 * unreadable bodies) the contract's BAD_USER_INPUT code and an issue with its path, and drops
 * any parser detail (`originalError`) that would describe our internals.
 */
export function codeClientError(error: GraphQLError): GraphQLError {
  const extensions = { ...(error.extensions ?? {}) } as Record<string, unknown>;
  const code = extensions.code as string | undefined;
  if (!CLIENT_ERROR_CODES.has(code) && !('originalError' in extensions)) return error;
  delete extensions.originalError;
  if (CLIENT_ERROR_CODES.has(code)) {
    extensions.code = 'BAD_USER_INPUT';
    const issues: InputIssue[] = [{ path: issuePath(error), message: error.message }];
    extensions.issues ??= issues;
  }
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

/** Applies codeClientError to every error of a single (non-streamed) HTTP result. */
export function clientErrorCodePlugin(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const results = Array.isArray(result) ? result : [result];
      if (results.some((one) => !one || typeof one !== 'object' || Symbol.asyncIterator in one)) return;
      const coded = results.map((one) => {
        const errors = (one as { errors?: readonly GraphQLError[] }).errors;
        if (!errors?.length) return one;
        return { ...one, errors: errors.map(codeClientError) };
      });
      setResult((Array.isArray(result) ? coded : coded[0]) as typeof result);
    },
  };
}

/**
 * A spent rate limit as the GraphQL-over-HTTP spec and REST answer it: status 429 with
 * `Retry-After` for `application/graphql-response+json`; the legacy `application/json` keeps
 * status 200 (Yoga skips a `spec` status there) but gets the header too. Yoga reads
 * `extensions.http` for the response and leaves it out of the body.
 */
export function rateLimitStatusPlugin(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !result || typeof result !== 'object' || Symbol.asyncIterator in result) return;
      const errors = (result as { errors?: readonly GraphQLError[] }).errors;
      if (!errors?.some((error) => error.extensions?.code === 'RATE_LIMITED')) return;
      const withStatus = errors.map((error) => {
        if (error.extensions?.code !== 'RATE_LIMITED') return error;
        const seconds = Math.max(1, Math.ceil(Number(error.extensions.retryAfter) || 1));
        return new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          extensions: {
            ...error.extensions,
            http: { status: 429, spec: true, headers: { 'retry-after': String(seconds) } },
          },
        });
      });
      setResult({ ...result, errors: withStatus } as typeof result);
    },
  };
}

/** Marks replayed idempotent results: `extensions.idempotentReplayed` and an HTTP header. */
export function idempotentReplayPlugin(): Plugin<GraphQLContext & { request?: Request }> {
  const replayed = new WeakSet<Request>();
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const ctx = args.contextValue as GraphQLContext & { request?: Request };
          if (!ctx.idempotentReplayed || Symbol.asyncIterator in result) return;
          if (ctx.request) replayed.add(ctx.request);
          setResult({ ...result, extensions: { ...result.extensions, idempotentReplayed: true } });
        },
      };
    },
    onResponse({ request, response }) {
      if (replayed.has(request)) response.headers.set('Idempotent-Replayed', 'true');
    },
  };
}

/**
 * Executes queries and mutations with graphql-jit, which compiles each operation once into plain
 * functions (the graphql-js executor re-walks the document for every object of every response).
 * graphql-jit coerces variables too, but its errors name the wrong variable, lose the inner path
 * and the HTTP status 400: an operation whose variables Yoga's executor (@graphql-tools/executor,
 * graphql-js's execution algorithm) refuses runs on that executor instead, for its errors.
 *
 * Never for subscriptions: graphql-jit 0.8 calls the subscription field's `subscribe` with the
 * operation's variables as its arguments, so inline arguments and variables of other names were
 * ignored. Subscriptions run on graphql-js; each event is one small object, where compiling
 * gains little. Nor for a mutation of several root fields: graphql-js stops at the first one
 * that fails into a null `data`, graphql-jit would still run (and commit) the later ones.
 * test/executor-equivalence.test.ts holds the two executors to the same answers.
 *
 * Only for documents of one operation, sent with an API key. The plugin keeps one compiled
 * operation per parsed document, whatever operation a later request names, and Yoga hands the
 * same parsed document to every request with the same text: from a document of several
 * operations (GraphiQL's example), the first one run would run again for every later request.
 * And a caller without a key, who gets no further than UNAUTHENTICATED and no rate limit, should
 * not make the server compile code for each new document it sends.
 */
export function compiledExecutionPlugins(): Plugin[] {
  const compileWhen = (args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operationName?: string | null;
    variableValues?: unknown;
    contextValue?: unknown;
  }) => {
    if ((args.contextValue as Partial<GraphQLContext>).principal == null) return false;
    const operations = args.document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) return false;
    const operation = operations[0]!;
    if (operation.operation === OperationTypeNode.SUBSCRIPTION) return false;
    if (operation.operation === OperationTypeNode.MUTATION) {
      const selections = operation.selectionSet.selections;
      if (selections.length !== 1 || selections[0]!.kind !== Kind.FIELD) return false;
    }
    // Variables that Yoga's own executor refuses are left to it, for the very same errors.
    const definitions = operation.variableDefinitions;
    if (!definitions?.length) return true;
    return !getVariableValues(args.schema, definitions, (args.variableValues ?? {}) as Record<string, unknown>, {
      maxErrors: 50,
    }).errors;
  };
  return [locateCompiledErrors(), useGraphQlJit({}, { enableIf: compileWhen }) as Plugin];
}

/**
 * graphql-jit's errors carry `locations` but neither the AST nodes nor the source positions that
 * GraphQLError derives them from, and every copy of an error (masking, Yoga's serialiser) derives
 * them again: they would be lost. Gives such errors the document's source and their positions.
 * Runs before error masking (Yoga registers it after the user's plugins).
 */
function locateCompiledErrors(): Plugin {
  return {
    onExecute({ args }) {
      const source = args.document.loc?.source;
      if (!source) return undefined;
      return {
        onExecuteDone({ result, setResult }) {
          if (
            Symbol.asyncIterator in result ||
            !result.errors?.some((error) => !error.positions && error.locations?.length)
          )
            return;
          // Lines end as GraphQL's lexer ends them: CRLF, LF or CR alone.
          const lineStarts = [0];
          for (const end of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(end.index + end[0].length);
          const errors = result.errors.map((error) => {
            if (error.positions || !error.locations?.length) return error;
            return new GraphQLError(error.message, {
              source,
              positions: error.locations.map(
                ({ line, column }: { line: number; column: number }) => lineStarts[line - 1]! + column - 1,
              ),
              path: error.path,
              originalError: error.originalError ?? undefined,
              extensions: error.extensions,
            });
          });
          setResult({ ...result, errors });
        },
      };
    },
  };
}
