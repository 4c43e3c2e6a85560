/**
 * OpenTelemetry spans for the gateway's code (tracing-setup.ts turns them on). While off,
 * `tracing` is false and callers skip all span work, so an untraced gateway pays one boolean
 * test per request and never loads the SDK.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { foldIds } from './metrics.js';

export let tracing = false;
let tracer: Tracer | undefined;
let flushProvider: (() => Promise<void>) | undefined;

/** Called by tracing-setup.ts once a provider is registered. */
export function useTracer(next: Tracer, flush: () => Promise<void>) {
  tracer = next;
  flushProvider = flush;
  tracing = true;
}

/** Sends the spans still buffered (on shutdown). */
export async function flushTracing() {
  await flushProvider?.();
}

/** Starts a span under the active one (or under `parent`); call only while `tracing`. */
export function startSpan(
  name: string,
  attributes?: Record<string, string | number | boolean>,
  parent?: Context,
  kind = SpanKind.INTERNAL,
): Span {
  return tracer!.startSpan(name, { kind, attributes }, parent ?? context.active());
}

/** True when a span is in progress and being recorded (not left out by the sampler). */
export function activeSpanRecording(): boolean {
  return trace.getSpan(context.active())?.isRecording() ?? false;
}

/** True inside a span that the sampler left out: what would be its children need no span either. */
export function unsampled(): boolean {
  const span = trace.getSpan(context.active());
  return span !== undefined && !span.isRecording();
}

/** Ends `span`, marking it failed if `error` is given. */
export function endSpan(span: Span, error?: unknown) {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Runs `fn` with `span` active, so that spans started inside are its children. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** The server span of an incoming HTTP request, continuing the caller's `traceparent` if sent. */
export function startRequestSpan(name: string, headers: Record<string, string | string[] | undefined>): Span {
  const parent = propagation.extract(context.active(), headers);
  return tracer!.startSpan(name, { kind: SpanKind.SERVER }, parent);
}

/** The active span's W3C `traceparent`, to store with what the request causes; undefined while untraced. */
export function currentTraceparent(): string | undefined {
  if (!tracing) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a stored `traceparent` names, for a span that belongs to that trace. */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/**
 * Handles an HTTP request inside a server span named by its method and route (ids folded), so
 * that everything it does (GraphQL, SQL, events it records) belongs to that trace.
 */
export function traceRequest(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const path = (req.url ?? '/').split('?')[0]!;
  const span = startRequestSpan(`${req.method} ${foldIds(path)}`, req.headers);
  // An unsampled span still goes into the context, so that nothing under it is sampled either.
  if (span.isRecording()) {
    span.setAttribute('http.request.method', req.method ?? '');
    span.setAttribute('url.path', path);
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      endSpan(span, res.statusCode >= 500 ? `status ${res.statusCode}` : undefined);
    });
  }
  withSpan(span, () => handle(req, res));
}
