import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { endSpan, startSpan, tracing, unsampled } from '../../observability/tracing.js';

/**
 * Spans for GraphQL parse, validate and execute, under the request's span (a WebSocket
 * operation's are roots); nothing while tracing is off or the request's trace is not sampled.
 */
export function tracingPlugin(): Plugin {
  return {
    onParse: () => {
      if (!tracing || unsampled()) return undefined;
      const span = startSpan('graphql.parse');
      return ({ result }) => endSpan(span, result instanceof Error ? result : undefined);
    },
    onValidate: () => {
      if (!tracing || unsampled()) return undefined;
      const span = startSpan('graphql.validate');
      return ({ valid, result }) => endSpan(span, valid ? undefined : result[0]);
    },
    onExecute: ({ args }) => {
      if (!tracing || unsampled()) return undefined;
      const operation = getOperationAST(args.document, args.operationName);
      const span = startSpan('graphql.execute', {
        'graphql.operation.type': operation?.operation ?? 'unknown',
        'graphql.operation.name': operation?.name?.value ?? '',
      });
      return {
        onExecuteDone: ({ result }) => {
          const error = Symbol.asyncIterator in result ? undefined : result.errors?.[0];
          endSpan(span, error);
        },
      };
    },
  };
}
