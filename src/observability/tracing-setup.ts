/**
 * Turns traces on when configured with the standard variables: OTEL_TRACES_EXPORTER (otlp or
 * console) or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keeps them off.
 * Sampling is the SDK's own, from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default
 * parentbased_always_on); `parentbased_traceidratio` with a ratio is what keeps a busy gateway's
 * tracing cheap.
 */
import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { tracing, useTracer } from './tracing.js';

/**
 * Starts tracing if the environment asks for it (or with `exporter`, for tests: each span is
 * handed to it when it ends). Idempotent. The OTLP exporter reads its own OTEL_EXPORTER_OTLP_*
 * settings (endpoint, headers, timeout).
 */
export async function startTracing(
  options: { exporter?: SpanExporter; env?: Record<string, string | undefined> } = {},
): Promise<boolean> {
  if (tracing) return true;
  const env = options.env ?? process.env;
  const exporterName = env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  let processor: SpanProcessor | undefined;
  if (options.exporter) processor = new SimpleSpanProcessor(options.exporter);
  else if (env.OTEL_SDK_DISABLED === 'true' || exporterName === 'none') processor = undefined;
  else if (exporterName === 'console') processor = new SimpleSpanProcessor(new ConsoleSpanExporter());
  else if (exporterName === 'otlp' || (!exporterName && endpoint)) {
    // Loaded only when used: an untraced gateway never loads the exporter.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  if (!processor) return false;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'checkout-gateway' }),
    spanProcessors: [processor],
  });
  // Registers the AsyncLocalStorage context manager and the W3C traceparent propagator.
  provider.register();
  useTracer(trace.getTracer('checkout-gateway'), () => provider.forceFlush());
  return true;
}
