import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../../domain/errors.js';
import {
  INVALID_OPERATION,
  openSubscriptions,
  operationLabel,
  requestDuration,
  requestErrorsTotal,
  requestsTotal,
  type Transport,
} from '../../observability/metrics.js';

/** How the operation arrived: a WebSocket context carries connectionParams, SSE asks for an event stream. */
function transportOf(context: unknown): Transport {
  const ctx = context as { extra?: unknown; request?: Request } | undefined;
  if (ctx?.extra !== undefined) return 'websocket';
  return ctx?.request?.headers.get('accept')?.includes('text/event-stream') ? 'sse' : 'http';
}

function operationOf(document: DocumentNode, operationName: string | null | undefined): string {
  return operationLabel(getOperationAST(document, operationName)?.name?.value ?? operationName);
}

/** The contract's code of an error raised while executing (masking happens later, in Yoga). */
function codeOf(error: GraphQLError): string {
  const code = error.extensions?.code;
  if (typeof code === 'string') return code;
  const cause = error.originalError;
  return cause instanceof DomainError ? cause.code : 'INTERNAL_SERVER_ERROR';
}

function countErrors(transport: Transport, operation: string, result: ExecutionResult) {
  const first = result.errors?.[0];
  if (first) requestErrorsTotal.inc({ transport, operation, code: codeOf(first) });
}

/**
 * Counts GraphQL operations, their errors and execution time by transport and operation name,
 * and the subscriptions open. Documents that fail to parse or validate count as "_invalid".
 */
export function metricsPlugin(): Plugin {
  const refused = (context: unknown, code: string) => {
    const transport = transportOf(context);
    requestsTotal.inc({ transport, operation: INVALID_OPERATION });
    requestErrorsTotal.inc({ transport, operation: INVALID_OPERATION, code });
  };
  return {
    onParse:
      ({ context }) =>
      ({ result }) => {
        if (result instanceof Error) refused(context, 'GRAPHQL_PARSE_FAILED');
      },
    onValidate:
      ({ context }) =>
      ({ valid }) => {
        if (!valid) refused(context, 'GRAPHQL_VALIDATION_FAILED');
      },
    onExecute: ({ args }) => {
      const transport = transportOf(args.contextValue);
      const operation = operationOf(args.document, args.operationName);
      const started = performance.now();
      return {
        onExecuteDone: ({ result }) => {
          requestsTotal.inc({ transport, operation });
          requestDuration.observe({ transport, operation }, (performance.now() - started) / 1000);
          if (!(Symbol.asyncIterator in result)) countErrors(transport, operation, result);
        },
      };
    },
    onSubscribe: ({ args }) => {
      const transport = transportOf(args.contextValue);
      const operation = operationOf(args.document, args.operationName);
      requestsTotal.inc({ transport, operation });
      return {
        onSubscribeResult: ({ result }) => {
          if (!(Symbol.asyncIterator in result)) {
            countErrors(transport, operation, result);
            return undefined;
          }
          openSubscriptions.inc({ transport });
          return {
            onNext: ({ result: next }) => countErrors(transport, operation, next),
            onEnd: () => openSubscriptions.dec({ transport }),
          };
        },
        onSubscribeError: ({ error }) => {
          requestErrorsTotal.inc({
            transport,
            operation,
            code: (error as GraphQLError).extensions ? codeOf(error as GraphQLError) : 'INTERNAL_SERVER_ERROR',
          });
        },
      };
    },
  };
}
