/**
 * One AsyncLocalStorage for everything a request carries through its async work: the log
 * context (request id, transport) and, while tracing, OpenTelemetry's context. On Node 20 every
 * store in use adds work to every promise the process makes (its init hook copies the store onto
 * each one); the read bench measured one store at about 6 % of a page's CPU, and OpenTelemetry's
 * own context manager would have been a second.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/** What every line logged while handling one request carries (its id, its transport). */
export interface LogContext {
  requestId: string;
  transport?: string;
}

interface RequestContext {
  log?: LogContext;
  trace?: Context;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts) as part of the request `log` context. */
export function withLogContext<T>(log: LogContext, fn: () => T): T {
  return storage.run({ log, trace: storage.getStore()?.trace }, fn);
}

/** The log context of the work in progress, if it belongs to a request. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore()?.log;
}

/**
 * OpenTelemetry's context manager, keeping its context in the shared store: what the SDK's
 * AsyncLocalStorageContextManager does with a store of its own. `bind` binds functions (nothing
 * here binds event emitters, which it would patch).
 */
export class SharedContextManager implements ContextManager {
  active(): Context {
    return storage.getStore()?.trace ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const callback = thisArg == null ? fn : fn.bind(thisArg);
    return storage.run({ log: storage.getStore()?.log, trace: context }, callback, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => (target as (...rest: unknown[]) => unknown).apply(this, args));
    } as T;
  }

  enable(): this {
    return this;
  }

  /** The store is shared with the logs: turning tracing off must not clear it. */
  disable(): this {
    return this;
  }
}
