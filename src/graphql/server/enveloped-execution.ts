import type { ExecutionArgs, ExecutionResult } from 'graphql';

/**
 * graphql-ws and graphql-sse call `execute`/`subscribe` themselves. Each operation's
 * `onSubscribe` puts the request's enveloped (plugin-wrapped) pair into `rootValue`, and these two
 * hand the call on to it, so both transports run every Yoga plugin as `/graphql` does.
 */
type Enveloped = (args: ExecutionArgs) => unknown;
type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: Enveloped; subscribe: Enveloped } };

export const executeEnveloped = (args: ExecutionArgs) =>
  (args as EnvelopedArgs).rootValue.execute(args) as Promise<ExecutionResult>;

export const subscribeEnveloped = (args: ExecutionArgs) =>
  (args as EnvelopedArgs).rootValue.subscribe(args) as Promise<ExecutionResult | AsyncGenerator<ExecutionResult>>;
