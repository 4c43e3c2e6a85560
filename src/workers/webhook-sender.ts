/**
 * The webhook delivery worker's HTTP transport: one POST per attempt, no redirects followed,
 * a hard timeout, and the SSRF address check applied to the addresses DNS returns at connect
 * time (so a name cannot pass validation and later resolve to something internal).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { BLOCKED_ADDRESS_MESSAGE, isAddressAllowed } from '../domain/webhooks/addresses.js';
import type { SendResult, WebhookSender } from '../domain/webhooks/delivery.js';
import { SpanKind } from '@opentelemetry/api';
import { contextFromTraceparent, endSpan, startSpan, tracing } from '../observability/tracing.js';

class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
}

/** dns.lookup that refuses a name if any address it resolves to is not allowed. */
function guardedLookup(allowPrivateNetworks: boolean) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string; hints?: number },
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(
      hostname,
      { family: options.family as number | undefined, hints: options.hints, all: true },
      (error, addresses) => {
        if (error) return callback(error, []);
        if (addresses.length === 0)
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
        if (addresses.some((entry) => !isAddressAllowed(entry.address, allowPrivateNetworks))) {
          return callback(new BlockedAddressError(`${hostname} resolves to a blocked address`), []);
        }
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
    );
  };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EBLOCKEDADDRESS':
      return `the URL ${BLOCKED_ADDRESS_MESSAGE.replace('must not point', 'points')}; the request was not sent`;
    case 'ETIMEDOUT':
      return `no response within ${timeoutMs / 1000} s`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    default:
      return code
        ? `request failed (${code})`
        : `request failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`;
  }
}

/**
 * POSTs `body` to `url` once. A 2xx is success; anything else, a redirect (never followed), a
 * blocked address, or no response within the timeout is a failure.
 */
function sendWebhookRequest(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivateNetworks: boolean },
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const fail = (error: unknown) =>
      finish({ statusCode: null, error: describeFailure(error, options.timeoutMs), succeeded: false });

    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      fail(error);
      return;
    }
    // Literal addresses skip DNS (and so the guarded lookup): check them here.
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !isAddressAllowed(host, options.allowPrivateNetworks)) {
      fail(new BlockedAddressError('blocked literal address'));
      return;
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (!client) {
      fail(new Error('unsupported scheme'));
      return;
    }
    let request: http.ClientRequest;
    try {
      request = client.request(target, {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        lookup: guardedLookup(options.allowPrivateNetworks) as never,
      });
    } catch (error) {
      fail(error);
      return;
    }
    timer = setTimeout(
      () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      options.timeoutMs,
    );
    request.on('error', fail);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      // The body is of no interest; drain it so the socket closes cleanly.
      response.resume();
      response.on('error', () => {});
      const succeeded = status >= 200 && status < 300;
      let error: string | null = null;
      if (status >= 300 && status < 400) error = 'redirects are not followed; a redirect counts as a failure';
      else if (status === 410) error = 'the endpoint answered 410 Gone and has been disabled';
      finish({ statusCode: status, error, succeeded });
    });
    request.end(body);
  });
}

export const sendWebhook: WebhookSender = async (request, options) => {
  if (!tracing) return sendWebhookRequest(request.url, request.body, request.headers, options);
  // A span in the trace of the request that caused the event (the payment, for a paid event).
  const span = startSpan(
    'webhook attempt',
    { 'http.request.method': 'POST', 'url.full': request.url, 'webhook.id': request.headers['webhook-id'] ?? '' },
    contextFromTraceparent(request.traceparent),
    SpanKind.CLIENT,
  );
  const result = await sendWebhookRequest(request.url, request.body, request.headers, options);
  if (result.statusCode !== null) span.setAttribute('http.response.status_code', result.statusCode);
  endSpan(span, result.succeeded ? undefined : (result.error ?? `status ${result.statusCode}`));
  return result;
};
